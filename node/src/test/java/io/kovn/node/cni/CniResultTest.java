package io.kovn.node.cni;

import static org.assertj.core.api.Assertions.assertThat;

import io.kovn.ovn.annotations.PodNetwork;
import io.kovn.ovn.net.Ipv4Cidr;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class CniResultTest {
    private static final PodNetwork NET = PodNetwork.of(Ipv4Cidr.parse("10.244.1.0/24"),
            Ipv4Cidr.parseAddress("10.244.1.5"));

    @Test
    void resultOfEachVersion() {
        JsonNode r100 = CniResult.of("1.0.0", null, "kvabc", "0e:00:00:00:00:01", "eth0", NET.macAddress().toString(),
                Path.of("/var/run/netns/p"), NET);
        assertThat(r100.toString()).isEqualTo("{\"cniVersion\":\"1.0.0\",\"interfaces\":[{\"name\":\"kvabc\","
                + "\"mac\":\"0e:00:00:00:00:01\"},{\"name\":\"eth0\",\"mac\":\"0a:58:0a:f4:01:05\",\"sandbox\":"
                + "\"/var/run/netns/p\"}],\"ips\":[{\"address\":\"10.244.1.5/24\",\"gateway\":\"10.244.1.1\","
                + "\"interface\":1}],\"routes\":[{\"dst\":\"0.0.0.0/0\",\"gw\":\"10.244.1.1\"}]}");
        JsonNode r031 = CniResult.of("0.3.1", null, "kvabc", "0e:00:00:00:00:01", "eth0", NET.macAddress().toString(),
                Path.of("/var/run/netns/p"), NET);
        assertThat(r031.path("cniVersion").asString()).isEqualTo("0.3.1");
        assertThat(r031.path("ips").get(0).path("version").asString()).isEqualTo("4");
    }

    @Test
    void chainedAfterAnotherPluginOursAreAppended() {
        JsonNode prev = CniRequest.JSON.readTree("{\"cniVersion\":\"0.4.0\",\"interfaces\":[{\"name\":\"lo\","
                + "\"sandbox\":\"/var/run/netns/p\"}],\"ips\":[{\"version\":\"4\",\"address\":\"127.0.0.1/8\","
                + "\"interface\":0}],\"dns\":{\"nameservers\":[\"10.96.0.10\"]}}");
        JsonNode r = CniResult.of("1.0.0", prev, "kvabc", "0e:00:00:00:00:01", "eth0", NET.macAddress().toString(),
                Path.of("/var/run/netns/p"), NET);
        assertThat(r.path("interfaces")).hasSize(3);
        assertThat(r.path("ips").get(0).has("version")).isFalse();
        assertThat(r.path("ips").get(1).path("interface").asInt()).isEqualTo(2);
        assertThat(r.path("dns").path("nameservers").get(0).asString()).isEqualTo("10.96.0.10");
    }

    @Test
    void hostVethNamesAreShortUniqueAndStable() {
        String a = VethNames.hostVeth("0123456789abcdef0123456789abcdef", "eth0");
        assertThat(a).hasSize(14).startsWith("kv").isEqualTo(VethNames.hostVeth("0123456789abcdef0123456789abcdef", "eth0"));
        assertThat(a).isNotEqualTo(VethNames.hostVeth("0123456789abcdef0123456789abcdee", "eth0"))
                .isNotEqualTo(VethNames.hostVeth("0123456789abcdef0123456789abcdef", "net1"));
        assertThat(VethNames.isHostVeth(a)).isTrue();
        assertThat(VethNames.isHostVeth("kvnotours")).isFalse();
        assertThat(VethNames.hostMac("c", "eth0")).matches("0e(:[0-9a-f]{2}){5}");
    }

    @Test
    void requestsFromThePluginAreParsed() throws Exception {
        CniRequest r = CniRequest.parse(("{\"command\":\"ADD\",\"containerId\":\"c1\",\"netns\":\"/var/run/netns/p\","
                + "\"ifName\":\"eth0\",\"args\":{\"K8S_POD_NAME\":\"web\",\"K8S_POD_UID\":\"3f0c1a2b-0000-4000-8000-000000000001\"},\"path\":null,"
                + "\"config\":{\"cniVersion\":\"0.4.0\",\"name\":\"kovn\",\"type\":\"kovn-cni\"}}").getBytes());
        assertThat(r.podNamespace()).isEqualTo("default");
        assertThat(r.podName()).isEqualTo("web");
        assertThat(r.podUid()).isEqualTo("3f0c1a2b-0000-4000-8000-000000000001");
        assertThat(r.cniVersion()).isEqualTo("0.4.0");
        assertThat(r.netns()).isEqualTo(Path.of("/var/run/netns/p"));
        assertThat(r.prevResult()).isNull();
        try {
            CniRequest.parse("{\"command\":\"ADD\"}".getBytes());
            throw new AssertionError("expected a failure");
        } catch (CniFailure f) {
            assertThat(f.code()).isEqualTo(CniFailure.DECODING_FAILURE);
        }
    }
}
