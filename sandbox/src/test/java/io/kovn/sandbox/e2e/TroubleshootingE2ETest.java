package io.kovn.sandbox.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.kovn.controller.ControllerConfig;
import io.kovn.controller.NbAudit;
import io.kovn.ovn.config.OvsdbRemoteOptions;
import io.kovn.ovn.net.Ipv4Cidr;
import io.kovn.ovn.ops.NbDrift;
import io.kovn.sandbox.Sandbox;
import io.kovn.sandbox.state.SandboxState;
import io.kovn.tools.topology.Topology;
import io.kovn.tools.topology.TopologyCommand;
import io.kovn.tools.trace.KovnTrace;
import io.kovn.tools.trace.TraceReport;
import io.kovn.tools.trace.TraceRequest;
import io.kovn.tools.trace.TraceSummary;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * The troubleshooting tools against the shared sandbox: {@code kovn trace} names the NetworkPolicy isolation that
 * drops a flow and the backend a Service flow reaches, {@code kovn audit} shows an {@code ovn-nbctl} edit and
 * {@code --fix} removes it, {@code kovn topology} lists every node switch; pods carry the kovn.io/NetworkReady
 * condition.
 */
@Tag("integration")
@Tag("e2e")
@ResourceLock("kovn-sandbox")
@ExtendWith(SharedSandbox.class)
class TroubleshootingE2ETest {
    private static final String NS = "e2e-tools";
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
        pods.client().services().inNamespace(NS).resource(new ServiceBuilder().withNewMetadata().withName("web")
                .withNamespace(NS).endMetadata().withNewSpec().addToSelector("app", "web")
                .addNewPort().withName("http").withPort(80).withTargetPort(new IntOrString("http")).endPort()
                .endSpec().build()).create();
        pods.awaitReady("client");
        pods.awaitReady("web");
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
        TraceReport svc = trace(NS + "/client", "svc/" + NS + "/web");
        System.out.print(svc.render(false));
        assertThat(svc.summary().verdict()).isEqualTo(TraceSummary.Verdict.DELIVERED);
        TraceSummary.LoadBalancing lb = svc.summary().loadBalancing().orElseThrow();
        assertThat(lb.loadBalancer()).isEqualTo("Service_" + NS + "/web_TCP");
        assertThat(lb.vip()).isEqualTo(vip + ":80");
        assertThat(lb.reached()).hasValueSatisfying(r -> assertThat(r).startsWith("pod " + NS + "/web "));
        assertThat(svc.render(false)).contains("backend:  pod " + NS + "/web").contains("tunnel:   ");

        pods.client().network().v1().networkPolicies().inNamespace(NS).resource(new NetworkPolicyBuilder()
                .withNewMetadata().withName("web-from-friends").withNamespace(NS).endMetadata().withNewSpec()
                .withNewPodSelector().addToMatchLabels("app", "web").endPodSelector().addNewIngress().addNewFrom()
                .withNewPodSelector().addToMatchLabels("role", "friend").endPodSelector().endFrom().endIngress()
                .endSpec().build()).create();
        long start = System.nanoTime();
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
        assertThat(d.isolatedBy()).containsExactly(NS + "/web-from-friends");
        assertThat(denied[0].render(false)).contains("isolated by NetworkPolicy " + NS + "/web-from-friends");
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
        for (String p : List.of("client", "stranded")) {
            PodCondition c = condition(p).orElseThrow();
            System.out.printf("tools: pod %s: %s=%s reason=%s message=%s%n", p, c.getType(), c.getStatus(), c.getReason(),
                    c.getMessage());
        }
        pods.client().pods().inNamespace(NS).withName("stranded").withGracePeriod(0).delete();
    }

    private static Optional<PodCondition> condition(String pod) {
        Pod p = pods.client().pods().inNamespace(NS).withName(pod).get();
        return p == null || p.getStatus() == null || p.getStatus().getConditions() == null ? Optional.empty()
                : p.getStatus().getConditions().stream().filter(c -> "kovn.io/NetworkReady".equals(c.getType())).findFirst();
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
