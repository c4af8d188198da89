package io.kovn.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.kovn.controller.reconcile.PodNetworkCondition;
import io.kovn.ovn.annotations.PodNetwork;
import io.kovn.testing.OvnDaemons;
import io.kovn.testing.OvsdbAbortProxy;
import io.kovn.testing.WithOvn;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A batch whose NB transaction is refused because of one object is split in halves until that object is alone:
 * the others commit in a few transactions instead of one each, and the one NB refuses gets its Event and condition.
 * NB refuses for real: a proxy makes ovsdb-server abort every transaction that mentions the pod "poison".
 */
@WithOvn(northd = false)
class BatchBisectionIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final int PODS = 63;
    private final OvnDaemons ovn;

    BatchBisectionIT(OvnDaemons ovn) {
        this.ovn = ovn;
    }

    @Test
    void oneRefusedPodIsIsolatedInLogarithmicTransactions() throws Exception {
        try (MockKube kube = new MockKube(); OvsdbAbortProxy nb = new OvsdbAbortProxy(ovn.nbTcp(), "poison")) {
            ControllerConfig config = ControllerConfig.defaults(nb.remote()).toBuilder().batchSize(500).build();
            try (KovnController first = new KovnController(config, kube.newClient())) {
                first.start();
                kube.node("n1", "192.168.50.1");
                await().atMost(WAIT).until(() -> ovn.nbctl("--bare", "--columns=name", "list", "logical_switch")
                        .contains("n1"));
            }
            // created while no controller runs: the next one's start queues them all, into one batch
            for (int i = 0; i < PODS; i++) {
                kube.pod("default", "p-" + i, "n1");
            }
            kube.pod("default", "poison", "n1");
            int passedBefore = nb.passed();

            try (KovnController second = new KovnController(config, kube.newClient())) {
                second.start();
                await().atMost(WAIT).until(() -> kube.client.pods().inNamespace("default").list().getItems().stream()
                        .filter(p -> !p.getMetadata().getName().equals("poison"))
                        .allMatch(p -> annotation(p) != null));
                int passed = nb.passed() - passedBefore;
                System.out.printf("bisection figure: %d pods committed in %d transactions, %d refused%n",
                        PODS, passed, nb.aborted());
                // one by one it would take 64; halving 64 keys commits one half per level: 6, plus slack
                assertThat(passed).isBetween(1, 10);
                assertThat(nb.aborted()).isGreaterThanOrEqualTo(2);
                String ports = ovn.nbctl("--bare", "--columns=name", "list", "logical_switch_port");
                assertThat(ports.lines().filter(n -> n.contains("p-"))).hasSize(PODS);
                assertThat(ports).doesNotContain("poison");

                await().atMost(WAIT).untilAsserted(() -> {
                    Pod poison = kube.client.pods().inNamespace("default").withName("poison").get();
                    assertThat(annotation(poison)).isNull();
                    assertThat(poison.getStatus().getConditions()).anySatisfy(c -> {
                        assertThat(c.getType()).isEqualTo(PodNetworkCondition.TYPE);
                        assertThat(c.getStatus()).isEqualTo("False");
                        assertThat(c.getReason()).isEqualTo(PodNetworkCondition.NB_FAILED);
                    });
                    assertThat(kube.client.v1().events().inNamespace("default").list().getItems())
                            .anySatisfy((Event e) -> {
                                assertThat(e.getInvolvedObject().getName()).isEqualTo("poison");
                                assertThat(e.getReason()).isEqualTo("NetworkSetupFailed");
                                assertThat(e.getMessage()).contains("aborted");
                            });
                });
            }
        }
    }

    private static String annotation(Pod p) {
        Map<String, String> a = p.getMetadata().getAnnotations();
        return a == null ? null : a.get(PodNetwork.ANNOTATION);
    }
}
