package io.kovn.ovsdb.client;

import static io.kovn.ovsdb.Nb.DB;
import static io.kovn.ovsdb.Nb.LS;
import static io.kovn.ovsdb.Nb.LSP;
import static io.kovn.ovsdb.Nb.LSP_ADDRESSES;
import static io.kovn.ovsdb.Nb.LSP_EXTERNAL_IDS;
import static io.kovn.ovsdb.Nb.LSP_NAME;
import static io.kovn.ovsdb.Nb.LS_EXTERNAL_IDS;
import static io.kovn.ovsdb.Nb.LS_NAME;
import static io.kovn.ovsdb.Nb.LS_PORTS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.kovn.ovsdb.model.Row;
import io.kovn.ovsdb.replica.DatabaseReplica;
import io.kovn.ovsdb.replica.RowListener;
import io.kovn.ovsdb.wire.Condition;
import io.kovn.ovsdb.wire.Operation;
import io.kovn.ovsdb.wire.Uuid;
import io.kovn.testing.OvnDaemons;
import io.kovn.testing.WithOvn;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@WithOvn(nb = true)
class OvsdbClientIT {
    private final OvnDaemons ovn;
    private OvsdbClient client;
    private final List<OvsdbClient> extra = new ArrayList<>();

    OvsdbClientIT(OvnDaemons ovn) {
        this.ovn = ovn;
    }

    @BeforeEach
    void connect() {
        ovn.nbctl("--all", "destroy", "Logical_Switch");
        client = new OvsdbClient(ovn.nbUnix()).connectSync();
    }

    @AfterEach
    void close() {
        client.close();
        extra.forEach(OvsdbClient::close);
    }

    private static <T> T get(CompletableFuture<T> f) throws Exception {
        return f.get(10, TimeUnit.SECONDS);
    }

