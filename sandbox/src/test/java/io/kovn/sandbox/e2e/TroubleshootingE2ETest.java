package io.kovn.sandbox.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.kovn.controller.ControllerConfig;
import io.kovn.controller.NbAudit;
import io.kovn.controller.reconcile.NetworkPolicyReconciler;
import io.kovn.node.status.NodeCniCondition;
import io.kovn.node.status.PodInstalledCondition;
import io.kovn.ovn.config.OvsdbRemoteOptions;
import io.kovn.ovn.net.Ipv4Cidr;
import io.kovn.ovn.ops.NbDrift;
import io.kovn.sandbox.Sandbox;
import io.kovn.sandbox.state.SandboxState;
import io.kovn.tools.ToolOptions;
import io.kovn.tools.topology.Topology;
import io.kovn.tools.topology.TopologyCommand;
import io.kovn.tools.trace.KovnTrace;
import io.kovn.tools.trace.NodeTrace;
import io.kovn.tools.trace.OfprotoTraceRunner;
import io.kovn.tools.trace.TraceReport;
import io.kovn.tools.trace.TraceRequest;
import io.kovn.tools.trace.TraceSummary;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * The troubleshooting tools against the shared sandbox: {@code kovn trace} names the NetworkPolicy isolation that
 * drops a flow and the backend a Service flow reaches, {@code kovn audit} shows an {@code ovn-nbctl} edit and
 * {@code --fix} removes it, {@code kovn topology} lists every node switch (JSON, dot, SVG); {@code trace --node}
 * names the datapath's verdict; pods carry the kovn.io/NetworkReady and kovn.io/OvnInstalled conditions, Nodes
 * kovn.io/CNIReady, and a NetworkPolicy's Event counts its ACLs.
 */
@Tag("integration")
@Tag("e2e")
@ResourceLock("kovn-sandbox")
@ExtendWith(SharedSandbox.class)
class TroubleshootingE2ETest {
    private static final String NS = "e2e-tools";
    private static final String POLICY = "web-from-friends";
    private static final String TYPE = "kovn.io/NetworkReady";
    private static Pods pods;
    private static SandboxState state;
    private static String vip;

    @BeforeAll
    static void podsServiceAndPolicy() {
        Sandbox s = SharedSandbox.sandbox();
        pods = new Pods(s, NS);
        state = s.state();
        List<String> nodes = s.nodeNames();
        pods.echo("client", nodes.get(0), Map.of());
        pods.echo("web", nodes.get(1), Map.of("app", "web"));
        pods.echo("near", nodes.get(1), Map.of());
        pods.client().services().inNamespace(NS).resource(new ServiceBuilder().withNewMetadata().withName("web")
                .withNamespace(NS).endMetadata().withNewSpec().addToSelector("app", "web")
                .addNewPort().withName("http").withPort(80).withTargetPort(new IntOrString("http")).endPort()
                .endSpec().build()).create();
        pods.awaitReady("client");
        pods.awaitReady("web");
        pods.awaitReady("near");
        Pods.await("web's cluster IP and load balancer", Duration.ofSeconds(30), () -> {
            var svc = pods.client().services().inNamespace(NS).withName("web").get();
            vip = svc == null ? null : svc.getSpec().getClusterIP();
            return vip != null && s.nbctl("--bare", "--columns=vips", "list", "Load_Balancer").contains(vip + ":80");
        });
    }

    @AfterAll
    static void cleanUp() {
        pods.client().network().v1().networkPolicies().inNamespace(NS).delete();
        pods.deleteAll();
    }

    @Test
    void traceNamesTheBackendOfAServiceAndThePolicyThatBlocks() throws Exception {
        // web is reachable before its policy (which the other cases create when they come first)
        pods.client().network().v1().networkPolicies().inNamespace(NS).withName(POLICY).delete();
        TraceReport[] reached = new TraceReport[1];
        Pods.await("trace client -> svc web delivered", Duration.ofSeconds(20), () -> {
            reached[0] = trace(NS + "/client", "svc/" + NS + "/web");
            return reached[0].summary().verdict() == TraceSummary.Verdict.DELIVERED;
        });
        TraceReport svc = reached[0];
        System.out.print(svc.render(false));
        TraceSummary.LoadBalancing lb = svc.summary().loadBalancing().orElseThrow();
        assertThat(lb.loadBalancer()).isEqualTo("Service_" + NS + "/web_TCP");
        assertThat(lb.vip()).isEqualTo(vip + ":80");
        assertThat(lb.reached()).hasValueSatisfying(r -> assertThat(r).startsWith("pod " + NS + "/web "));
        assertThat(svc.render(false)).contains("backend:  pod " + NS + "/web").contains("tunnel:   ");

        long start = System.nanoTime();
        assertThat(policy()).isTrue();
        TraceReport[] denied = new TraceReport[1];
        Pods.await("trace client -> web dropped", Duration.ofSeconds(20), () -> {
            denied[0] = trace(NS + "/client", NS + "/web:" + Pods.TCP);
            return denied[0].summary().verdict() == TraceSummary.Verdict.DROPPED;
        });
        System.out.print(denied[0].render(false));
        System.out.printf("tools: trace shows the new policy's drop %.1f s after it was created%n",
                (System.nanoTime() - start) / 1e9);
        TraceSummary.Decision d = denied[0].summary().blockedBy().orElseThrow();
        assertThat(d.ownerType()).isEqualTo("Namespace");
        assertThat(d.owner()).isEqualTo(NS);
        assertThat(d.rule()).isEqualTo("default-deny-ingress");
        assertThat(d.isolatedBy()).containsExactly(NS + "/" + POLICY);
        assertThat(denied[0].render(false)).contains("isolated by NetworkPolicy " + NS + "/" + POLICY);
    }

