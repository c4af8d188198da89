package io.kovn.ovsdb.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kovn.ovsdb.model.Table;
import io.kovn.ovsdb.wire.Operation;
import io.kovn.ovsdb.wire.OvsdbJson;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** What the client does with what scripted servers say in {@code _Server}, and with a transaction lost in flight. */
class OvsdbClientLeaderOnlyTest {
    private static final String CID = "0c1d0000-0000-4000-8000-000000000001";
    private static final String ROW = "5e4f0000-0000-4000-8000-000000000001";
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void cleanUp() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    private FakeOvsdbServer server(FakeOvsdbServer.Session session) throws Exception {
        FakeOvsdbServer s = new FakeOvsdbServer(session);
        toClose.add(s);
        return s;
    }

    private OvsdbClient client(String remotes) {
        OvsdbClient c = new OvsdbClient(remotes, OvsdbClient.Options.defaults()
                .withBackoff(Duration.ofMillis(50), Duration.ofMillis(200)));
        toClose.add(c);
        return c;
    }

    /** The row of a clustered OVN_Northbound on member {@code sid}, in monitor notation. */
    private static String member(String sid, boolean leader, long index) {
        return "{\"name\": \"OVN_Northbound\", \"model\": \"clustered\", \"connected\": true, \"leader\": " + leader
                + ", \"cid\": [\"uuid\", \"" + CID + "\"], \"sid\": [\"uuid\", \"" + sid + "\"], \"index\": " + index + "}";
    }

    private static String table(String row) {
        return "{\"" + ROW + "\": {\"new\": " + row + "}}";
    }

    private static void silent(FakeOvsdbServer.Conn c) {
        while (c.read() != null) {
            // nothing
        }
    }

    @Test
    void aLeaderThatStepsDownIsLeftForTheNewLeader() throws Exception {
        String sidA = "a0000000-0000-4000-8000-00000000000a";
        String sidB = "b0000000-0000-4000-8000-00000000000b";
        CountDownLatch demote = new CountDownLatch(1);
        FakeOvsdbServer a = server(conn -> {
            if (conn.index() == 1) {
                conn.answerServerMonitor();
                demote.await();
                conn.sendRaw("{\"method\": \"update\", \"id\": null, \"params\": [\"kovn-server\", {\"Database\": "
                        + "{\"" + ROW + "\": {\"old\": {\"leader\": true}, \"new\": " + member(sidA, false, 8) + "}}}]}");
            }
            silent(conn);
        });
        FakeOvsdbServer b = server(OvsdbClientLeaderOnlyTest::silent);
        a.serverDatabases(conn -> table(member(sidA, conn == 1, 7)));
        b.serverDatabases(conn -> table(member(sidB, false, 7)));
        OvsdbClient c = client(a.remote() + "," + b.remote()).connectSync();
        assertThat(c.connectedRemote()).hasToString(a.remote());

        // B wins the election; A's _Server row says it is no longer the leader
        b.serverDatabases(conn -> table(member(sidB, true, 9)));
        demote.countDown();
        await().atMost(Duration.ofSeconds(5)).until(() -> c.isConnected() && c.connectedRemote().toString()
                .equals(b.remote()));
        assertThat(c.stats().leaderChanges()).isEqualTo(1);
        assertThat(c.stats().serversSkipped()).as("A once it stepped down").isGreaterThanOrEqualTo(1);
    }

    @Test
    void aMemberBehindWhatTheClientAlreadySawIsSkipped() throws Exception {
        String sid = "a0000000-0000-4000-8000-00000000000a";
        FakeOvsdbServer stale = server(OvsdbClientLeaderOnlyTest::silent);
        FakeOvsdbServer current = server(OvsdbClientLeaderOnlyTest::silent);
        stale.serverDatabases(conn -> table(member(sid, true, 5)));
        current.serverDatabases(conn -> table(member(sid, true, conn == 1 ? 10 : 11)));
        OvsdbClient c = client(current.remote() + "," + stale.remote()).connectSync();
        // the client saw index 10; the only other member is at 5
        current.close();
        await().atMost(Duration.ofSeconds(5)).until(() -> c.problem() != null && c.problem().contains("behind"));
        assertThat(c.isConnected()).isFalse();
    }

    @Test
    void aTransactionInFlightWhenTheConnectionDiesFailsAsUnknownAndIsNotSentAgain() throws Exception {
        FakeOvsdbServer server = server(conn -> {
            for (JsonNode m; (m = conn.read()) != null; ) {
                if ("get_schema".equals(m.path("method").asString(""))) {
                    conn.reply(m, OvsdbJson.MAPPER.readTree(
                            "{\"name\": \"Tiny\", \"version\": \"1.0.0\", \"tables\": {\"T\": {\"columns\": "
                                    + "{\"name\": {\"type\": \"string\"}}}}}"));
                } else if ("transact".equals(m.path("method").asString("")) && conn.index() == 1) {
                    conn.close(); // gone before the reply: did it commit? the client cannot know
                    return;
                }
            }
        });
        OvsdbClient c = client(server.remote()).connectSync();
        CompletableFuture<TransactResult> t = c.transact("Tiny", Operation.insert(new Table<>("Tiny", "T", r -> r)));
        Throwable failure = null;
        try {
            t.get(5, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            failure = e.getCause();
        }
        assertThat(failure).isInstanceOf(TransactionOutcomeUnknownException.class)
                .hasMessageContaining("may or may not have been committed");
        await().atMost(Duration.ofSeconds(5)).until(() -> server.accepts() >= 2 && c.isConnected());
        Thread.sleep(300);
        assertThat(server.requests("transact")).as("sent once, on the first connection").hasSize(1);
    }
}
