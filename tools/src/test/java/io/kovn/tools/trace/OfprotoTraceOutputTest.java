package io.kovn.tools.trace;

import static org.assertj.core.api.Assertions.assertThat;

import io.kovn.ovn.net.Ipv4Cidr;
import io.kovn.ovn.net.MacAddress;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * ofproto/trace and dpif/show output captured on a sandbox node (node1: pods demo/web-1 on kva5b24c91a01d and
 * demo/near on kv952073cfd256, demo isolated for ingress; demo/web-2 on node2 at 10.99.0.4), read back as verdicts.
 */
class OfprotoTraceOutputTest {
    private static final Map<String, String> PODS = Map.of("kva5b24c91a01d", "pod demo/web-1",
            "kv952073cfd256", "pod demo/near", "ovn-k8s-mp0", "node node1's management port");

    private static OfprotoTraceOutput.Result judge(String file) throws IOException {
        return OfprotoTraceOutput.judge(read(file), OfprotoTraceOutput.datapathPorts(read("dpif_show.txt")),
                p -> PODS.getOrDefault(p, p), ip -> ip.equals("10.99.0.4") ? "node2 (10.99.0.4)" : ip);
    }

    @Test
    void namesTheDatapathPorts() throws IOException {
        Map<Integer, String> ports = OfprotoTraceOutput.datapathPorts(read("dpif_show.txt"));
        assertThat(ports).containsEntry(8, "kva5b24c91a01d").containsEntry(9, "kv952073cfd256")
                .containsEntry(7, "ovn-k8s-mp0").containsEntry(6, "ovn-node2-0").containsEntry(1, "eth0")
                .containsEntry(3, "br-int");
    }

    @Test
    void aPacketToAnotherNodeIsTunnelledThere() throws IOException {
        OfprotoTraceOutput.Result r = judge("ofproto_tunnel.txt");
        assertThat(r.verdict()).isEqualTo(NodeTrace.Verdict.TUNNELLED);
        assertThat(r.detail()).singleElement().asString().startsWith("tunnel to node2 (10.99.0.4)");
        assertThat(OfprotoTraceOutput.lastActions(read("ofproto_tunnel.txt"))).startsWith("ct(commit,zone=19")
                .contains("tnl_push(");
    }

    @Test
    void aPacketToALocalPortLeavesByItsInterface() throws IOException {
        OfprotoTraceOutput.Result r = judge("ofproto_local.txt");
        assertThat(r.verdict()).isEqualTo(NodeTrace.Verdict.OUTPUT);
        assertThat(r.detail()).containsExactly("out of node node1's management port");
    }

    @Test
    void aDropNamesTheOpenFlowRuleAndItsLogicalFlow() throws IOException {
        OfprotoTraceOutput.Result r = judge("ofproto_drop.txt");
        assertThat(r.verdict()).isEqualTo(NodeTrace.Verdict.DROPPED);
        assertThat(r.detail()).containsExactly("dropped by OpenFlow table 46 priority 2000 (logical flow 67b02f33)");
    }

    @Test
    void readsTheInterfacesOfVsctlJson() {
        String json = "{\"data\":[[\"kva5b24c91a01d\",5,[\"map\",[[\"iface-id\",\"demo_web-1\"],[\"pod\",\"web-1\"]]]],"
                + "[\"ovn-node2-0\",1,[\"map\",[]]],[\"new\",[\"set\",[]],[\"map\",[]]]],"
                + "\"headings\":[\"name\",\"ofport\",\"external_ids\"]}";
        assertThat(OfprotoTraceRunner.interfaces(json)).containsExactly(
                new OfprotoTraceRunner.Interface("kva5b24c91a01d", 5, Optional.of("demo_web-1")),
                new OfprotoTraceRunner.Interface("ovn-node2-0", 1, Optional.empty()),
                new OfprotoTraceRunner.Interface("new", -1, Optional.empty()));
    }

    @Test
    void theOpenFlowPacketIsTheMicroflows() {
        Microflow f = new Microflow("demo_near", MacAddress.parse("0a:58:0a:f4:00:05"),
                MacAddress.parse("0a:58:0a:f4:00:04"), Ipv4Cidr.parseAddress("10.244.0.5"),
                Ipv4Cidr.parseAddress("10.244.0.4"), TraceRequest.Protocol.TCP, 8080);
        assertThat(f.openFlow(6)).isEqualTo("in_port=6,tcp,dl_src=0a:58:0a:f4:00:05,dl_dst=0a:58:0a:f4:00:04,"
                + "nw_src=10.244.0.5,nw_dst=10.244.0.4,nw_ttl=64,tp_src=33333,tp_dst=8080,tcp_flags=0x002");
    }

    private static String read(String name) throws IOException {
        try (InputStream in = OfprotoTraceOutputTest.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