    /** web-from-friends: web accepts ingress only from role=friend. Creates it unless there; true if it did. */
    private static synchronized boolean policy() {
        if (pods.client().network().v1().networkPolicies().inNamespace(NS).withName(POLICY).get() != null) {
            return false;
        }
        pods.client().network().v1().networkPolicies().inNamespace(NS).resource(new NetworkPolicyBuilder()
                .withNewMetadata().withName(POLICY).withNamespace(NS).endMetadata().withNewSpec()
                .withNewPodSelector().addToMatchLabels("app", "web").endPodSelector().addNewIngress().addNewFrom()
                .withNewPodSelector().addToMatchLabels("role", "friend").endPodSelector().endFrom().endIngress()
                .endSpec().build()).create();
        return true;
    }

    /**
     * {@code --node}: near and web share a node, so web's isolation drops near's packet in that node's br-int, at
     * the OpenFlow rule of the logical flow ovn-trace names; client's packet to web leaves its node by the tunnel to
     * web's node, where the rest of the path runs.
     */
    @Test
    void traceNodeNamesTheDatapathVerdict() throws Exception {
        policy();
        List<String> nodes = SharedSandbox.sandbox().nodeNames();
        TraceReport[] local = new TraceReport[1];
        Pods.await("trace --node near -> web dropped in the node's br-int", Duration.ofSeconds(30), () -> {
            local[0] = traceOnNode(NS + "/near", NS + "/web:" + Pods.TCP, nodes.get(1));
            return local[0].node().orElseThrow().verdict() == NodeTrace.Verdict.DROPPED;
        });
        System.out.print(local[0].render(false));
        assertThat(local[0].summary().verdict()).isEqualTo(TraceSummary.Verdict.DROPPED);
        assertThat(local[0].passes()).isFalse();
        NodeTrace n = local[0].node().orElseThrow();
        assertThat(n.node()).isEqualTo(nodes.get(1));
        assertThat(n.datapathActions()).isEqualTo("drop");
        Matcher lflow = Pattern.compile("logical flow ([0-9a-f]{8})").matcher(local[0].summary().verdictDetail());
        assertThat(lflow.find()).as("ovn-trace names the dropping logical flow").isTrue();
        assertThat(n.detail()).singleElement().asString().startsWith("dropped by OpenFlow table ")
                .endsWith("(logical flow " + lflow.group(1) + ")");
        assertThat(local[0].render(false)).contains("node:     DROPPED: dropped by OpenFlow table ");
        String json = ToolOptions.JSON.writeValueAsString(local[0]);
        assertThat(ToolOptions.JSON.readTree(json).path("node").path("verdict").asString()).isEqualTo("DROPPED");

        TraceReport across = traceOnNode(NS + "/client", NS + "/web:" + Pods.TCP, nodes.get(0));
        System.out.print(across.render(false));
        NodeTrace a = across.node().orElseThrow();
        assertThat(a.verdict()).isEqualTo(NodeTrace.Verdict.TUNNELLED);
        assertThat(a.detail()).singleElement().asString().startsWith("tunnel to " + nodes.get(1) + " (");
    }