    private static Throwable failure(CompletableFuture<?> f) {
        try {
            f.get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (Exception e) {
            return e;
        }
        throw new AssertionError("expected the call to fail");
    }

    private Operation.Insert port(String name, String ip) {
        return Operation.insert(LSP).named(name).set(LSP_NAME, name)
                .set(LSP_ADDRESSES, Set.of("0a:58:0a:f4:01:05 " + ip)).set(LSP_EXTERNAL_IDS, Map.of("pod", name));
    }

    @Test
    void listsDatabasesAndReadsSchemas() throws Exception {
        assertThat(get(client.listDbs())).contains(DB);
        assertThat(get(client.getSchema(DB)).tables()).containsKeys("Logical_Switch", "ACL", "Load_Balancer");
        get(client.echo());
    }

    @Test
    void everyOperationInOneTransactionIsSeenByNbctl() throws Exception {
        Operation.Insert p1 = port("p1", "10.244.1.5");
        Operation.Insert p2 = port("p2", "10.244.1.6");
        TransactResult r = get(client.transact(DB,
                Operation.comment("kovn test"),
                p1, p2,
                Operation.insert(LS).set(LS_NAME, "sw0").set(LS_PORTS, Set.of(p1.ref(), p2.ref()))
                        .set(LS_EXTERNAL_IDS, Map.of("owner", "test"))));
        assertThat(r.uuid(1)).isNotEqualTo(r.uuid(2));
        assertThat(ovn.nbctl("lsp-list", "sw0")).contains("(p1)", "(p2)");
        assertThat(ovn.nbctl("lsp-get-addresses", "p1")).isEqualTo("0a:58:0a:f4:01:05 10.244.1.5");

        TransactResult sel = get(client.transact(DB, Operation.select(LSP).where(LSP_NAME.eq("p2"))
                .columns(LSP_NAME, LSP_ADDRESSES, LSP_EXTERNAL_IDS)));
        Row row = sel.rows(0).get(0);
        assertThat(row.get(LSP_EXTERNAL_IDS)).isEqualTo(Map.of("pod", "p2"));
        assertThat(row.get(LSP_ADDRESSES)).containsExactly("0a:58:0a:f4:01:05 10.244.1.6");

        TransactResult up = get(client.transact(DB,
                Operation.update(LSP).where(LSP_NAME.eq("p2")).set(LSP_ADDRESSES, Set.of("dynamic")),
                Operation.mutate(LS).where(LS_NAME.eq("sw0"))
                        .with(LS_EXTERNAL_IDS.insert(Map.of("k", "v")), LS_EXTERNAL_IDS.deleteKeys(Set.of("owner")))));
        assertThat(up.count(0)).isEqualTo(1);
        assertThat(up.count(1)).isEqualTo(1);
        assertThat(ovn.nbctl("lsp-get-addresses", "p2")).isEqualTo("dynamic");
        assertThat(ovn.nbctl("get", "logical_switch", "sw0", "external_ids")).isEqualTo("{k=v}");

        Uuid p1Uuid = r.uuid(1);
        TransactResult del = get(client.transact(DB,
                Operation.mutate(LS).where(LS_NAME.eq("sw0")).with(LS_PORTS.delete(Set.of(p1Uuid))),
                Operation.delete(LS).where(LS_NAME.eq("nonexistent"))));
        assertThat(del.count(1)).isZero();
        assertThat(ovn.nbctl("lsp-list", "sw0")).doesNotContain("(p1)").contains("(p2)");
        // p1 is no longer referenced by any root row: OVSDB garbage-collects it
        assertThat(ovn.nbctl("--bare", "--columns=name", "find", "logical_switch_port", "name=p1")).isEmpty();
    }

    @Test
    void waitSucceedsWhenTrueAndTimesOutAsATypedError() throws Exception {
        ovn.nbctl("ls-add", "sw0");
        get(client.transact(DB, Operation.waitUntil(LS).timeout(0).where(LS_NAME.eq("sw0"))
                .equalTo(List.of("name"), List.of(Map.of("name", "sw0")))));
        Throwable t = failure(client.transact(DB, Operation.waitUntil(LS).timeout(0).where(LS_NAME.eq("sw0"))
                .equalTo(List.of("name"), List.of())));
        assertThat(t).isInstanceOf(TransactionException.class);
        assertThat(((TransactionException) t).error()).isEqualTo("timed out");
        assertThat(((TransactionException) t).operationIndex()).isZero();
    }

    @Test
    void serverErrorsSurfaceAsTypedExceptionsAndApplyNothing() throws Exception {
        Throwable abort = failure(client.transact(DB, Operation.insert(LS).set(LS_NAME, "sw0"), Operation.abort()));
        assertThat(abort).isInstanceOf(TransactionException.class);
        assertThat(((TransactionException) abort).error()).isEqualTo("aborted");
        assertThat(ovn.nbctl("ls-list")).doesNotContain("sw0");

        Throwable ref = failure(client.transact(DB, Operation.insert(LS).set(LS_NAME, "sw0")
                .set(LS_PORTS, Set.of(Uuid.of("6e4b0b3c-8a07-4f0e-9a36-5c6c1ab0b2c1")))));
        assertThat(ref).isInstanceOf(TransactionException.class);
        assertThat(((TransactionException) ref).error()).isEqualTo("referential integrity violation");
        assertThat(((TransactionException) ref).details()).contains("6e4b0b3c-8a07-4f0e-9a36-5c6c1ab0b2c1");

        Operation.Insert a = port("dup", "10.244.1.7");
        Operation.Insert b = port("dup", "10.244.1.8").named("dup2");
        Throwable dup = failure(client.transact(DB, a, b,
                Operation.insert(LS).set(LS_NAME, "sw0").set(LS_PORTS, Set.of(a.ref(), b.ref()))));
        assertThat(dup).isInstanceOf(TransactionException.class);
        assertThat(((TransactionException) dup).error()).isEqualTo("constraint violation");
        assertThat(dup.getMessage()).contains("dup");
        assertThat(ovn.nbctl("ls-list")).doesNotContain("sw0");

        Throwable rpc = failure(client.call("no_such_method", io.kovn.ovsdb.wire.OvsdbJson.NODES.arrayNode(),
                Duration.ofSeconds(5), x -> x));
        assertThat(rpc).isInstanceOf(OvsdbRpcException.class).hasMessageContaining("unknown method");
        get(client.echo());
    }

    @Test
    void cancelsABlockedTransaction() throws Exception {
        ovn.nbctl("ls-add", "sw0");
        CompletableFuture<TransactResult> blocked = client.transact(DB, Operation.waitUntil(LS).where(LS_NAME.eq("sw0"))
                .equalTo(List.of("name"), List.of()));
        Thread.sleep(200);
        assertThat(blocked).isNotDone();
        blocked.cancel(true);
        // the server dropped the waiting transaction: the connection stays usable and the wait never commits
        get(client.echo());
        assertThat(ovn.nbctl("ls-list")).contains("sw0");
    }

    @Test
    void replicaFollowsAnotherWriterAndTellsListeners() throws Exception {
        DatabaseReplica replica = get(client.replicate(DB, MonitorSpec.create().tables(LS, LSP)));
        List<String> events = Collections.synchronizedList(new ArrayList<>());
        replica.addListener(LS, new RowListener<>() {
            @Override
            public void onAdd(Row row) {
                events.add("add " + row.get(LS_NAME));
            }

            @Override
            public void onUpdate(Row old, Row row) {
                events.add("update " + row.get(LS_NAME) + " " + row.get(LS_EXTERNAL_IDS));
            }

            @Override
            public void onDelete(Row old) {
                events.add("delete " + old.get(LS_NAME));
            }
        });
        ovn.nbctl("ls-add", "sw0");
        await().atMost(Duration.ofSeconds(5)).until(() -> replica.lookupOne(LS, LS_NAME, "sw0").isPresent());
        ovn.nbctl("set", "logical_switch", "sw0", "external_ids:a=1", "external_ids:b=2");
        ovn.nbctl("remove", "logical_switch", "sw0", "external_ids", "a");
        ovn.nbctl("lsp-add", "sw0", "p1", "--", "lsp-set-addresses", "p1", "0a:58:0a:f4:01:05 10.244.1.5");
        await().atMost(Duration.ofSeconds(5)).until(() -> replica.lookupOne(LSP, LSP_NAME, "p1").isPresent());
        Row sw0 = replica.lookupOne(LS, LS_NAME, "sw0").orElseThrow();
        assertThat(sw0.get(LS_EXTERNAL_IDS)).isEqualTo(Map.of("b", "2"));
        assertThat(sw0.get(LS_PORTS)).containsExactly(replica.lookupOne(LSP, LSP_NAME, "p1").orElseThrow().uuid());
        assertThat(replica.byExternalId(LS, "b", "2")).extracting(r -> r.get(LS_NAME)).containsExactly("sw0");
        assertThat(replica.byExternalId(LS, "a", "1")).isEmpty();
        ovn.nbctl("ls-del", "sw0");
        await().atMost(Duration.ofSeconds(5)).until(() -> replica.size("Logical_Switch") == 0 && replica.size("Logical_Switch_Port") == 0);
        assertThat(events).startsWith("add sw0", "update sw0 {a=1, b=2}", "update sw0 {b=2}").endsWith("delete sw0");
    }

    @Test
    void replicaStaysConsistentUnderConcurrentWriters() throws Exception {
        DatabaseReplica replica = get(client.replicate(DB, MonitorSpec.create().tables(LS, LSP)));
        ovn.nbctl("ls-add", "sw1");
        CompletableFuture<Void> nbctlWriter = CompletableFuture.runAsync(() -> {
            for (int i = 0; i < 40; i++) {
                ovn.nbctl("lsp-add", "sw1", "n" + i, "--", "set", "logical_switch_port", "n" + i, "external_ids:i=" + i);
                if (i % 3 == 0) {
                    ovn.nbctl("lsp-del", "n" + (i / 2));
                }
            }
        });
        for (int i = 0; i < 40; i++) {
            Operation.Insert p = port("k" + i, "10.244.2." + i);
            get(client.transact(DB, p, Operation.mutate(LS).where(LS_NAME.eq("sw1")).with(LS_PORTS.insert(Set.of(p.ref())))));
        }
        nbctlWriter.get(60, TimeUnit.SECONDS); // 53 ovn-nbctl processes: over 10 s on a loaded machine (seen at load 11)
        Set<String> truth = Set.of(ovn.nbctl("--bare", "--columns=name", "list", "logical_switch_port").split("\\s+"));
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(
                replica.list(LSP).stream().map(r -> r.get(LSP_NAME)).collect(Collectors.toSet())).isEqualTo(truth));
        Row sw1 = replica.lookupOne(LS, LS_NAME, "sw1").orElseThrow();
        assertThat(sw1.get(LS_PORTS)).hasSize(truth.size());
        assertThat(replica.lookupOne(LSP, LSP_NAME, "n39").orElseThrow().get(LSP_EXTERNAL_IDS)).isEqualTo(Map.of("i", "39"));
    }

