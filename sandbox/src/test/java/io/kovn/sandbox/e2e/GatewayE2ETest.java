package io.kovn.sandbox.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.kovn.ovn.config.OvsdbRemoteOptions;
import io.kovn.sandbox.Sandbox;
import io.kovn.sandbox.demo.Probe;
import io.kovn.sandbox.proc.JavaCommand;
import io.kovn.sandbox.proc.ManagedProcess;
import io.kovn.sandbox.standins.RuntimePod;
import io.kovn.sandbox.state.SandboxState;
import io.kovn.sandbox.workload.EchoServer;
import io.kovn.tools.trace.KovnTrace;
import io.kovn.tools.trace.TraceReport;
import io.kovn.tools.trace.TraceRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * North-south traffic through the nodes' gateways (each node a dedicated gateway on its eth1, on the gateway
 * network with the external host): a pod reaches the external host, which sees the pod's node's gateway address
 * (SNAT); the external host reaches a pod through a NodePort on any node's gateway address, and through an
 * externalTrafficPolicy Local NodePort only on its backend's node, keeping its own address.
 */
@Tag("integration")
@Tag("e2e")
@ResourceLock("kovn-sandbox")
@ExtendWith(SharedSandbox.class)
class GatewayE2ETest {
    private static final String NS = "e2e-gateway";
    private static final int EXTERNAL_PORT = 8090;
    private static final int NODE_PORT = 30080;
    private static final int LOCAL_NODE_PORT = 30081;
    private static Pods pods;
    private static ManagedProcess externalEcho;

    @BeforeAll
    static void start() {
        Sandbox s = SharedSandbox.sandbox();
        pods = new Pods(s, NS);
        Path log = s.stateDir().resolve("logs").resolve("e2e-external-echo.log");
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", s.external().name()));
        cmd.addAll(JavaCommand.of("16m", List.of(), JavaCommand.codeSourceOf(EchoServer.class), EchoServer.class,
                List.of("external", "tcp:" + EXTERNAL_PORT)));
        externalEcho = ManagedProcess.start("e2e-external-echo", cmd, Map.of(), log);
        externalEcho.await("listening", Duration.ofSeconds(20), () -> {
            try {
                return Files.readString(log).contains("listening");
            } catch (IOException e) {
                return false;
            }
        });
    }

    @AfterAll
    static void cleanUp() {
        if (externalEcho != null) {
            externalEcho.stop(Duration.ofSeconds(2));
        }
        if (pods != null) {
            pods.deleteAll();
        }
    }

    @Test
    void aPodReachesTheOutsideAsItsNodesGateway() {
        Sandbox s = SharedSandbox.sandbox();
        List<String> nodes = s.nodeNames();
        pods.echo("out-1", nodes.get(0), Map.of());
        pods.echo("out-2", nodes.get(1), Map.of());
        for (int i = 0; i < 2; i++) {
            RuntimePod pod = pods.awaitReady("out-" + (i + 1));
            Probe.Result r = Probe.until(() -> Probe.tcp(pod.netnsPath(), s.externalGatewayIp(), EXTERNAL_PORT, "peer"),
                    Duration.ofSeconds(20));
            assertThat(r.ok()).as("TCP %s -> external %s:%d: %s", pod.name(), s.externalGatewayIp(), EXTERNAL_PORT, r)
                    .isTrue();
            assertThat(r.answer()).as("the source address the external host sees from %s", pod.name())
                    .isEqualTo(s.nodeGatewayIp(nodes.get(i)));
            Probe.Result ping = Probe.ping(pod.netnsPath(), s.externalGatewayIp());
            assertThat(ping.ok()).as("ping %s -> external: %s", pod.name(), ping).isTrue();
        }
    }

