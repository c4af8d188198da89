package io.kovn.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Pod;
import io.kovn.ovn.Databases;
import io.kovn.ovn.Owners;
import io.kovn.ovn.annotations.PodNetwork;
import io.kovn.ovn.nb.LoadBalancer;
import io.kovn.ovn.nb.LogicalRouter;
import io.kovn.ovn.nb.LogicalSwitch;
import io.kovn.ovn.nb.LogicalSwitchPort;
import io.kovn.ovn.ops.NbTables;
import io.kovn.ovsdb.client.OvsdbClient;
import io.kovn.ovsdb.replica.DatabaseReplica;
import io.kovn.testing.OvnCluster;
import io.kovn.testing.OvnCluster.Db;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The controller on a 3-member RAFT Northbound cluster whose leader dies in the middle of pod churn, and whose
 * quorum is lost and comes back: no pod lost, no address handed out twice, no NB row written twice.
 */
@Tag("integration")
class ControllerNbFailoverIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String NS = "churn";
    private static OvnCluster cluster;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void startCluster() {
        cluster = OvnCluster.builder().members(3).start();
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @BeforeEach
    void everyMemberUpAndNbEmpty() {
        cluster.restoreAll(Db.NB);
        for (String table : List.of("Logical_Switch", "Logical_Router", "Load_Balancer", "Load_Balancer_Group",
                "Address_Set", "Port_Group")) {
            cluster.nbctl("--all", "destroy", table);
        }
    }

    private KovnController started(MockKube kube) throws Exception {
        KovnController c = new KovnController(ControllerConfig.defaults(cluster.remotes(Db.NB)).withMetricsPort(0),
                kube.newClient());
        c.start();
        return c;
    }

    private static Map<String, String> podIps(MockKube kube) {
        Map<String, String> out = new TreeMap<>();
        for (Pod p : kube.client.pods().inNamespace(NS).list().getItems()) {
            Map<String, String> a = p.getMetadata().getAnnotations();
            String network = a == null ? null : a.get(PodNetwork.ANNOTATION);
            if (network != null) {
                out.put(p.getMetadata().getName(), PodNetwork.parse(network).ip());
            }
        }
        return out;
    }

    private static double counter(KovnController c, String name) {
        var counter = c.metrics().registry().find(name).functionCounter();
        return counter == null ? -1 : counter.count();
    }

    private HttpResponse<String> healthz(KovnController c) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + c.metricsPort() + "/healthz")).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private int health(KovnController c) throws Exception {
        return healthz(c).statusCode();
    }

    /**
     * Every pod annotated once with its own address, and NB holding exactly one row per owner: one port per pod
     * (carrying the annotated address), one switch per node, one of each named router and load balancer.
     */
    private static void assertConsistent(MockKube kube, int pods) throws Exception {
        Map<String, String> ips = podIps(kube);
        assertThat(ips).as("pods annotated").hasSize(pods);
        assertThat(new HashSet<>(ips.values())).as("distinct pod addresses").hasSize(pods);
        try (OvsdbClient observer = new OvsdbClient(cluster.remotes(Db.NB),
                OvsdbClient.Options.defaults().withLeaderOnly(false)).connectSync()) {
            DatabaseReplica nb = observer.replicate(Databases.NORTHBOUND, NbTables.monitorSpec()).get(30, TimeUnit.SECONDS);
            Map<String, Long> portsPerPod = nb.byExternalId(LogicalSwitchPort.TABLE, Owners.OWNER_TYPE, Owners.TYPE_POD)
                    .stream().collect(Collectors.groupingBy(p -> p.externalIds().get(Owners.OWNER), Collectors.counting()));
            assertThat(portsPerPod).as("ports per pod").hasSize(pods);
            assertThat(portsPerPod.values()).as("ports per pod").containsOnly(1L);
            for (LogicalSwitchPort p : nb.byExternalId(LogicalSwitchPort.TABLE, Owners.OWNER_TYPE, Owners.TYPE_POD)) {
                String pod = p.externalIds().get(Owners.POD);
                assertThat(String.join(" ", p.addresses())).as("port of %s", pod).endsWith(" " + ips.get(pod));
            }
            assertThat(countBy(nb.list(LogicalSwitch.TABLE), LogicalSwitch::name).values()).as("switches per name")
                    .containsOnly(1L);
            assertThat(countBy(nb.list(LogicalRouter.TABLE), LogicalRouter::name).values()).as("routers per name")
                    .containsOnly(1L);
            assertThat(countBy(nb.list(LoadBalancer.TABLE), LoadBalancer::name).values()).as("load balancers per name")
                    .allMatch(n -> n == 1L);
        }
    }

    private static int survivor(int a, int b) {
        return 6 - a - b;
    }

    private static <T> Map<String, Long> countBy(List<T> rows, Function<T, String> name) {
        return rows.stream().collect(Collectors.groupingBy(name, Collectors.counting()));
    }

    @Test
    void theNbLeaderKilledWhile100PodsAreCreatedLosesAndDuplicatesNothing() throws Exception {
        int pods = 100;
        try (MockKube kube = new MockKube()) {
            kube.node("node-a", "192.168.50.11");
            kube.node("node-b", "192.168.50.12");
            try (KovnController c = started(kube)) {
                await().atMost(WAIT).until(c::idle);
                AtomicInteger created = new AtomicInteger();
                CompletableFuture<Void> creating = CompletableFuture.runAsync(() -> {
                    for (int i = 0; i < pods; i++) {
                        kube.pod(NS, "p-" + i, i % 2 == 0 ? "node-a" : "node-b");
                        created.incrementAndGet();
                    }
                });
                await().atMost(WAIT).until(() -> created.get() >= 30 && !podIps(kube).isEmpty());
                int createdBeforeKill = created.get();
                long commitsBefore = c.metrics().nbTransactions();
                long killedAt = System.nanoTime();
                cluster.kill(Db.NB, cluster.leader(Db.NB));
                await().atMost(WAIT).pollInterval(Duration.ofMillis(10))
                        .until(() -> counter(c, "kovn_nb_reconnects") >= 1 && c.metrics().nbTransactions() > commitsBefore);
                long nextCommitMs = (System.nanoTime() - killedAt) / 1_000_000;
                creating.get(60, TimeUnit.SECONDS);
                await().atMost(WAIT).pollInterval(Duration.ofMillis(20)).until(() -> podIps(kube).size() == pods);
                long lastAnnotatedMs = (System.nanoTime() - killedAt) / 1_000_000;
                System.out.printf("NB leader SIGKILLed during the creation of %d pods (%d created before the kill): "
                        + "next NB commit %d ms after the kill, last pod annotated %d ms after it; resyncs resumed %.0f,"
                        + " full %.0f%n", pods, createdBeforeKill, nextCommitMs, lastAnnotatedMs,
                        c.metrics().registry().find("kovn_nb_resyncs").tag("kind", "resumed").functionCounter().count(),
                        c.metrics().registry().find("kovn_nb_resyncs").tag("kind", "full").functionCounter().count());
                await().atMost(WAIT).until(c::idle);
                assertConsistent(kube, pods);
                assertThat(counter(c, "kovn_nb_leader_changes")).isEqualTo(1);
                assertThat(c.metrics().scrape()).contains("kovn_nb_reconnects_total", "kovn_nb_leader_changes_total",
                        "kovn_nb_resyncs_total{kind=\"resumed\"}", "kovn_nb_resyncs_total{kind=\"full\"}");
            }
        }
    }

    @Test
    void withoutQuorumNothingIsWrittenHealthSaysSoAndItConvergesAfterwards() throws Exception {
        try (MockKube kube = new MockKube()) {
            kube.node("node-a", "192.168.50.11");
            kube.node("node-b", "192.168.50.12");
            for (int i = 0; i < 10; i++) {
                kube.pod(NS, "p-" + i, i % 2 == 0 ? "node-a" : "node-b");
            }
            try (KovnController c = started(kube)) {
                await().atMost(WAIT).until(() -> podIps(kube).size() == 10 && c.idle());
                assertThat(health(c)).isEqualTo(200);

                int leader = cluster.leader(Db.NB);
                int follower = cluster.followers(Db.NB).get(0);
                long stoppedAt = System.nanoTime();
                cluster.stop(Db.NB, leader);
                cluster.stop(Db.NB, follower);
                await().atMost(WAIT).pollInterval(Duration.ofMillis(20)).until(() -> health(c) == 503);
                System.out.printf("quorum lost: /healthz 503 %d ms after 2 of 3 NB members stopped%n",
                        (System.nanoTime() - stoppedAt) / 1_000_000);
                // the surviving member is named, with why it cannot be used
                await().atMost(WAIT).untilAsserted(() -> assertThat(healthz(c).body())
                        .contains("NB: not connected", cluster.remote(Db.NB, survivor(leader, follower)),
                                "is not connected to its cluster"));
                for (int i = 10; i < 20; i++) {
                    kube.pod(NS, "p-" + i, i % 2 == 0 ? "node-a" : "node-b");
                }
                Thread.sleep(3000);
                assertThat(podIps(kube)).as("pods annotated without an NB to write to").hasSize(10);

                long restartedAt = System.nanoTime();
                cluster.start(Db.NB, leader);
                cluster.start(Db.NB, follower);
                await().atMost(WAIT).pollInterval(Duration.ofMillis(20)).until(() -> podIps(kube).size() == 20);
                System.out.printf("quorum back: every pod annotated %d ms after the members were started again%n",
                        (System.nanoTime() - restartedAt) / 1_000_000);
                await().atMost(WAIT).until(() -> health(c) == 200 && c.idle());
                assertConsistent(kube, 20);
            }
        }
    }
}
