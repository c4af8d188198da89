package io.kovn.tools.trace;

import static org.assertj.core.api.Assertions.assertThat;

import io.kovn.ovn.Owners;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The ovn-trace parser and summary on output captured from the sandbox (OVN 23.03; namespace demo with web-1..3 on
 * node1..3, Service demo/web 10.96.0.11:80 -> 8080, a NetworkPolicy demo/deny-all isolating demo for ingress).
 */
class OvnTraceOutputTest {
    private static final String NS_IN = "outport == @kovn_ns_in_2a97516c354b6884";
    private static final List<AclOwner> ACLS = List.of(
            new AclOwner("to-lport", 1000, NS_IN + " && ip4", "drop",
                    Map.of(Owners.OWNER_TYPE, "Namespace", Owners.OWNER, "demo", Owners.RULE, "default-deny-ingress")),
            new AclOwner("to-lport", 1001, NS_IN + " && ip4.src == $kovn_node_mgmt", "allow-related",
                    Map.of(Owners.OWNER_TYPE, "Namespace", Owners.OWNER, "demo", Owners.RULE, "node-management")),
            new AclOwner("to-lport", 1001, "outport == @kovn_np_1690fa38fca3ffd0 && ip4 && (ip4.src == $kovn_as_df9a3e1cec1740c6)",
                    "allow-related", Map.of(Owners.OWNER_TYPE, "NetworkPolicy", Owners.OWNER, "demo/deny-all",
                    Owners.RULE, "ingress/0")));
    private static final TraceSummary.Context CTX = new TraceSummary.Context(
            Map.of("node1", "switch", "node2", "switch", "node3", "switch", "ovn_cluster_router", "router",
                    "join", "switch", "GR_node1", "gateway router", "ext_node1", "external switch"),
            Map.of("demo_web-1", "node1", "demo_web-2", "node2", "demo_web-3", "node3", "k8s-node1", "node1",
                    "rtoe-GR_node1", "node1", "jtor-GR_node1", "node1"),
            Map.of("demo_web-2", "pod demo/web-2 (10.244.1.4)", "demo_web-3", "pod demo/web-3 (10.244.2.3)"),
            Map.of("10.96.0.11:80", "Service_demo/web_TCP"), ACLS,
            Map.of("default-deny-ingress|demo_web-2", List.of("demo/deny-all")));

    @Test
    void parsesStagesFlowsAndActions() {
        OvnTraceOutput t = OvnTraceOutput.parse(read("trace_deny.txt"));
        assertThat(t.microflow()).startsWith("tcp,reg14=0x3").contains("nw_dst=10.244.1.4");
        assertThat(t.stages()).extracting(OvnTraceOutput.Stage::datapath)
                .containsExactly("node1", "node1", "ovn_cluster_router", "ovn_cluster_router", "node2", "node2");
        OvnTraceOutput.Stage last = t.stages().get(5);
        assertThat(last.ingress()).isFalse();
        assertThat(last.inport()).isEqualTo("stor-node2");
        assertThat(last.outport()).isEqualTo("demo_web-2");
        OvnTraceOutput.Flow drop = last.lastFlow().orElseThrow();
        assertThat(drop.stage()).isEqualTo("ls_out_acl");
        assertThat(drop.priority()).isEqualTo(2000);
        assertThat(drop.uuid()).isEqualTo("644c96d5");
        assertThat(drop.match()).isEqualTo("reg0[9] == 1 && (" + NS_IN + " && ip4)");
        assertThat(drop.drops()).isTrue();
        assertThat(t.stages().get(1).lastFlow().orElseThrow().outputs())
                .containsExactly(new OvnTraceOutput.Output("stor-node1", "patch"));
    }

    @Test
    void aDropNamesTheNamespaceIsolationAndTheTunnel() {
        TraceSummary s = TraceSummary.of(OvnTraceOutput.parse(read("trace_deny.txt")), "demo_web-1", CTX);
        assertThat(s.verdict()).isEqualTo(TraceSummary.Verdict.DROPPED);
        assertThat(s.path()).containsExactly("node1 (switch)", "ovn_cluster_router (router)", "node2 (switch)");
        assertThat(s.blockedBy()).map(TraceSummary.Decision::describe)
                .contains("namespace demo isolation (ingress isolated by a NetworkPolicy, no rule allows it); "
                        + "isolated by NetworkPolicy demo/deny-all");
        assertThat(s.blockedBy()).map(TraceSummary.Decision::isolatedBy).contains(List.of("demo/deny-all"));
        assertThat(s.verdictDetail()).contains("towards pod demo/web-2");
        assertThat(s.tunnels()).containsExactly("node1 -> node2");
        assertThat(s.render("demo/web-1", "demo/web-2:8080/tcp")).contains("verdict:  DROPPED")
                .contains("decided:  by namespace demo isolation");
    }

    @Test
    void aServiceFlowNamesTheLoadBalancerAndTheBackendReached() {
        TraceSummary s = TraceSummary.of(OvnTraceOutput.parse(read("trace_svc.txt")), "demo_web-1", CTX);
        TraceSummary.LoadBalancing lb = s.loadBalancing().orElseThrow();
        assertThat(lb.loadBalancer()).isEqualTo("Service_demo/web_TCP");
        assertThat(lb.vip()).isEqualTo("10.96.0.11:80");
        assertThat(lb.backends()).containsExactly("10.244.0.4:8080", "10.244.1.4:8080", "10.244.2.3:8080");
        assertThat(lb.reached()).contains("pod demo/web-3 (10.244.2.3)");
        assertThat(s.tunnels()).containsExactly("node1 -> node3");
    }

    @Test
    void anAllowNamesTheAclThatAllowed() {
        TraceSummary s = TraceSummary.of(OvnTraceOutput.parse(read("trace_allow.txt")), "k8s-node1", CTX);
        assertThat(s.verdict()).isEqualTo(TraceSummary.Verdict.DELIVERED);
        assertThat(s.decisions()).extracting(TraceSummary.Decision::rule).containsExactly("node-management");
        assertThat(s.blockedBy()).isEmpty();
        assertThat(s.tunnels()).containsExactly("node1 -> node2");
    }

    @Test
    void podToExternalLeavesThroughTheGatewayWithSnat() {
        TraceSummary s = TraceSummary.of(OvnTraceOutput.parse(read("trace_ext.txt")), "demo_web-1", CTX);
        assertThat(s.verdict()).isEqualTo(TraceSummary.Verdict.LEFT_CLUSTER);
        assertThat(s.snat()).contains("172.18.0.11 at GR_node1");
        assertThat(s.path()).containsExactly("node1 (switch)", "ovn_cluster_router (router)", "join (switch)",
                "GR_node1 (gateway router)", "ext_node1 (external switch)");
        assertThat(s.decisions()).isEmpty();
        assertThat(s.tunnels()).isEmpty();
    }

    private static String read(String name) {
        try (InputStream in = OvnTraceOutputTest.class.getResourceAsStream(name)) {
            return new String(Optional.ofNullable(in).orElseThrow().readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
