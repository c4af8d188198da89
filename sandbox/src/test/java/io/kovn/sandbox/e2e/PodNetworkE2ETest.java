package io.kovn.sandbox.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.kovn.sandbox.Sandbox;
import io.kovn.sandbox.demo.Probe;
import io.kovn.sandbox.standins.RuntimePod;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.parallel.ResourceLock;

/** Pods on one flat network across nodes: ICMP, TCP and UDP, and a pod recreated under the same name. */
@Tag("integration")
@Tag("e2e")
@ResourceLock("kovn-sandbox")
@ExtendWith(SharedSandbox.class)
class PodNetworkE2ETest {
    private static Pods pods;

    @BeforeAll
    static void namespace() {
        pods = new Pods(SharedSandbox.sandbox(), "e2e-pods");
    }

    @AfterAll
    static void cleanUp() {
        pods.deleteAll();
    }

    @Test
    void podsReachEachOtherAcrossNodesAndOnTheSameNode() {
        Sandbox s = SharedSandbox.sandbox();
        String n1 = s.nodeNames().get(0);
        String n2 = s.nodeNames().get(1);
        pods.echo("a", n1, Map.of());
        pods.echo("b", n2, Map.of());
        pods.echo("c", n1, Map.of());
        RuntimePod a = pods.awaitReady("a");
        RuntimePod b = pods.awaitReady("b");
        RuntimePod c = pods.awaitReady("c");

        for (RuntimePod[] pair : new RuntimePod[][] {{a, b}, {b, a}, {a, c}, {c, b}}) {
            RuntimePod from = pair[0];
            RuntimePod to = pair[1];
            Probe.Result ping = Probe.until(() -> Probe.ping(from.netnsPath(), to.ip()), Duration.ofSeconds(10));
            assertThat(ping.ok()).as("ping %s -> %s: %s", from.name(), to.name(), ping).isTrue();
            Probe.Result tcp = Pods.tcpOk(from, to.ip());
            assertThat(tcp.answer()).isEqualTo("e2e-pods/" + to.name());
            Probe.Result udp = Probe.udp(from.netnsPath(), to.ip(), Pods.UDP);
            assertThat(udp.ok()).as("UDP %s -> %s: %s", from.name(), to.name(), udp).isTrue();
            assertThat(udp.answer()).isEqualTo("e2e-pods/" + to.name());
        }
        // the node (host) reaches pods through its management port, here and on another node
        Probe.Result host = Probe.until(() -> Probe.tcp(s.nodeNetns(n2).path(), a.ip(), Pods.TCP), Duration.ofSeconds(10));
        assertThat(host.ok()).as("host %s -> pod a: %s", n2, host).isTrue();
    }

    @Test
    void aPodDeletedAndRecreatedWithTheSameNameGetsAWorkingNetworkAndLeavesNothingBehind() {
        Sandbox s = SharedSandbox.sandbox();
        String n1 = s.nodeNames().get(0);
        String n3 = s.nodeNames().get(2);
        pods.echo("client", n3, Map.of());
        pods.echo("phoenix", n1, Map.of());
        RuntimePod client = pods.awaitReady("client");
        RuntimePod first = pods.awaitReady("phoenix");
        Pods.tcpOk(client, first.ip());

        pods.delete("phoenix");
        assertThat(Files.exists(first.netnsPath())).isFalse();
        Pods.await("the old port gone from NB", Duration.ofSeconds(30),
                () -> !pods.nbPorts().contains("e2e-pods_phoenix"));

        pods.echo("phoenix", n1, Map.of());
        RuntimePod second = pods.awaitReady("phoenix");
        assertThat(second.uid()).isNotEqualTo(first.uid());
        assertThat(second.netnsPath()).isNotEqualTo(first.netnsPath());
        Probe.Result r = Pods.tcpOk(client, second.ip());
        assertThat(r.answer()).isEqualTo("e2e-pods/phoenix");
        assertThat(pods.nbPorts()).containsOnlyOnce("e2e-pods_phoenix");
        // exactly one OVS port of the pod remains on its node: the new one
        String ifaces = s.nodeOvs(n1, "--bare", "--columns=external_ids", "find", "Interface",
                "external_ids:iface-id=e2e-pods_phoenix");
        assertThat(ifaces.lines().filter(l -> !l.isBlank()).count()).isEqualTo(1);
        assertThat(ifaces).contains(second.uid());
    }
}
