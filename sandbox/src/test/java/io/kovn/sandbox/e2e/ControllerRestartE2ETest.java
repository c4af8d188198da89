package io.kovn.sandbox.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.kovn.sandbox.Sandbox;
import io.kovn.sandbox.demo.Probe;
import io.kovn.sandbox.proc.ManagedProcess;
import io.kovn.sandbox.standins.RuntimePod;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * The controller is killed while 100 pods are being created and started again: every pod ends up with its own
 * address, NB holds exactly one port per pod with that address and nothing stale, and traffic flows between pods
 * made before and after the restart.
 */
@Tag("integration")
@Tag("e2e")
@ResourceLock("kovn-sandbox")
@ExtendWith(SharedSandbox.class)
class ControllerRestartE2ETest {
    private static final String NS = "e2e-restart";
    private static final int PODS = 100;
    private static Pods pods;

    @BeforeAll
    static void namespace() {
        pods = new Pods(SharedSandbox.sandbox(), NS);
    }

    @AfterAll
    static void cleanUp() {
        pods.deleteAll();
        Pods.await("the namespace's ports gone from NB", Duration.ofSeconds(60), () -> pods.nbPorts().isEmpty());
    }

    @Test
    void controllerKilledInTheMiddleOfCreating100Pods() throws Exception {
        Sandbox s = SharedSandbox.sandbox();
        for (int i = 0; i < PODS; i++) {
            if (i == 40) {
                ManagedProcess controller = s.controller();
                controller.process().toHandle().destroyForcibly();
                controller.process().waitFor();
            }
            pods.pause("p-" + i, null);
        }
        Thread.sleep(2000); // a while without a controller: CNI ADDs wait for their annotation
        s.stopController();
        s.startController();

        Map<String, RuntimePod> running = new HashMap<>();
        for (int i = 0; i < PODS; i++) {
            running.put("p-" + i, pods.awaitReady("p-" + i));
        }
        List<Pod> all = pods.client().pods().inNamespace(NS).list().getItems();
        Set<String> ips = all.stream().map(p -> p.getStatus().getPodIP()).collect(Collectors.toSet());
        assertThat(ips).as("one address per pod").hasSize(PODS);
        Set<String> spread = all.stream().map(p -> p.getSpec().getNodeName()).collect(Collectors.toSet());
        assertThat(spread).containsExactlyInAnyOrderElementsOf(s.nodeNames());

        Set<String> expected = IntStream.range(0, PODS).mapToObj(i -> NS + "_p-" + i).collect(Collectors.toSet());
        Pods.await("exactly the namespace's pods in NB", Duration.ofSeconds(30),
                () -> new HashSet<>(pods.nbPorts()).equals(expected));
        Map<String, String> nbAddresses = new HashMap<>();
        for (String line : s.nbctl("--format=csv", "--no-headings", "--columns=name,addresses", "list",
                "Logical_Switch_Port").lines().toList()) {
            String[] f = line.split(",", 2);
            if (f[0].startsWith(NS + "_")) {
                nbAddresses.put(f[0], f[1]);
            }
        }
        for (Pod p : all) {
            assertThat(nbAddresses.get(NS + "_" + p.getMetadata().getName()))
                    .as("NB addresses of %s", p.getMetadata().getName()).contains(p.getStatus().getPodIP());
        }

        // traffic between pods created before the kill, during the outage and after the restart
        for (String[] pair : new String[][] {{"p-0", "p-99"}, {"p-99", "p-1"}, {"p-41", "p-2"}, {"p-50", "p-70"}}) {
            RuntimePod from = running.get(pair[0]);
            RuntimePod to = running.get(pair[1]);
            Probe.Result r = Probe.until(() -> Probe.ping(from.netnsPath(), to.ip()), Duration.ofSeconds(10));
            assertThat(r.ok()).as("ping %s -> %s: %s", pair[0], pair[1], r).isTrue();
        }
    }
}
