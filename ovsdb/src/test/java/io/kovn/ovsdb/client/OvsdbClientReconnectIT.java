package io.kovn.ovsdb.client;

import static io.kovn.ovsdb.Nb.DB;
import static io.kovn.ovsdb.Nb.LS;
import static io.kovn.ovsdb.Nb.LS_NAME;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kovn.ovsdb.replica.DatabaseReplica;
import io.kovn.ovsdb.wire.Operation;
import io.kovn.testing.OvnDaemons;
import io.kovn.testing.TcpProxy;
import io.kovn.testing.WithOvn;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What a client that lost its connection does with the writes it is given meanwhile, against ovsdb-server. */
@WithOvn(nb = true)
class OvsdbClientReconnectIT {
    private final OvnDaemons ovn;
    private TcpProxy proxy;
    private OvsdbClient client;
    private OvsdbClient other;

    OvsdbClientReconnectIT(OvnDaemons ovn) {
        this.ovn = ovn;
    }

    @BeforeEach
    void connect() throws Exception {
        ovn.nbctl("--all", "destroy", "Logical_Switch");
        proxy = new TcpProxy(ovn.nbTcp());
        client = new OvsdbClient(proxy.remote(), OvsdbClient.Options.defaults()
                .withBackoff(Duration.ofMillis(50), Duration.ofMillis(200))).connectSync();
        other = new OvsdbClient(ovn.nbUnix()).connectSync();
    }

    @AfterEach
    void close() throws Exception {
        client.close();
        other.close();
        proxy.close();
    }

    @Test
    void writesIssuedDuringAReconnectWaitUntilTheReplicaHasResynced() throws Exception {
        DatabaseReplica replica = client.replicate(DB, MonitorSpec.create().tables(LS)).get(10, TimeUnit.SECONDS);
        proxy.hold(true);
        proxy.cutAll();
        await().atMost(Duration.ofSeconds(5)).until(() -> !client.isConnected());
        // while the client is away, someone else changes the database: its replica does not know yet
        other.transact(DB, Operation.insert(LS).set(LS_NAME, "while-away")).get(10, TimeUnit.SECONDS);

        CompletableFuture<Boolean> replicaCurrentWhenAnswered = client.transact(DB,
                Operation.insert(LS).set(LS_NAME, "mine"))
                .thenApply(r -> replica.lookupOne(LS, LS_NAME, "while-away").isPresent());
        Thread.sleep(300);
        assertThat(replicaCurrentWhenAnswered).as("nothing goes out while disconnected").isNotDone();
        proxy.hold(false);

        assertThat(replicaCurrentWhenAnswered.get(10, TimeUnit.SECONDS))
                .as("the write went out only after the replica caught up with what it missed").isTrue();
        await().atMost(Duration.ofSeconds(5)).until(() -> replica.lookupOne(LS, LS_NAME, "mine").isPresent());
    }
}
