package io.kovn.ovn.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.kovn.ovn.Databases;
import io.kovn.ovsdb.client.OvsdbClient;
import io.kovn.ovsdb.client.OvsdbConnectionException;
import io.kovn.ovsdb.client.TransactionException;
import io.kovn.ovsdb.replica.DatabaseReplica;
import io.kovn.testing.OvnDaemons;
import io.kovn.testing.TcpProxy;
import io.kovn.testing.WithOvn;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * An insert into a table without a unique index whose reply is lost with the connection, then retried the way
 * the controller retries (read the replica again, build the transaction again, back off on failure): the row
 * must exist exactly once.
 */
@WithOvn(nb = true)
class KeyedInsertRetryIT {
    private static final String GROUP = "retry-lb-group";
    private static final String ROUTER = "retry-router";
    private final OvnDaemons ovn;
    private TcpProxy proxy;
    private OvsdbClient client;
    private DatabaseReplica nb;

    KeyedInsertRetryIT(OvnDaemons ovn) {
        this.ovn = ovn;
    }

    @BeforeEach
    void connectThroughAProxy() throws Exception {
        ovn.nbctl("--all", "destroy", "Logical_Switch", "--", "--all", "destroy", "Logical_Router",
                "--", "--all", "destroy", "Load_Balancer", "--", "--all", "destroy", "Load_Balancer_Group");
        ovn.nbctl("create", "Load_Balancer_Group", "name=" + GROUP);
        ovn.nbctl("lr-add", ROUTER);
        proxy = new TcpProxy(ovn.nbTcp());
        client = new OvsdbClient(proxy.remote(), OvsdbClient.Options.defaults()
                .withBackoff(Duration.ofMillis(50), Duration.ofMillis(200))).connectSync();
        nb = client.replicate(Databases.NORTHBOUND, NbTables.monitorSpec()).get(10, TimeUnit.SECONDS);
        nb.await(r -> RouterOps.ref(new NbTxn(r), ROUTER).isPresent()).get(10, TimeUnit.SECONDS);
    }

    @AfterEach
    void close() throws Exception {
        client.close();
        proxy.close();
    }

    private static Consumer<NbTxn> insertion(String table) {
        return switch (table) {
            case "Logical_Router_Static_Route" -> txn -> RouterOps.ensureRoutes(txn, ROUTER, Map.of("owner", "test"),
                    Set.of(new RouterOps.RouteSpec("10.244.1.0/24", "100.64.0.2", Optional.empty(), Optional.empty())));
            case "Logical_Switch" -> txn -> SwitchOps.ensure(txn,
                    new SwitchOps.SwitchSpec("retried", Map.of(), Map.of("owner", "test"), Set.of()));
            case "Logical_Router" -> txn -> RouterOps.ensureRouter(txn, "retried", Map.of(), Map.of("owner", "test"));
            default -> txn -> LoadBalancerOps.ensure(txn, new LoadBalancerOps.LoadBalancerSpec("retried", "tcp",
                    Map.of("10.96.0.1:80", "10.244.0.5:8080"), Map.of(), Map.of("owner", "test")), GROUP);
        };
    }

    @ParameterizedTest
    @ValueSource(strings = {"Logical_Switch", "Logical_Router", "Load_Balancer", "Logical_Router_Static_Route"})
    void anInsertWhoseReplyWasLostIsNotDuplicatedByItsRetry(String table) throws Exception {
        Consumer<NbTxn> insert = insertion(table);
        proxy.cutAfterRequestContaining("\"transact\"", 500);
        proxy.hold(true); // the reconnect waits, so the first retry surely reads a replica that missed the insert
        NbTxn first = new NbTxn(nb);
        insert.accept(first);
        Throwable lost = failure(first);
        assertThat(lost).as("the reply never came").isInstanceOf(OvsdbConnectionException.class);
        CompletableFuture.runAsync(() -> proxy.hold(false), CompletableFuture.delayedExecutor(300, TimeUnit.MILLISECONDS));

        // the controller's retry: a new transaction from the replica each time, back-off on failure
        List<Throwable> refused = new ArrayList<>();
        boolean committed = false;
        for (int attempt = 0; attempt < 20 && !committed; attempt++) {
            NbTxn txn = new NbTxn(nb);
            insert.accept(txn);
            Throwable t = txn.isEmpty() ? null : failure(txn);
            if (t == null) {
                committed = true;
            } else {
                refused.add(t);
                Thread.sleep(200);
            }
        }
        assertThat(committed).as("converged; refused on the way: %s", refused).isTrue();
        String rows = table.equals("Logical_Router_Static_Route")
                ? ovn.nbctl("--bare", "--columns=static_routes", "list", "Logical_Router", ROUTER)
                : ovn.nbctl("--bare", "--columns=_uuid", "find", table, "name=retried");
        assertThat(Arrays.stream(rows.split("\\s+")).filter(x -> !x.isBlank())).as(table + " rows").hasSize(1);
        // a route has no name: the guard is on its router's routes
        String guarded = table.equals("Logical_Router_Static_Route") ? "Logical_Router" : table;
        assertThat(refused).as("the retry built from the stale replica was stopped by the guard").isNotEmpty();
        assertThat(refused.get(0)).isInstanceOf(TransactionException.class).hasMessageContaining("wait " + guarded);
    }

    /** Commits {@code txn}; the failure, or null if it committed. */
    private Throwable failure(NbTxn txn) throws Exception {
        try {
            client.transact(Databases.NORTHBOUND, txn.operations()).get(30, TimeUnit.SECONDS);
            return null;
        } catch (ExecutionException e) {
            return e.getCause();
        }
    }
}
