package io.kovn.ovsdb.client;

import static io.kovn.ovsdb.Nb.DB;
import static io.kovn.ovsdb.Nb.LS;
import static io.kovn.ovsdb.Nb.LS_NAME;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.kovn.ovsdb.replica.DatabaseReplica;
import io.kovn.ovsdb.wire.Operation;
import io.kovn.testing.OvnCluster;
import io.kovn.testing.OvnCluster.Db;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The client against a 3-member RAFT Northbound cluster whose members are killed and stopped under it. */
@Tag("integration")
class OvsdbClientClusterIT {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static OvnCluster cluster;
    private final List<OvsdbClient> clients = new ArrayList<>();

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
    void everyMemberUpAndEmpty() {
        cluster.restoreAll(Db.NB);
        cluster.nbctl("--all", "destroy", "Logical_Switch");
    }

    @AfterEach
    void closeClients() {
        clients.forEach(OvsdbClient::close);
    }

    private OvsdbClient client(String remotes, OvsdbClient.Options options) {
        OvsdbClient c = new OvsdbClient(remotes, options.withBackoff(Duration.ofMillis(50), Duration.ofMillis(500)));
        clients.add(c);
        return c;
    }

    private static String[] followersFirst() {
        int leader = cluster.leader(Db.NB);
        List<String> order = new ArrayList<>();
        cluster.followers(Db.NB).forEach(f -> order.add(cluster.remote(Db.NB, f)));
        order.add(cluster.remote(Db.NB, leader));
        return order.toArray(String[]::new);
    }

    private static int rowsNamed(String name) {
        String out = cluster.nbctl("--bare", "--columns=_uuid", "find", "Logical_Switch", "name=" + name);
        return (int) out.lines().filter(l -> !l.isBlank()).count();
    }

    @Test
    void withLeaderOnlyItUsesTheLeaderAndWithoutItTheFirstMember() throws Exception {
        String[] order = followersFirst();
        OvsdbClient writer = client(String.join(",", order), OvsdbClient.Options.defaults()).connectSync();
        OvsdbClient reader = client(String.join(",", order), OvsdbClient.Options.defaults().withLeaderOnly(false))
                .connectSync();

        assertThat(writer.connectedRemote()).hasToString(order[2]);
        assertThat(writer.stats().serversSkipped()).as("followers skipped").isEqualTo(2);
        assertThat(reader.connectedRemote()).hasToString(order[0]);
        assertThat(reader.stats().serversSkipped()).isZero();
    }

    @Test
    void followsTheLeaderAfterItIsKilledAndResumesTheReplicaWithoutAFullResync() throws Exception {
        int leader = cluster.leader(Db.NB);
        OvsdbClient c = client(cluster.remotes(Db.NB), OvsdbClient.Options.defaults()).connectSync();
        DatabaseReplica replica = c.replicate(DB, MonitorSpec.create().tables(LS)).get(10, TimeUnit.SECONDS);
        for (int i = 0; i < 20; i++) {
            c.transact(DB, Operation.insert(LS).set(LS_NAME, "before-" + i)).get(10, TimeUnit.SECONDS);
        }
        assertThat(c.connectedRemote()).hasToString(cluster.remote(Db.NB, leader));

        long killedAt = System.nanoTime();
        cluster.kill(Db.NB, leader);
        // committed through the new leader while the client is away
        int newLeader = cluster.awaitLeader(Db.NB);
        cluster.nbctl("ls-add", "while-away");
        c.transact(DB, Operation.insert(LS).set(LS_NAME, "after")).get(20, TimeUnit.SECONDS);
        long commitMs = (System.nanoTime() - killedAt) / 1_000_000;
        System.out.printf("NB leader SIGKILLed: next commit through the client %d ms after the kill%n", commitMs);

        assertThat(c.connectedRemote()).hasToString(cluster.remote(Db.NB, newLeader));
        await().atMost(WAIT).until(() -> replica.size("Logical_Switch") == 22);
        assertThat(replica.lookupOne(LS, LS_NAME, "while-away")).isPresent();
        assertThat(c.stats().leaderChanges()).isEqualTo(1);
        assertThat(c.stats().reconnects()).isEqualTo(1);
        assertThat(c.stats().resumedResyncs()).as("resumed from the last transaction id").isEqualTo(1);
        assertThat(c.stats().fullResyncs()).isZero();
    }

