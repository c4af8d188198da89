package io.kovn.ovn.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kovn.ovn.Databases;
import io.kovn.ovn.nb.LoadBalancer;
import io.kovn.ovsdb.client.OvsdbClient;
import io.kovn.ovsdb.replica.DatabaseReplica;
import io.kovn.ovsdb.wire.Operation;
import io.kovn.testing.OvnDaemons;
import io.kovn.testing.WithOvn;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Many keyed inserts into one table wait once that the table's names are the replica's, instead of once per name
 * (each a scan of the table in ovsdb-server), and that wait refuses the transaction exactly as the per-name waits
 * would when NB holds a row the replica does not show (the row of a commit whose reply was lost).
 */
@WithOvn(nb = true)
class TableGuardIT {
    private static final String GROUP = "guard-lb-group";
    private final OvnDaemons ovn;
    private OvsdbClient client;
    private DatabaseReplica nb;

    TableGuardIT(OvnDaemons ovn) {
        this.ovn = ovn;
    }

    @BeforeEach
    void connect() throws Exception {
        ovn.nbctl("--all", "destroy", "Load_Balancer", "--", "--all", "destroy", "Load_Balancer_Group");
        ovn.nbctl("create", "Load_Balancer_Group", "name=" + GROUP);
        ovn.nbctl("lb-add", "someone-elses", "10.96.9.9:80", "10.244.9.9:80");
        client = new OvsdbClient(ovn.nbUnix()).connectSync();
        nb = client.replicate(Databases.NORTHBOUND, NbTables.monitorSpec()).get(10, TimeUnit.SECONDS);
        nb.await(r -> r.size(LoadBalancer.TABLE.name()) == 1).get(10, TimeUnit.SECONDS);
    }

    @AfterEach
    void close() {
        client.close();
    }

    private NbTxn inserting(String prefix, int count) {
        NbTxn txn = new NbTxn(nb);
        for (int i = 0; i < count; i++) {
            LoadBalancerOps.ensure(txn, new LoadBalancerOps.LoadBalancerSpec(prefix + i, "tcp",
                    Map.of("10.96.0." + i + ":80", "10.244.0.5:8080"), Map.of(), Map.of("owner", "test")), GROUP);
        }
        return txn;
    }

    private static List<Operation.Wait> waits(NbTxn txn) {
        return txn.operations().stream().filter(op -> op instanceof Operation.Wait)
                .map(op -> (Operation.Wait) op).filter(w -> "Load_Balancer".equals(w.table())).toList();
    }

    private int named(String name) {
        return ovn.nbctl("--bare", "--columns=_uuid", "find", "Load_Balancer", "name=" + name).trim().split("\\s+").length;
    }

    @Test
    void manyInsertsWaitOnceOnTheTablesNamesAndCommit() throws Exception {
        NbTxn txn = inserting("svc-", NbTxn.TABLE_GUARD_FROM);
        assertThat(waits(txn)).singleElement().satisfies(w -> {
            assertThat(w.where()).isEmpty();
            assertThat(w.rows()).containsExactly(Map.of("name", "someone-elses"));
        });
        client.transact(Databases.NORTHBOUND, txn.operations()).get(10, TimeUnit.SECONDS);
        assertThat(named("svc-0")).isEqualTo(1);
        assertThat(named("svc-" + (NbTxn.TABLE_GUARD_FROM - 1))).isEqualTo(1);
    }

    @Test
    void aRowTheReplicaDoesNotShowRefusesTheTransactionAndNoNameIsDoubled() throws Exception {
        List<Operation> ops = inserting("svc-", NbTxn.TABLE_GUARD_FROM + 8).operations();
        assertThat(ops).filteredOn(op -> op instanceof Operation.Wait).hasSize(1);
        // the row of a commit whose reply was lost: in NB, not in the replica the transaction was built from
        ovn.nbctl("lb-add", "svc-3", "10.96.0.3:80", "10.244.0.5:8080");
        assertThatThrownBy(() -> client.transact(Databases.NORTHBOUND, ops).get(10, TimeUnit.SECONDS))
                .hasMessageContaining("timed out");
        assertThat(named("svc-3")).isEqualTo(1);
        assertThat(ovn.nbctl("--bare", "--columns=name", "find", "Load_Balancer", "name=svc-4").trim()).isEmpty();
    }

    @Test
    void aFewInsertsKeepTheirWaitOnTheirName() {
        NbTxn txn = inserting("svc-", 3);
        assertThat(waits(txn)).hasSize(3).allSatisfy(w -> assertThat(w.where()).hasSize(1));
    }
}