    @Test
    void auditShowsAnNbctlEditAndFixRemovesIt() throws Exception {
        Sandbox s = SharedSandbox.sandbox();
        String lb = "Service_" + NS + "/web_TCP";
        assertThat(audit(false).rows()).as("NB in line before the edit").isEmpty();
        NbAudit.Result found = null;
        // the controller's own periodic audit repairs drift as well: should it run between the edit and this
        // audit (a few seconds of its 5 minutes), edit again
        for (int i = 0; i < 3 && (found == null || found.rows().isEmpty()); i++) {
            s.nbctl("set", "Load_Balancer", lb, "vips:\"" + vip + ":80\"=\"192.0.2.1:8080\"");
            found = audit(false);
        }
        found.rows().forEach(r -> System.out.println("tools: audit: " + r.describe()));
        assertThat(found.rows()).anySatisfy(r -> {
            assertThat(r.kind()).isEqualTo(NbDrift.Kind.CHANGED);
            assertThat(r.table()).isEqualTo("Load_Balancer");
            assertThat(r.label()).isEqualTo(lb);
            assertThat(r.owner()).isEqualTo("Service " + NS + "/web");
            assertThat(r.describe()).contains("192.0.2.1:8080");
        });
        assertThat(s.nbctl("--bare", "--columns=vips", "find", "Load_Balancer", "name=\"" + lb + "\""))
                .as("a dry run writes nothing").contains("192.0.2.1:8080");
        NbAudit.Result fixed = audit(true);
        assertThat(fixed.fixed()).isTrue();
        assertThat(audit(false).rows()).as("NB in line after --fix").isEmpty();
        assertThat(s.nbctl("--bare", "--columns=vips", "find", "Load_Balancer", "name=\"" + lb + "\""))
                .doesNotContain("192.0.2.1");
    }

    /**
     * Realization status: a networked pod says its port is committed; a pod bound to a node kovn has no subnet for
     * says that is the step it waits for.
     */
    @Test
    void podConditionsSayWhatIsDoneOrAwaited() {
        Pods.await("client's NetworkReady condition True", Duration.ofSeconds(20), () ->
                condition("client").map(c -> c.getStatus().equals("True") && c.getReason().equals("PortCommitted")
                        && c.getMessage().contains(NS + "_client")).orElse(false));
        pods.pause("stranded", "no-such-node");
        Pods.await("stranded's NetworkReady condition False, waiting for the node's subnet", Duration.ofSeconds(20), () ->
                condition("stranded").map(c -> c.getStatus().equals("False") && c.getReason().equals("NodeHasNoSubnet")
                        && c.getMessage().contains("no-such-node")).orElse(false));
        assertThat(condition("client")).as("the kubelet stand-in kept kovn's condition").isPresent();
        String node = SharedSandbox.sandbox().nodeNames().get(0);
        Pods.await("client's OvnInstalled condition True, from its node's agent", Duration.ofSeconds(30), () ->
                condition("client", PodInstalledCondition.TYPE).map(c -> c.getStatus().equals("True")
                        && c.getReason().equals(PodInstalledCondition.REASON) && c.getMessage().contains("(node " + node + ")")
                        && c.getMessage().contains("logical port " + NS + "_client ovn-installed")).orElse(false));
        assertThat(condition("stranded", PodInstalledCondition.TYPE)).as("no node set up stranded").isEmpty();
        for (String p : List.of("client", "stranded")) {
            for (String type : List.of(TYPE, PodInstalledCondition.TYPE)) {
                condition(p, type).ifPresent(c -> System.out.printf("tools: pod %s: %s=%s reason=%s message=%s%n", p,
                        c.getType(), c.getStatus(), c.getReason(), c.getMessage()));
            }
        }
        pods.client().pods().inNamespace(NS).withName("stranded").withGracePeriod(0).delete();
    }

    private static Optional<PodCondition> condition(String pod) {
        return condition(pod, TYPE);
    }

    private static Optional<PodCondition> condition(String pod, String type) {
        Pod p = pods.client().pods().inNamespace(NS).withName(pod).get();
        return p == null || p.getStatus() == null || p.getStatus().getConditions() == null ? Optional.empty()
                : p.getStatus().getConditions().stream().filter(c -> type.equals(c.getType())).findFirst();
    }

    /** Every node agent reports its CNI STATUS as the Node's condition. */
    @Test
    void nodesCarryTheirAgentsCniStatus() {
        for (String node : SharedSandbox.sandbox().nodeNames()) {
            NodeCondition[] c = new NodeCondition[1];
            Pods.await(node + "'s CNIReady condition True", Duration.ofSeconds(30), () -> {
                var n = pods.client().nodes().withName(node).get();
                c[0] = n == null || n.getStatus() == null || n.getStatus().getConditions() == null ? null
                        : n.getStatus().getConditions().stream().filter(x -> NodeCniCondition.TYPE.equals(x.getType()))
                        .findFirst().orElse(null);
                return c[0] != null && c[0].getStatus().equals("True") && c[0].getReason().equals(NodeCniCondition.OK);
            });
            System.out.printf("tools: node %s: %s=%s reason=%s message=%s%n", node, c[0].getType(), c[0].getStatus(),
                    c[0].getReason(), c[0].getMessage());
        }
    }

