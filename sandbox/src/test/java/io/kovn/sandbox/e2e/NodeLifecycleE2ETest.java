package io.kovn.sandbox.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.kovn.sandbox.Sandbox;
import io.kovn.sandbox.demo.Probe;
import io.kovn.sandbox.standins.RuntimePod;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.parallel.ResourceLock;

/** A node joins (its pods reach the others), then leaves (its chassis, switch, pods and namespace go). */
@Tag("integration")
@Tag("e2e")
@ResourceLock("kovn-sandbox")
@ExtendWith(SharedSandbox.class)
class NodeLifecycleE2ETest {
    private static Pods pods;

    @BeforeAll
    static void namespace() {
        pods = new Pods(SharedSandbox.sandbox(), "e2e-nodes");
    }

    @AfterAll
    static void cleanUp() {
        pods.deleteAll();
    }

    @Test
    void aNodeIsAddedAndRemoved() {
        Sandbox s = SharedSandbox.sandbox();
        List<String> before = s.nodeNames();
        String added = s.addNode();
        assertThat(s.chassisNames()).contains(added);
        assertThat(s.nbctl("--bare", "--columns=name", "list", "Logical_Switch").lines()).contains(added);

        pods.echo("far", added, Map.of());
        pods.echo("near", before.get(0), Map.of());
        RuntimePod far = pods.awaitReady("far");
        RuntimePod near = pods.awaitReady("near");
        assertThat(Pods.tcpOk(near, far.ip()).answer()).isEqualTo("e2e-nodes/far");
        assertThat(Pods.tcpOk(far, near.ip()).answer()).isEqualTo("e2e-nodes/near");
        Path nodeNetns = s.nodeNetns(added).path();

        s.removeNode(added);
        assertThat(s.nodeNames()).isEqualTo(before);
        assertThat(s.client().nodes().withName(added).get()).isNull();
        assertThat(s.client().pods().inNamespace("e2e-nodes").withName("far").get()).isNull();
        assertThat(Files.exists(far.netnsPath())).isFalse();
        assertThat(Files.exists(nodeNetns)).isFalse();
        // ovn-controller removes its chassis from the SB as it exits; that write may land just after it is gone
        Pods.await(added + "'s chassis gone from the SB", Duration.ofSeconds(20), () -> !s.chassisNames().contains(added));
        Pods.await("the node's switch and pod port gone from NB", Duration.ofSeconds(30), () ->
                !s.nbctl("--bare", "--columns=name", "list", "Logical_Switch").lines().toList().contains(added)
                        && !pods.nbPorts().contains("e2e-nodes_far"));
        // the rest of the cluster is unaffected
        pods.echo("other", before.get(1), Map.of());
        RuntimePod other = pods.awaitReady("other");
        assertThat(Pods.tcpOk(other, near.ip()).answer()).isEqualTo("e2e-nodes/near");
        Probe.Result ping = Probe.ping(near.netnsPath(), other.ip());
        assertThat(ping.ok()).as("ping near -> other: %s", ping).isTrue();
    }
}
