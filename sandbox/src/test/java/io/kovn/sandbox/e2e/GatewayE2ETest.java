package io.kovn.sandbox.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.kovn.sandbox.Sandbox;
import io.kovn.sandbox.demo.Probe;
import io.kovn.sandbox.proc.JavaCommand;
import io.kovn.sandbox.proc.ManagedProcess;
import io.kovn.sandbox.standins.RuntimePod;
import io.kovn.sandbox.workload.EchoServer;
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
 * (SNAT); the external host reaches a pod through a NodePort on any node's gateway address.
 */
@Tag("integration")
@Tag("e2e")
@ResourceLock("kovn-sandbox")
@ExtendWith(SharedSandbox.class)
class GatewayE2ETest {
    private static final String NS = "e2e-gateway";
    private static final int EXTERNAL_PORT = 8090;
    private static final int NODE_PORT = 30080;
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
}
