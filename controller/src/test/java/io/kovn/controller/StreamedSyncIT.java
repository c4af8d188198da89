package io.kovn.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Pod;
import io.kovn.controller.reconcile.PodNetworkCondition;
import io.kovn.ovn.annotations.PodNetwork;
import io.kovn.testing.OvnDaemons;
import io.kovn.testing.OvsdbAbortProxy;
import io.kovn.testing.WithOvn;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A new leader's full sync is streamed: its keys are reconciled into one streaming transaction sent in parts of a
 * batch's size, each part reconciled while NB commits the one before, naming the rows earlier parts inserted by the
 * uuids the controller chose. Against a real NB: the parts give the rows batches would (an audit finds no drift, no
 * row twice, load balancers past the table-wide name guard's threshold in one part), every pod is annotated, and a
 * part NB refuses sends the rest of the sync through the queue, where the refused pod is isolated.
 */
@WithOvn(northd = false)
class StreamedSyncIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final int PODS = 100;
    private static final int SERVICES = 80;
    private static final int BATCH = 40;
    private final OvnDaemons ovn;

    StreamedSyncIT(OvnDaemons ovn) {
        this.ovn = ovn;
    }

    @Test
    void aFullSyncInPartsWritesWhatBatchesWouldAndAnnotatesEveryPod() throws Exception {
        try (MockKube kube = new MockKube(); OvsdbAbortProxy nb = new OvsdbAbortProxy(ovn.nbTcp(), "no-such-marker")) {
            kube.node("n1", "192.168.50.1");
            kube.node("n2", "192.168.50.2");
            for (int i = 0; i < PODS; i++) {
                kube.pod("ns-" + (i % 3), "p-" + i, i % 2 == 0 ? "n1" : "n2");
            }
            for (int i = 0; i < SERVICES; i++) {
                kube.service("ns-" + (i % 3), "s-" + i, "10.96.1." + (i + 1), 80, 8080);
            }
            ControllerConfig config = ControllerConfig.defaults(nb.remote()).toBuilder().batchSize(BATCH).build();
            try (KovnController c = new KovnController(config, kube.newClient())) {
                c.start();
                await().atMost(WAIT).until(() -> annotated(kube) == PODS);
                int passed = nb.passed();
                // the cluster's router and join switch, then 2 nodes + 100 pods + 80 services + 3 namespaces in
                // parts of 40: 5 transactions (and a few at most for the namespaces' events queued meanwhile)
                System.out.printf("streamed full sync figure: %d objects' rows in %d transactions%n",
                        2 + PODS + SERVICES + 3, passed);
                assertThat(passed).isBetween(6, 9);
                assertThat(nb.aborted()).isZero();
                assertThat(c.metrics().nbTransactionErrors.count()).as("transactions NB refused").isZero();
                await().atMost(WAIT).until(() -> lines("logical_switch_port", "name").stream()
                        .filter(n -> n.contains("p-")).count() == PODS);
                List<String> lbs = lines("load_balancer", "name");
                assertThat(lbs.stream().filter(n -> n.startsWith("Service_"))).hasSize(SERVICES).doesNotHaveDuplicates();
                assertThat(lines("logical_switch", "name")).doesNotHaveDuplicates();

                long audits = c.metrics().nbAudits();
                assertThat(c.requestAudit()).isTrue();
                await().atMost(WAIT).until(() -> c.metrics().nbAudits() > audits);
                assertThat(c.driftRows()).isZero();
            }
            int before = nb.passed();
            try (KovnController again = new KovnController(
                    ControllerConfig.defaults(nb.remote()).toBuilder().batchSize(BATCH).build(), kube.newClient())) {
                again.start();
                await().atMost(WAIT).until(again::idle);
                assertThat(nb.passed() - before).as("a restart with nothing to change writes nothing").isZero();
            }
        }
    }

    @Test
    void staleLoadBalancersDeletedByEarlierPartsAreLeftOutOfTheTableGuardOfALaterOne() throws Exception {
        try (MockKube kube = new MockKube(); OvsdbAbortProxy nb = new OvsdbAbortProxy(ovn.nbTcp(), "no-such-marker")) {
            kube.node("n1", "192.168.50.1");
            for (int i = 0; i < SERVICES; i++) {
                kube.service("default", "a-" + i, "10.96.1." + (i + 1), 80, 8080);
            }
            ControllerConfig config = ControllerConfig.defaults(nb.remote()).toBuilder().batchSize(BATCH).build();
            try (KovnController c = new KovnController(config, kube.newClient())) {
                c.start();
                await().atMost(WAIT).until(() -> lines("load_balancer", "name").stream()
                        .filter(n -> n.startsWith("Service_default/a-")).count() == SERVICES);
            }
            // while no controller runs: half the services go, as many new ones come; the next full sync deletes the
            // stale load balancers in its first parts (keys in name order: a-* before z-*), then inserts the new ones
            // in one part, behind a wait on the table's names that leaves out the rows the stream deleted although
            // the replica may still show them
            for (int i = 0; i < SERVICES / 2; i++) {
                kube.client.services().inNamespace("default").withName("a-" + i).delete();
                kube.service("default", "z-" + i, "10.96.2." + (i + 1), 80, 8080);
            }
            try (KovnController c = new KovnController(config, kube.newClient())) {
                c.start();
                await().atMost(WAIT).until(c::idle);
                assertThat(c.metrics().nbTransactionErrors.count())
                        .as("no part refused: the name guard counted the stream's own rows").isZero();
                List<String> lbs = lines("load_balancer", "name").stream().filter(n -> n.startsWith("Service_")).toList();
                assertThat(lbs).doesNotHaveDuplicates().hasSize(SERVICES)
                        .noneMatch(n -> n.matches("Service_default/a-([0-9]|[1-3][0-9])_TCP"));
                assertThat(lbs.stream().filter(n -> n.startsWith("Service_default/z-"))).hasSize(SERVICES / 2);
                long audits = c.metrics().nbAudits();
                assertThat(c.requestAudit()).isTrue();
                await().atMost(WAIT).until(() -> c.metrics().nbAudits() > audits);
                assertThat(c.driftRows()).isZero();
            }
        }
    }

    @Test
    void aPartNbRefusesSendsTheRestThroughTheQueue() throws Exception {
        try (MockKube kube = new MockKube(); OvsdbAbortProxy nb = new OvsdbAbortProxy(ovn.nbTcp(), "poison")) {
            kube.node("n1", "192.168.50.1");
            // sorted by name, "poison" comes after "p-99": in the third part, after two parts that commit
            for (int i = 0; i < PODS; i++) {
                kube.pod("default", "p-" + i, "n1");
            }
            kube.pod("default", "poison", "n1");
            for (int i = 0; i < 10; i++) {
                kube.service("default", "s-" + i, "10.96.1." + (i + 1), 80, 8080);
            }
            ControllerConfig config = ControllerConfig.defaults(nb.remote()).toBuilder().batchSize(BATCH).build();
            try (KovnController c = new KovnController(config, kube.newClient())) {
                c.start();
                await().atMost(WAIT).until(() -> annotated(kube) == PODS);
                assertThat(nb.aborted()).isGreaterThanOrEqualTo(2); // the stream's part, then the queue's batch
                await().atMost(WAIT).untilAsserted(() -> {
                    List<String> ports = lines("logical_switch_port", "name");
                    assertThat(ports.stream().filter(n -> n.contains("p-"))).hasSize(PODS).doesNotHaveDuplicates();
                    assertThat(ports).noneMatch(n -> n.contains("poison"));
                    assertThat(lines("load_balancer", "name").stream().filter(n -> n.startsWith("Service_")))
                            .hasSize(10).doesNotHaveDuplicates();
                    Pod poison = kube.client.pods().inNamespace("default").withName("poison").get();
                    assertThat(annotation(poison)).isNull();
                    assertThat(poison.getStatus().getConditions()).anySatisfy(cond -> {
                        assertThat(cond.getType()).isEqualTo(PodNetworkCondition.TYPE);
                        assertThat(cond.getStatus()).isEqualTo("False");
                        assertThat(cond.getReason()).isEqualTo(PodNetworkCondition.NB_FAILED);
                    });
                });
            }
        }
    }

    private List<String> lines(String table, String column) {
        return ovn.nbctl("--bare", "--columns=" + column, "list", table).lines().filter(l -> !l.isBlank()).toList();
    }

    private static long annotated(MockKube kube) {
        return kube.client.pods().inAnyNamespace().list().getItems().stream()
                .filter(p -> !p.getMetadata().getName().equals("poison"))
                .filter(p -> annotation(p) != null).count();
    }

    private static String annotation(Pod p) {
        Map<String, String> a = p.getMetadata().getAnnotations();
        return a == null ? null : a.get(PodNetwork.ANNOTATION);
    }
}