    /** The policy's Event says what it became in NB: the ACL count is the number of its ACLs NB holds. */
    @Test
    void networkPolicyEventCountsItsAcls() {
        policy();
        Sandbox s = SharedSandbox.sandbox();
        Pattern written = Pattern.compile("written to NB: port group kovn_np_[0-9a-f]+ with (\\d+) pods, (\\d+) ACLs, "
                + "(\\d+) address sets");
        Event[] event = new Event[1];
        Pods.await("the NetworkPolicyWrittenToNB Event of " + POLICY, Duration.ofSeconds(30), () -> {
            event[0] = pods.client().v1().events().inNamespace(NS).list().getItems().stream()
                    .filter(e -> "NetworkPolicy".equals(e.getInvolvedObject().getKind())
                            && POLICY.equals(e.getInvolvedObject().getName())
                            && NetworkPolicyReconciler.REALIZED.equals(e.getReason())).reduce((x, y) -> y).orElse(null);
            return event[0] != null;
        });
        System.out.printf("tools: NetworkPolicy %s/%s: Event %s %s at %s: %s%n", NS, POLICY, event[0].getType(),
                event[0].getReason(), event[0].getLastTimestamp(), event[0].getMessage());
        Matcher m = written.matcher(event[0].getMessage());
        assertThat(m.matches()).as(event[0].getMessage()).isTrue();
        String acls = s.nbctl("--bare", "--columns=_uuid", "find", "ACL",
                "external_ids:\"kovn.io/owner\"=\"" + NS + "/" + POLICY + "\"");
        assertThat(Integer.parseInt(m.group(2))).isPositive()
                .isEqualTo((int) acls.lines().filter(l -> !l.isBlank()).count());
        assertThat(Integer.parseInt(m.group(1))).as("web is the one pod selected").isEqualTo(1);
    }

    @Test
    void topologyListsEveryNodeSwitch() throws Exception {
        Sandbox s = SharedSandbox.sandbox();
        Topology t = TopologyCommand.read(new OvsdbRemoteOptions.Connection(state.central().nbUnix(), null));
        assertThat(t.switches().stream().filter(x -> x.kind().equals("node switch")).map(Topology.Switch::name))
                .containsExactlyInAnyOrderElementsOf(s.nodeNames());
        assertThat(t.switches()).filteredOn(x -> x.name().equals(s.nodeNames().get(1)))
                .allSatisfy(x -> assertThat(x.pods()).isPositive());
        assertThat(t.routers()).extracting(Topology.Router::kind).contains("cluster router", "gateway router");
        assertThat(t.externalNetworks()).containsExactly("physnet");
        assertThat(t.dot()).contains("\"ovn_cluster_router\" -- \"" + s.nodeNames().get(0) + "\"");
        String svg = TopologyCommand.svg(t.dot());
        assertThat(svg).startsWith("<?xml").contains("<title>ovn_cluster_router</title>");
        s.nodeNames().forEach(n -> assertThat(svg).contains("<title>" + n + "</title>"));
    }

    private static TraceReport traceOnNode(String src, String dst, String node) {
        String rundir = state.nodes().stream().filter(n -> n.name().equals(node)).findFirst().orElseThrow().ovsDir();
        try (var kube = SharedSandbox.sandbox().newClient()) {
            return KovnTrace.trace(TraceRequest.parse(src, dst),
                    new OvsdbRemoteOptions.Connection(state.central().nbUnix(), null),
                    new OvsdbRemoteOptions.Connection(state.central().sbUnix(), null), kube,
                    Optional.of(new OfprotoTraceRunner(Path.of(rundir), Duration.ofSeconds(30))));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static TraceReport trace(String src, String dst) {
        try (var kube = SharedSandbox.sandbox().newClient()) {
            return KovnTrace.trace(TraceRequest.parse(src, dst),
                    new OvsdbRemoteOptions.Connection(state.central().nbUnix(), null),
                    new OvsdbRemoteOptions.Connection(state.central().sbUnix(), null), kube);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static NbAudit.Result audit(boolean fix) throws Exception {
        ControllerConfig config = ControllerConfig.builder(state.central().nbUnix())
                .clusterSubnet(Ipv4Cidr.parse(state.clusterSubnet())).serviceCidr(Ipv4Cidr.parse(state.serviceCidr()))
                .leaderElection(false).metricsPort(-1).build();
        try (var kube = SharedSandbox.sandbox().newClient()) {
            return NbAudit.run(config, kube, fix);
        }
    }
}