    @Test
    void aLeaderThatWasPausedAndOutvotedIsLeftWhenItsServerSaysItLostTheLead() throws Exception {
        int leader = cluster.leader(Db.NB);
        // a probe slower than the pause: only _Server can tell the client that the leader changed
        OvsdbClient c = client(cluster.remotes(Db.NB), OvsdbClient.Options.defaults()
                .withInactivityProbe(Duration.ofSeconds(60))).connectSync();
        DatabaseReplica replica = c.replicate(DB, MonitorSpec.create().tables(LS)).get(10, TimeUnit.SECONDS);
        assertThat(c.connectedRemote()).hasToString(cluster.remote(Db.NB, leader));

        cluster.pause(Db.NB, leader);
        int newLeader;
        try {
            newLeader = cluster.awaitLeader(Db.NB);
            // through the new leader only: ovn-nbctl would try the paused member first and hang there
            client(cluster.remote(Db.NB, newLeader), OvsdbClient.Options.defaults()).connectSync()
                    .transact(DB, Operation.insert(LS).set(LS_NAME, "elected-meanwhile")).get(10, TimeUnit.SECONDS);
        } finally {
            cluster.resume(Db.NB, leader);
        }
        long resumedAt = System.nanoTime();
        await().atMost(WAIT).until(() -> c.isConnected() && c.connectedRemote().toString()
                .equals(cluster.remote(Db.NB, newLeader)));
        System.out.printf("paused leader outvoted: the client moved %d ms after it resumed%n",
                (System.nanoTime() - resumedAt) / 1_000_000);
        assertThat(c.stats().leaderChanges()).isEqualTo(1);
        assertThat(c.stats().serversSkipped()).as("the old leader, once it said it was a follower").isGreaterThanOrEqualTo(1);
        await().atMost(WAIT).until(() -> replica.lookupOne(LS, LS_NAME, "elected-meanwhile").isPresent());
    }

    @Test
    void aListOfFollowersOnlyIsNotUsedUntilOneOfThemLeads() throws Exception {
        int leader = cluster.leader(Db.NB);
        List<Integer> followers = cluster.followers(Db.NB);
        OvsdbClient c = client(cluster.remotes(Db.NB, followers.get(0), followers.get(1)),
                OvsdbClient.Options.defaults().withCallTimeout(Duration.ofSeconds(2)));
        assertThatThrownBy(c::connectSync).isInstanceOf(OvsdbConnectionException.class)
                .hasMessageContaining("not the cluster leader");
        assertThat(c.problem()).contains(cluster.remote(Db.NB, followers.get(0)))
                .contains(cluster.remote(Db.NB, followers.get(1))).contains("follower");

        cluster.kill(Db.NB, leader);
        int newLeader = cluster.awaitLeader(Db.NB);
        await().atMost(WAIT).until(c::isConnected);
        assertThat(c.connectedRemote()).hasToString(cluster.remote(Db.NB, newLeader));
    }

