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
import java.util.List;
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
        // a reconnect half a second or more after a loss leaves time to issue writes while disconnected
        client = new OvsdbClient(proxy.remote(), OvsdbClient.Options.defaults()
                .withBackoff(Duration.ofSeconds(1), Duration.ofSeconds(2))).connectSync();
        other = new OvsdbClient(ovn.nbUnix()).connectSync();
    }

    @AfterEach
    void close() throws Exception {
        client.close();
        other.close();
        proxy.close();
    }

    private static int indexOf(List<String> entries, String prefix) {
        for (int i = 0; i < entries.size(); i++) {
            if (entries.get(i).startsWith(prefix)) {
                return i;
            }
        }
        return -1;
    }

    @Test
    void writesIssuedDuringAReconnectWaitUntilTheReplicaHasResynced() throws Exception {
        DatabaseReplica replica = client.replicate(DB, MonitorSpec.create().tables(LS)).get(10, TimeUnit.SECONDS);
        proxy.cutAll();
        await().atMost(Duration.ofMillis(400)).until(() -> !client.isConnected());
        // while the client is away, someone else changes the database: its replica does not know yet
        other.transact(DB, Operation.insert(LS).set(LS_NAME, "while-away")).get(10, TimeUnit.SECONDS);

        CompletableFuture<Boolean> replicaCurrentWhenAnswered = client.transact(DB,
                Operation.insert(LS).set(LS_NAME, "mine"))
                .thenApply(r -> replica.lookupOne(LS, LS_NAME, "while-away").isPresent());
        assertThat(proxy.accepts()).as("issued before the client reconnected").isEqualTo(1);

        assertThat(replicaCurrentWhenAnswered.get(10, TimeUnit.SECONDS))
                .as("the replica caught up before the write was answered").isTrue();
        // on the new connection: the monitor request, its answer, and only then the write
        List<String> transcript = proxy.transcript();
        String link = transcript.get(transcript.size() - 1).split("[<>]")[0];
        List<String> onNewLink = transcript.stream().filter(e -> e.startsWith(link)).toList();
        int firstAnswer = indexOf(onNewLink, link + "< ");
        int write = indexOf(onNewLink, link + "> {\"method\":\"transact\"");
        assertThat(firstAnswer).as("the server answered the resync: %s", onNewLink).isNotNegative();
        assertThat(write).as("the write was sent after the resync was answered: %s", onNewLink).isGreaterThan(firstAnswer);
        await().atMost(Duration.ofSeconds(5)).until(() -> replica.lookupOne(LS, LS_NAME, "mine").isPresent());
    }
}
