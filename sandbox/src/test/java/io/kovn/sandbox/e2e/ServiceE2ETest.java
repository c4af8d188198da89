package io.kovn.sandbox.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.kovn.sandbox.Sandbox;
import io.kovn.sandbox.demo.Probe;
import io.kovn.sandbox.standins.EndpointSliceMirror;
import io.kovn.sandbox.standins.RuntimePod;
import io.kovn.testing.Exec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * A ClusterIP service while its endpoints change: scaled up and down, and a backend whose process dies
 * (the pod goes NotReady, leaves the load balancer, and comes back once restarted).
 */
@Tag("integration")
@Tag("e2e")
@ResourceLock("kovn-sandbox")
@ExtendWith(SharedSandbox.class)
class ServiceE2ETest {
    private static final String NS = "e2e-svc";
    private static final Map<String, String> APP = Map.of("app", "backend");
    private static Pods pods;

    @BeforeAll
    static void namespace() {
        pods = new Pods(SharedSandbox.sandbox(), NS);
    }

    @AfterAll
    static void cleanUp() {
        pods.deleteAll();
    }

    @Test
    void clusterIpFollowsItsEndpoints() {
        Sandbox s = SharedSandbox.sandbox();
        List<String> nodes = s.nodeNames();
        pods.echo("client", nodes.get(2), Map.of());
        pods.echo("b1", nodes.get(0), APP);
        pods.echo("b2", nodes.get(1), APP);
        pods.client().services().inNamespace(NS).resource(new ServiceBuilder().withNewMetadata().withName("backend")
                .withNamespace(NS).endMetadata().withNewSpec().addToSelector(APP)
                .addNewPort().withName("http").withPort(80).withTargetPort(new IntOrString("http")).endPort()
                .addNewPort().withName("dns").withProtocol("UDP").withPort(53).withTargetPort(new IntOrString(Pods.UDP))
                .endPort().endSpec().build()).create();
        RuntimePod client = pods.awaitReady("client");
        pods.awaitReady("b1");
        pods.awaitReady("b2");
        String vip = awaitClusterIp();

        awaitBackends(client, vip, Set.of("b1", "b2"));
        Probe.Result udp = Probe.until(() -> Probe.udp(client.netnsPath(), vip, 53), Duration.ofSeconds(10));
        assertThat(udp.ok()).as("UDP to the service: %s", udp).isTrue();

        // scale up
        pods.echo("b3", nodes.get(2), APP);
        pods.echo("b4", nodes.get(0), APP);
        pods.awaitReady("b3");
        pods.awaitReady("b4");
        awaitBackends(client, vip, Set.of("b1", "b2", "b3", "b4"));

        // scale down
        for (String b : List.of("b2", "b3", "b4")) {
            pods.delete(b);
        }
        awaitBackends(client, vip, Set.of("b1"));

        // a backend dies: its pod turns NotReady and leaves the service until its container is restarted
        pods.echo("b5", nodes.get(1), APP);
        RuntimePod b5 = pods.awaitReady("b5");
        awaitBackends(client, vip, Set.of("b1", "b5"));
        killWorkload(b5);
        Pods.await("b5 NotReady in its EndpointSlice", Duration.ofSeconds(20), () -> readyEndpoints() == 1);
        awaitBackends(client, vip, Set.of("b1"));
        Pods.await("b5 restarted and ready", Duration.ofSeconds(60), () -> readyEndpoints() == 2);
        awaitBackends(client, vip, Set.of("b1", "b5"));
        Pod after = pods.client().pods().inNamespace(NS).withName("b5").get();
        assertThat(after.getStatus().getContainerStatuses().get(0).getRestartCount()).isEqualTo(1);

        // no endpoints at all: the load balancer rejects (a reset, not a time-out)
        pods.delete("b1");
        pods.delete("b5");
        Pods.await("no endpoints", Duration.ofSeconds(20), () -> readyEndpoints() == 0);
        Pods.await("connections to a service without endpoints rejected at once", Duration.ofSeconds(15), () -> {
            long start = System.nanoTime();
            Probe.Result r = Probe.tcp(client.netnsPath(), vip, 80);
            return !r.ok() && r.error().contains("cannot connect") && System.nanoTime() - start < 1_000_000_000L;
        });
    }