    @Test
    void writesDuringALeaderKillAreNeitherLostNorDuplicated() throws Exception {
        OvsdbClient c = client(cluster.remotes(Db.NB), OvsdbClient.Options.defaults()).connectSync();
        DatabaseReplica replica = c.replicate(DB, MonitorSpec.create().tables(LS)).get(10, TimeUnit.SECONDS);
        int n = 200;
        Map<String, String> outcome = new HashMap<>();
        List<CompletableFuture<?>> inFlight = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String name = "w-" + i;
            names.add(name);
            inFlight.add(c.transact(DB, guardedInsert(name)));
            if (i == n / 2) { // with transactions still in flight
                cluster.kill(Db.NB, cluster.leader(Db.NB));
            }
        }
        for (int i = 0; i < n; i++) {
            try {
                inFlight.get(i).get(30, TimeUnit.SECONDS);
                outcome.put(names.get(i), "committed");
            } catch (ExecutionException e) {
                outcome.put(names.get(i), e.getCause().getClass().getSimpleName());
            }
        }
        System.out.printf("writes around a leader kill: %s%n", outcome.values().stream()
                .collect(Collectors.groupingBy(x -> x, TreeMap::new, Collectors.counting())));
        // no transaction the client was given is sent twice: each name is there at most once, and exactly once if
        // the client said it committed
        Map<String, Long> rowsByName = rowsByName();
        for (String name : names) {
            long rows = rowsByName.getOrDefault(name, 0L);
            if ("committed".equals(outcome.get(name))) {
                assertThat(rows).as("rows named %s, committed", name).isEqualTo(1);
            } else {
                assertThat(rows).as("rows named %s (%s)", name, outcome.get(name)).isLessThanOrEqualTo(1);
            }
        }
        // the caller's retry of what it does not know about, guarded by a wait on the name, never duplicates
        for (String name : names) {
            if (!"committed".equals(outcome.get(name))) {
                try {
                    c.transact(DB, guardedInsert(name)).get(30, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    assertThat(e.getCause()).as("%s was already there", name).isInstanceOf(TransactionException.class);
                }
            }
        }
        await().atMost(WAIT).until(() -> replica.size("Logical_Switch") == n);
        Map<String, Long> after = rowsByName();
        assertThat(after.keySet()).containsExactlyInAnyOrderElementsOf(names);
        assertThat(after.values()).as("rows per name").containsOnly(1L);
        assertThat(c.stats().leaderChanges()).isEqualTo(1);
    }

    /** What the cluster holds, read by a client of its own. */
    private Map<String, Long> rowsByName() throws Exception {
        try (OvsdbClient observer = new OvsdbClient(cluster.remotes(Db.NB)).connectSync()) {
            DatabaseReplica r = observer.replicate(DB, MonitorSpec.create().tables(LS)).get(10, TimeUnit.SECONDS);
            return r.list(LS).stream().collect(Collectors.groupingBy(row -> (String) row.get("name"),
                    Collectors.counting()));
        }
    }

    /** An insert that aborts if a row of that name exists (Logical_Switch names have no unique index). */
    private static List<Operation> guardedInsert(String name) {
        return List.of(Operation.waitUntil(LS).timeout(0).where(LS_NAME.eq(name)).equalTo(List.of("name"), List.of()),
                Operation.insert(LS).set(LS_NAME, name));
    }

    @Test
    void withoutQuorumWritesFailFastNamingWhyAndNothingIsHalfWritten() throws Exception {
        OvsdbClient c = client(cluster.remotes(Db.NB), OvsdbClient.Options.defaults()
                .withUnavailableAfter(Duration.ofSeconds(2))).connectSync();
        DatabaseReplica replica = c.replicate(DB, MonitorSpec.create().tables(LS)).get(10, TimeUnit.SECONDS);
        int leader = cluster.leader(Db.NB);
        List<Integer> followers = cluster.followers(Db.NB);
        int survivor = followers.get(0);
        cluster.stop(Db.NB, leader);
        cluster.stop(Db.NB, followers.get(1));

        await().atMost(WAIT).until(() -> c.problem() != null && c.problem().contains("not connected to its cluster"));
        assertThat(c.problem()).contains(cluster.remote(Db.NB, survivor));
        Thread.sleep(2500);
        long start = System.nanoTime();
        CompletableFuture<TransactResult> write = c.transact(DB, Operation.insert(LS).set(LS_NAME, "no-quorum"));
        assertThatThrownBy(() -> write.get(1, TimeUnit.SECONDS)).hasCauseInstanceOf(OvsdbUnavailableException.class)
                .hasMessageContaining("not connected to its cluster");
        System.out.printf("quorum lost: a write failed after %d ms%n", (System.nanoTime() - start) / 1_000_000);

        cluster.start(Db.NB, leader);
        cluster.start(Db.NB, followers.get(1));
        cluster.awaitLeader(Db.NB);
        await().atMost(WAIT).until(c::isConnected);
        assertThat(rowsNamed("no-quorum")).isZero();
        c.transact(DB, Operation.insert(LS).set(LS_NAME, "recovered")).get(20, TimeUnit.SECONDS);
        await().atMost(WAIT).until(() -> replica.lookupOne(LS, LS_NAME, "recovered").isPresent());
        assertThat(c.problem()).isNull();
    }
}