    @Test
    void theOutsideReachesAPodThroughANodePortOnEveryNode() {
        Sandbox s = SharedSandbox.sandbox();
        List<String> nodes = s.nodeNames();
        pods.echo("web", nodes.get(1), Map.of("app", "web"));
        pods.client().services().inNamespace(NS).resource(new ServiceBuilder().withNewMetadata().withName("web")
                .withNamespace(NS).endMetadata().withNewSpec().withType("NodePort").addToSelector("app", "web")
                .addNewPort().withName("http").withProtocol("TCP").withPort(80).withTargetPort(new IntOrString("http"))
                .withNodePort(NODE_PORT).endPort().endSpec().build()).create();
        pods.awaitReady("web");
        Path external = s.external().path();
        for (String node : nodes) {
            String ip = s.nodeGatewayIp(node);
            Probe.Result r = Probe.until(() -> Probe.tcp(external, ip, NODE_PORT), Duration.ofSeconds(30));
            assertThat(r.ok()).as("TCP external -> NodePort %s:%d (%s): %s", ip, NODE_PORT, node, r).isTrue();
            assertThat(r.answer()).as("the backend that answered").isEqualTo(NS + "/web");
        }
    }

    /**
     * externalTrafficPolicy Local: the NodePort on the backend's node answers and its backend sees the external
     * host's own address (no SNAT); on a node without a local endpoint it does not answer. kovn trace to the
     * NodePort names the template load balancer and the backends of that node's chassis.
     */
    @Test
    void aLocalNodePortKeepsTheClientAddressAndAnswersOnlyWhereItsBackendRuns() {
        Sandbox s = SharedSandbox.sandbox();
        List<String> nodes = s.nodeNames();
        pods.echo("local", nodes.get(1), Map.of("app", "local"));
        pods.client().services().inNamespace(NS).resource(new ServiceBuilder().withNewMetadata().withName("local")
                .withNamespace(NS).endMetadata().withNewSpec().withType("NodePort").withExternalTrafficPolicy("Local")
                .addToSelector("app", "local").addNewPort().withName("http").withProtocol("TCP").withPort(80)
                .withTargetPort(new IntOrString("http")).withNodePort(LOCAL_NODE_PORT).endPort().endSpec().build()).create();
        RuntimePod backend = pods.awaitReady("local");
        Path external = s.external().path();
        String there = s.nodeGatewayIp(nodes.get(1));
        Probe.Result r = Probe.until(() -> Probe.tcp(external, there, LOCAL_NODE_PORT, "peer"), Duration.ofSeconds(30));
        assertThat(r.ok()).as("TCP external -> Local NodePort %s:%d: %s", there, LOCAL_NODE_PORT, r).isTrue();
        assertThat(r.answer()).as("the client address the backend sees").isEqualTo(s.externalGatewayIp());
        Probe.Result elsewhere = Probe.tcp(external, s.nodeGatewayIp(nodes.get(0)), LOCAL_NODE_PORT, "peer");
        assertThat(elsewhere.ok()).as("Local NodePort on %s, which runs no backend: %s", nodes.get(0), elsewhere).isFalse();

        pods.echo("tracer", nodes.get(0), Map.of());
        pods.awaitReady("tracer");
        TraceReport trace = trace(NS + "/tracer", there + ":" + LOCAL_NODE_PORT);
        assertThat(trace.nodePort()).as(trace.render(false)).hasValueSatisfying(n -> assertThat(n)
                .contains("Service_" + NS + "/local_TCP_NodePort").contains(there + ":" + LOCAL_NODE_PORT)
                .contains(backend.ip() + ":"));
        System.out.print(trace.render(false));
    }

    private static TraceReport trace(String src, String dst) {
        SandboxState state = SharedSandbox.sandbox().state();
        try (var kube = SharedSandbox.sandbox().newClient()) {
            return KovnTrace.trace(TraceRequest.parse(src, dst), new OvsdbRemoteOptions.Connection(state.central().nbUnix(), null),
                    new OvsdbRemoteOptions.Connection(state.central().sbUnix(), null), kube);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