    /**
     * The node's host (through its management port) reaches a service whose only backend runs on that same node:
     * the backend's replies must come back through OVN, which undoes the load balancer's DNAT.
     */
    @Test
    void aNodeReachesAServiceWhoseOnlyBackendRunsOnThatNode() {
        Sandbox s = SharedSandbox.sandbox();
        String node = s.nodeNames().get(0);
        Map<String, String> app = Map.of("app", "local");
        pods.echo("local1", node, app);
        pods.client().services().inNamespace(NS).resource(new ServiceBuilder().withNewMetadata().withName("local")
                .withNamespace(NS).endMetadata().withNewSpec().addToSelector(app)
                .addNewPort().withName("http").withPort(80).withTargetPort(new IntOrString("http")).endPort()
                .addNewPort().withName("dns").withProtocol("UDP").withPort(53).withTargetPort(new IntOrString(Pods.UDP))
                .endPort().endSpec().build()).create();
        pods.awaitReady("local1");
        String vip = awaitClusterIp("local");
        java.nio.file.Path host = s.nodeNetns(node).path();
        Probe.Result first = Probe.until(() -> Probe.tcp(host, vip, 80), Duration.ofSeconds(20));
        assertThat(first.ok()).as("%s (host) -> service %s: %s", node, vip, first).isTrue();
        for (int i = 0; i < 10; i++) {
            Probe.Result r = Probe.tcp(host, vip, 80);
            assertThat(r.ok()).as("%s (host) -> service %s, try %d: %s", node, vip, i, r).isTrue();
            assertThat(r.answer()).isEqualTo(NS + "/local1");
        }
        Probe.Result udp = Probe.until(() -> Probe.udp(host, vip, 53), Duration.ofSeconds(10));
        assertThat(udp.ok()).as("UDP from %s (host) to the service: %s", node, udp).isTrue();
        pods.client().services().inNamespace(NS).withName("local").delete();
        pods.delete("local1");
    }

    private static String awaitClusterIp() {
        return awaitClusterIp("backend");
    }

    private static String awaitClusterIp(String service) {
        Pods.await("a cluster IP", Duration.ofSeconds(20), () -> pods.client().services().inNamespace(NS)
                .withName(service).get().getSpec().getClusterIP() != null);
        return pods.client().services().inNamespace(NS).withName(service).get().getSpec().getClusterIP();
    }

    private static long readyEndpoints() {
        return pods.client().discovery().v1().endpointSlices().inNamespace(NS)
                .withLabel(EndpointSliceMirror.SERVICE_NAME, "backend").list().getItems().stream()
                .map(EndpointSlice::getEndpoints).filter(java.util.Objects::nonNull).flatMap(List::stream)
                .filter(e -> Boolean.TRUE.equals(e.getConditions().getReady())).count();
    }

    /**
     * Waits until requests to the service are answered by exactly {@code expected}: every request answered, and
     * within a window of requests every expected backend seen and no other.
     */
    private static void awaitBackends(RuntimePod client, String vip, Set<String> expected) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        List<String> last = new ArrayList<>();
        while (System.nanoTime() < deadline) {
            Set<String> seen = new TreeSet<>();
            last.clear();
            boolean allAnswered = true;
            for (int i = 0; i < 8 * expected.size(); i++) {
                Probe.Result r = Probe.tcp(client.netnsPath(), vip, 80);
                last.add(r.toString());
                if (!r.ok()) {
                    allAnswered = false;
                    break;
                }
                seen.add(r.answer().substring(NS.length() + 1));
            }
            if (allAnswered && seen.equals(expected)) {
                return;
            }
        }
        throw new AssertionError("service " + vip + " not answered by exactly " + expected + "; last round: " + last);
    }

    /** SIGKILL to the pod's echo server (the only process in its network namespace). */
    private static void killWorkload(RuntimePod pod) {
        String pids = Exec.run(Duration.ofSeconds(10), "ip", "netns", "pids",
                pod.netnsPath().getFileName().toString()).check().out();
        assertThat(pids).isNotBlank();
        pids.lines().forEach(p -> ProcessHandle.of(Long.parseLong(p.trim())).ifPresent(ProcessHandle::destroyForcibly));
    }
}