    @Test
    void reconnectsAfterTheServerRestartsAndResyncsWithOnlyRealDifferences() throws Exception {
        OvsdbClient c = new OvsdbClient(ovn.nbTcp(), OvsdbClient.Options.defaults()
                .withBackoff(Duration.ofMillis(50), Duration.ofMillis(400))).connectSync();
        extra.add(c);
        ovn.nbctl("ls-add", "sw0", "--", "ls-add", "sw1");
        DatabaseReplica replica = get(c.replicate(DB, MonitorSpec.create().tables(LS)));
        await().atMost(Duration.ofSeconds(5)).until(() -> replica.size("Logical_Switch") == 2);
        List<String> events = Collections.synchronizedList(new ArrayList<>());
        replica.addListener(LS, new RowListener<>() {
            @Override
            public void onAdd(Row row) {
                events.add("add " + row.get(LS_NAME));
            }

            @Override
            public void onUpdate(Row old, Row row) {
                events.add("update " + row.get(LS_NAME));
            }

            @Override
            public void onDelete(Row old) {
                events.add("delete " + old.get(LS_NAME));
            }
        });

        ovn.killNb();
        await().atMost(Duration.ofSeconds(5)).until(() -> !c.isConnected());
        Throwable whileDown = failure(c.transact(DB, Operation.select(LS)).orTimeout(1, TimeUnit.SECONDS));
        assertThat(whileDown).isInstanceOfAny(OvsdbConnectionException.class, java.util.concurrent.TimeoutException.class);
        ovn.startNb();
        await().atMost(Duration.ofSeconds(10)).until(c::isConnected);
        get(c.echo());
        Thread.sleep(300);
        assertThat(events).as("a resync with nothing changed reports nothing").isEmpty();

        ovn.nbctl("ls-del", "sw1", "--", "ls-add", "sw2");
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(events)
                .containsExactlyInAnyOrder("delete sw1", "add sw2"));
        get(c.transact(DB, Operation.insert(LS).set(LS_NAME, "sw3")));
        assertThat(ovn.nbctl("ls-list")).contains("sw3");
    }

    @Test
    void triesTheRemotesOfAListInTurn() throws Exception {
        OvsdbClient c = new OvsdbClient("tcp:127.0.0.1:1," + ovn.nbUnix()).connectSync();
        extra.add(c);
        assertThat(c.connectedRemote().kind()).isEqualTo(Remote.Kind.UNIX);
        assertThat(get(c.listDbs())).contains(DB);
    }

    @Test
    void conditionalMonitorReplicatesOnlyMatchingRows() throws Exception {
        ovn.nbctl("ls-add", "sw0", "--", "ls-add", "sw1");
        DatabaseReplica replica = get(client.replicate(DB, MonitorSpec.create()
                .table(LS, List.of(LS_NAME, LS_EXTERNAL_IDS), LS_NAME.eq("sw1"))));
        assertThat(replica.list(LS)).extracting(r -> r.get(LS_NAME)).containsExactly("sw1");
        ovn.nbctl("set", "logical_switch", "sw1", "external_ids:x=y", "other_config:a=b");
        await().atMost(Duration.ofSeconds(5)).until(() -> !replica.list(LS).get(0).get(LS_EXTERNAL_IDS).isEmpty());
        assertThat(replica.list(LS).get(0).values()).containsOnlyKeys("name", "external_ids");
        assertThat(Condition.TRUE.toJson().toString()).isEqualTo("true");
    }

    @Test
    void replicaFollowsTheServersDiffsOfOptionalAndMapColumns() throws Exception {
        DatabaseReplica replica = get(client.replicate(DB, MonitorSpec.create().tables(LS, LSP)));
        ovn.nbctl("ls-add", "sw0", "--", "lsp-add", "sw0", "p1", "--", "set", "logical_switch_port", "p1",
                "external_ids:a=1", "external_ids:b=2");
        await().atMost(Duration.ofSeconds(5)).until(() -> replica.lookupOne(LSP, LSP_NAME, "p1").isPresent());
        // ovsdb-server sends a 0..1 column's new value in "modify", not a diff against the old one
        for (String[] step : List.of(new String[] {"parent_name=a"}, new String[] {"parent_name=b"},
                new String[] {"tag_request=7", "external_ids:b=3", "external_ids:c=4"})) {
            List<String> args = new ArrayList<>(List.of("set", "logical_switch_port", "p1"));
            args.addAll(List.of(step));
            ovn.nbctl(args.toArray(String[]::new));
        }
        ovn.nbctl("remove", "logical_switch_port", "p1", "external_ids", "a");
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            Row p1 = replica.lookupOne(LSP, LSP_NAME, "p1").orElseThrow();
            assertThat(p1.get("parent_name")).isEqualTo(java.util.Optional.of("b"));
            assertThat(p1.get("tag_request")).isEqualTo(java.util.Optional.of(7L));
            assertThat(p1.get(LSP_EXTERNAL_IDS)).isEqualTo(Map.of("b", "3", "c", "4"));
        });
        ovn.nbctl("clear", "logical_switch_port", "p1", "parent_name", "--", "clear", "logical_switch_port", "p1",
                "tag_request");
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            Row p1 = replica.lookupOne(LSP, LSP_NAME, "p1").orElseThrow();
            assertThat(p1.get("parent_name")).isEqualTo(java.util.Optional.empty());
            assertThat(p1.get("tag_request")).isEqualTo(java.util.Optional.empty());
        });
        Set<String> truth = Set.of(ovn.nbctl("--bare", "--columns=external_ids", "list", "logical_switch_port", "p1")
                .split("\\s+"));
        assertThat(truth).containsExactlyInAnyOrder("b=3", "c=4");
    }
}
