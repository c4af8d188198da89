package io.kovn.node.cni;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.node.ObjectNode;

/** Whatever reaches the socket is checked before any of it is used. */
class CniRequestTest {

    private static ObjectNode request(Map<String, String> fields, Map<String, String> args) {
        ObjectNode n = CniRequest.JSON.createObjectNode();
        fields.forEach(n::put);
        ObjectNode a = n.putObject("args");
        args.forEach(a::put);
        n.putObject("config").put("cniVersion", "1.0.0").put("name", "kovn").put("type", "kovn-cni");
        return n;
    }

    private static Map<String, String> goodFields() {
        Map<String, String> f = new LinkedHashMap<>();
        f.put("command", "ADD");
        f.put("containerId", "0123abcd");
        f.put("netns", "/var/run/netns/p1");
        f.put("ifName", "eth0");
        return f;
    }

    private static Map<String, String> goodArgs() {
        Map<String, String> a = new LinkedHashMap<>();
        a.put("K8S_POD_NAMESPACE", "ns1");
        a.put("K8S_POD_NAME", "p1.web-0");
        a.put("K8S_POD_UID", "0b6e1c7e-7a3c-4b8e-9d2f-1a2b3c4d5e6f");
        return a;
    }

    private static CniRequest parse(ObjectNode n) throws CniFailure {
        return CniRequest.parse(n.toString().getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aRequestThePluginSendsIsTaken() throws Exception {
        CniRequest r = parse(request(goodFields(), goodArgs()));
        assertThat(r.netns()).isEqualTo(Path.of("/var/run/netns/p1"));
        assertThat(r.podName()).isEqualTo("p1.web-0");
        assertThat(r.podUid()).isEqualTo("0b6e1c7e-7a3c-4b8e-9d2f-1a2b3c4d5e6f");
        Map<String, String> del = goodFields();
        del.remove("netns");
        assertThat(parse(request(del, Map.of())).netns()).as("DEL after the netns is gone").isNull();
        Map<String, String> status = new LinkedHashMap<>(Map.of("command", "STATUS"));
        assertThat(parse(request(status, Map.of())).networkWide()).isTrue();
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', value = {
        "containerId|abc\\nlink set dev lo down|CNI_CONTAINERID",
        "containerId|abc def|CNI_CONTAINERID",
        "containerId|../../etc|CNI_CONTAINERID",
        "containerId|LONG|CNI_CONTAINERID",
        "ifName|eth0\\nx|CNI_IFNAME",
        "ifName|eth 0|CNI_IFNAME",
        "ifName|../x|CNI_IFNAME",
        "ifName|..|CNI_IFNAME",
        "ifName|LONG|CNI_IFNAME",
        "netns|/var/run/netns/p1\\nlink set dev lo down|CNI_NETNS",
        "netns|/var/run/netns/p 1|CNI_NETNS",
        "netns|../../proc/1/ns/net|CNI_NETNS",
        "netns|/var/run/netns/../../proc/1/ns/net|CNI_NETNS",
        "K8S_POD_NAME|p1\\nx|K8S_POD_NAME",
        "K8S_POD_NAME|../p1|K8S_POD_NAME",
        "K8S_POD_NAME|LONG|K8S_POD_NAME",
        "K8S_POD_NAMESPACE|ns 1|K8S_POD_NAMESPACE",
        "K8S_POD_NAMESPACE|../kube-system|K8S_POD_NAMESPACE",
        "K8S_POD_UID|uid\\nx|K8S_POD_UID",
        "command|ADD\\nDEL|CNI_COMMAND",
    })
    void hostileValuesAreRefusedWithCode4NamingTheVariable(String field, String value, String variable) {
        String v = "LONG".equals(value) ? "a".repeat(300) : value.replace("\\n", "\n");
        Map<String, String> fields = goodFields();
        Map<String, String> args = goodArgs();
        (field.startsWith("K8S_") ? args : fields).put(field, v);
        assertThatThrownBy(() -> parse(request(fields, args))).isInstanceOfSatisfying(CniFailure.class, f -> {
            assertThat(f.code()).isEqualTo(CniFailure.INVALID_ENVIRONMENT);
            assertThat(f.getMessage()).contains(variable).doesNotContain("\n");
        });
    }

    @Test
    void whatIsNotARequestIsCode6() {
        for (String body : new String[] {"", "{\"command\":", "[]", "42", "{\"command\":\"ADD\"}",
                "{\"command\":\"ADD\",\"containerId\":7,\"ifName\":\"eth0\",\"config\":{}}",
                "{\"command\":\"STATUS\",\"args\":{\"K8S_POD_NAME\":[\"x\"]},\"config\":{}}",
                "[".repeat(100_000)}) {
            assertThatThrownBy(() -> CniRequest.parse(body.getBytes(StandardCharsets.UTF_8))).as(body)
                    .isInstanceOfSatisfying(CniFailure.class,
                            f -> assertThat(f.code()).isEqualTo(CniFailure.DECODING_FAILURE));
        }
    }
}
