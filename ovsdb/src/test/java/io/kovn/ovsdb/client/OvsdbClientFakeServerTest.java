package io.kovn.ovsdb.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.kovn.ovsdb.model.Row;
import io.kovn.ovsdb.replica.DatabaseReplica;
import io.kovn.ovsdb.wire.OvsdbJson;
import io.kovn.ovsdb.wire.Uuid;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

/** The client against a scripted server: what ovsdb-server never does on purpose. */
class OvsdbClientFakeServerTest {
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();

    @BeforeEach
    void captureLogs() {
        logs.start();
        ((Logger) LoggerFactory.getLogger("io.kovn.ovsdb")).addAppender(logs);
    }

    @AfterEach
    void cleanUp() throws Exception {
        ((Logger) LoggerFactory.getLogger("io.kovn.ovsdb")).detachAppender(logs);
        // clients first, so the servers do not see them reconnect
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    private FakeOvsdbServer server(FakeOvsdbServer.Session session) throws Exception {
        FakeOvsdbServer s = new FakeOvsdbServer(session);
        toClose.add(s);
        return s;
    }

    private OvsdbClient client(FakeOvsdbServer server, OvsdbClient.Options options) throws Exception {
        OvsdbClient c = new OvsdbClient(server.remote(), options.withBackoff(Duration.ofMillis(50), Duration.ofMillis(200)));
        toClose.add(c);
        // not connectSync: a test's short call timeout is for its calls, not for the connection's set-up
        c.connect().get(10, TimeUnit.SECONDS);
        return c;
    }

    /** Reads and records everything, answers nothing. */
    private static void silent(FakeOvsdbServer.Conn c) {
        while (c.read() != null) {
            // nothing
        }
    }

    /** Answers echo requests only. */
    private static void echoes(FakeOvsdbServer.Conn c) throws Exception {
        for (JsonNode m; (m = c.read()) != null; ) {
            if ("echo".equals(m.path("method").asString(""))) {
                c.reply(m, m.get("params"));
            }
        }
    }

    private static Throwable failure(CompletableFuture<?> f) throws Exception {
        try {
            f.get(5, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return e.getCause();
        }
        throw new AssertionError("expected the call to fail, it returned " + f.join());
    }

    private List<String> errorLines() {
        List<ILoggingEvent> events;
        synchronized (logs) { // what AppenderBase.doAppend holds while it adds (other classes' clients log too)
            events = List.copyOf(logs.list);
        }
        return events.stream().filter(e -> e.getLevel() == Level.ERROR).map(ILoggingEvent::getFormattedMessage).toList();
    }

    private static JsonNode json(String s) {
        return OvsdbJson.MAPPER.readTree(s);
    }

    // ---------------------------------------------------------------- inactivity probe and echo

    @Test
    void anUnansweredInactivityProbeDropsTheConnectionAndReconnects() throws Exception {
        FakeOvsdbServer server = server(OvsdbClientFakeServerTest::silent);
        long start = System.nanoTime();
        client(server, OvsdbClient.Options.defaults().withInactivityProbe(Duration.ofMillis(300)));
        await().atMost(Duration.ofSeconds(5)).until(() -> server.accepts() >= 2);
        long reconnectMs = (System.nanoTime() - start) / 1_000_000;
        List<FakeOvsdbServer.Received> probes = server.requests("echo");
        assertThat(probes).isNotEmpty();
        assertThat(probes.get(0).connection()).isEqualTo(1);
        assertThat(probes.get(0).message().toString()).contains("\"method\":\"echo\"");
        // idle 300 ms -> probe; 300 ms more without anything -> drop
        assertThat(reconnectMs).isGreaterThanOrEqualTo(550);
    }

    @Test
    void anAnsweredInactivityProbeKeepsTheConnection() throws Exception {
        FakeOvsdbServer server = server(OvsdbClientFakeServerTest::echoes);
        OvsdbClient c = client(server, OvsdbClient.Options.defaults().withInactivityProbe(Duration.ofMillis(300)));
        Thread.sleep(1500);
        assertThat(server.accepts()).isEqualTo(1);
        assertThat(c.isConnected()).isTrue();
        assertThat(server.requests("echo")).hasSizeGreaterThanOrEqualTo(2).allMatch(r -> r.connection() == 1);
    }

    @Test
    void aServerBusyWithOurRequestLongerThanTheProbeKeepsTheConnection() throws Exception {
        // ovsdb-server answers nothing, echo included, while it works on one big transaction or monitor reply
        FakeOvsdbServer server = server(conn -> {
            for (JsonNode m; (m = conn.read()) != null; ) {
                if ("transact".equals(m.path("method").asString(""))) {
                    Thread.sleep(1500); // five probe intervals without a byte
                    conn.reply(m, json("[{}]"));
                } else if ("echo".equals(m.path("method").asString(""))) {
                    conn.reply(m, m.get("params"));
                }
            }
        });
        OvsdbClient c = client(server, OvsdbClient.Options.defaults().withInactivityProbe(Duration.ofMillis(300)));
        JsonNode reply = c.call("transact", json("[\"db\", {\"op\": \"comment\", \"comment\": \"x\"}]"),
                Duration.ofSeconds(10), r -> r).get(10, TimeUnit.SECONDS);
        assertThat(reply).isEqualTo(json("[{}]"));
        assertThat(server.accepts()).isEqualTo(1);
    }

    @Test
    void aMessageArrivingSlowerThanTheProbeKeepsTheConnection() throws Exception {
        // a message of many megabytes (a monitor update of a big database) takes several probe intervals to arrive,
        // but its bytes keep arriving; here the server's echo request, with no call of the client outstanding
        FakeOvsdbServer server = server(conn -> {
            conn.answerServerMonitor(); // then the client waits for no reply
            conn.sendRaw("{\"method\": \"echo\", \"id\": \"slow\", \"params\": [");
            for (int i = 0; i < 20; i++) {
                Thread.sleep(100); // two seconds in all, never 300 ms without a byte
                conn.sendRaw((i == 0 ? "" : ",") + "\"part-" + i + "\"");
            }
            conn.sendRaw("]}");
            echoes(conn);
        });
        client(server, OvsdbClient.Options.defaults().withInactivityProbe(Duration.ofMillis(300)));
        await().atMost(Duration.ofSeconds(10)).until(() -> server.received().stream()
                .anyMatch(r -> "slow".equals(r.message().path("id").asString(""))));
        assertThat(server.received().stream().filter(r -> "slow".equals(r.message().path("id").asString("")))
                .findFirst().orElseThrow().message().get("result")).hasSize(20);
        assertThat(server.accepts()).isEqualTo(1);
    }

    @Test
    void answersTheServersEchoRequestsAndRefusesOtherRequests() throws Exception {
        FakeOvsdbServer server = server(conn -> {
            conn.sendRaw("{\"method\":\"echo\",\"params\":[\"x\"],\"id\":\"e1\"}");
            conn.sendRaw("{\"method\":\"lock\",\"params\":[\"l\"],\"id\":2}");
            silent(conn);
        });
        client(server, OvsdbClient.Options.defaults().withInactivityProbe(Duration.ZERO));
        await().atMost(Duration.ofSeconds(5)).until(() -> server.received().size() >= 2);
        assertThat(server.received()).extracting(FakeOvsdbServer.Received::message).containsExactly(
                json("{\"id\":\"e1\",\"result\":[\"x\"],\"error\":null}"),
                json("{\"id\":2,\"result\":null,\"error\":\"unknown method\"}"));
        assertThat(server.accepts()).isEqualTo(1);
    }

    // ---------------------------------------------------------------- broken servers

    @ParameterizedTest
    @ValueSource(strings = {"}}}]]]", "\u0000\u0001 this is not JSON\n"})
    void malformedInputClosesTheConnectionAndFailsPendingCalls(String garbage) throws Exception {
        FakeOvsdbServer server = server(conn -> {
            for (JsonNode m; (m = conn.read()) != null; ) {
                if (m.has("id") && "list_dbs".equals(m.path("method").asString(""))) {
                    conn.sendRaw("{\"id\": " + m.get("id") + ", \"result\": " + garbage);
                }
            }
        });
        OvsdbClient c = client(server, OvsdbClient.Options.defaults().withCallTimeout(Duration.ofSeconds(20)));
        long start = System.nanoTime();
        Throwable t = failure(c.listDbs());
        assertThat(t).isInstanceOf(OvsdbConnectionException.class).hasMessageContaining(server.remote());
        assertThat(System.nanoTime() - start).isLessThan(TimeUnit.SECONDS.toNanos(5));
        assertThat(errorLines()).anyMatch(l -> l.contains(server.remote()));
        // and it comes back
        await().atMost(Duration.ofSeconds(5)).until(() -> server.accepts() >= 2 && c.isConnected());
    }

    @Test
    void aCallTheServerNeverAnswersTimesOut() throws Exception {
        FakeOvsdbServer server = server(OvsdbClientFakeServerTest::silent);
        OvsdbClient c = client(server, OvsdbClient.Options.defaults().withCallTimeout(Duration.ofMillis(500)));
        long start = System.nanoTime();
        Throwable t = failure(c.listDbs());
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertThat(t).isInstanceOf(OvsdbTimeoutException.class).hasMessageContaining("list_dbs");
        assertThat(ms).isBetween(450L, 4000L);
        // the server's reader may record the request after the client gave up on it (a loaded machine)
        await().atMost(Duration.ofSeconds(5)).until(() -> !server.requests("list_dbs").isEmpty());
        assertThat(server.requests("list_dbs")).hasSize(1);
        assertThat(server.accepts()).as("a timed-out call does not cost the connection").isEqualTo(1);
        assertThat(c.isConnected()).isTrue();
    }

    // ---------------------------------------------------------------- monitor updates that do not fit the schema

    private static final String SCHEMA = """
            {"name": "Tiny", "version": "1.0.0", "tables": {"T": {"columns": {
              "name": {"type": "string"},
              "n": {"type": "integer"},
              "tags": {"type": {"key": "string", "min": 0, "max": "unlimited"}}}}}}""";
    private static final String A = "0f0e0d0c-0000-4000-8000-00000000000a";
    private static final String B = "0f0e0d0c-0000-4000-8000-00000000000b";

    @Test
    void anUpdateThatDoesNotFitTheSchemaClosesTheConnectionAndTheReplicaIsResynced() throws Exception {
        List<String> since = new CopyOnWriteArrayList<>();
        FakeOvsdbServer server = server(conn -> {
            for (JsonNode m; (m = conn.read()) != null; ) {
                switch (m.path("method").asString("")) {
                    case "get_schema" -> conn.reply(m, json(SCHEMA));
                    case "echo" -> conn.reply(m, m.get("params"));
                    case "monitor_cond_since" -> {
                        String monitor = m.get("params").get(1).asString();
                        since.add(m.get("params").get(3).asString());
                        if (conn.index() == 1) {
                            conn.reply(m, json("[false, \"t1\", {\"T\": {"
                                    + "\"" + A + "\": {\"initial\": {\"name\": \"a\", \"n\": 1, \"tags\": \"x\"}},"
                                    + "\"" + B + "\": {\"initial\": {\"name\": \"b\", \"n\": 2}}}}]"));
                            // A's diff is fine, B's "n" is a string where the schema says integer
                            conn.sendRaw("{\"method\": \"update3\", \"id\": null, \"params\": [\"" + monitor + "\", \"t2\","
                                    + " {\"T\": {\"" + A + "\": {\"modify\": {\"tags\": \"y\"}},"
                                    + " \"" + B + "\": {\"modify\": {\"n\": \"three\"}}}}]}"
                                    // a good update right behind it on the same connection
                                    + "{\"method\": \"update3\", \"id\": null, \"params\": [\"" + monitor + "\", \"t3\","
                                    + " {\"T\": {\"" + A + "\": {\"modify\": {\"n\": 4}}}}]}");
                        } else {
                            // what happened since t1, correctly typed this time
                            conn.reply(m, json("[true, \"t3\", {\"T\": {"
                                    + "\"" + A + "\": {\"modify\": {\"tags\": \"y\", \"n\": 4}},"
                                    + "\"" + B + "\": {\"modify\": {\"n\": 3}}}}]"));
                        }
                    }
                    default -> {
                        // not needed here
                    }
                }
            }
        });
        OvsdbClient c = client(server, OvsdbClient.Options.defaults());
        DatabaseReplica replica = c.replicate("Tiny", MonitorSpec.create().table("T"))
                .get(5, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(5)).until(() -> server.accepts() >= 2 && "t3".equals(replica.lastTxnId()));

        assertThat(since).as("resumed from the last update applied, not from one after the bad one")
                .containsExactly("00000000-0000-0000-0000-000000000000", "t1");
        Row a = replica.row("T", Uuid.of(A)).orElseThrow();
        Row b = replica.row("T", Uuid.of(B)).orElseThrow();
        assertThat(a.get("tags")).isEqualTo(Set.of("x", "y"));
        assertThat(a.get("n")).isEqualTo(4L);
        assertThat(b.get("n")).isEqualTo(3L);
        assertThat(errorLines()).anyMatch(l -> l.contains("bad update3 notification") && l.contains("expected an integer"));
        assertThat(c.isConnected()).isTrue();
        assertThat(Optional.ofNullable(c.connectedRemote()).map(Remote::toString)).contains(server.remote());
        assertThat(replica.size("T")).isEqualTo(2);
    }

    @Test
    void afterAReconnectTheReplicaResumesFromTheLastUpdateItReceivedEvenIfStillQueued() throws Exception {
        List<String> since = new CopyOnWriteArrayList<>();
        FakeOvsdbServer server = server(conn -> {
            for (JsonNode m; (m = conn.read()) != null; ) {
                switch (m.path("method").asString("")) {
                    case "get_schema" -> conn.reply(m, json(SCHEMA));
                    case "monitor_cond_since" -> {
                        String monitor = m.get("params").get(1).asString();
                        String from = m.get("params").get(3).asString();
                        since.add(from);
                        if (conn.index() == 1) {
                            conn.reply(m, json("[false, \"t1\", {\"T\": {"
                                    + "\"" + A + "\": {\"initial\": {\"name\": \"a\", \"tags\": \"x\"}}}}]"));
                            // two updates, then the connection goes away (a server restart, say)
                            conn.sendRaw("{\"method\": \"update3\", \"id\": null, \"params\": [\"" + monitor + "\", \"t2\","
                                    + " {\"T\": {\"" + A + "\": {\"modify\": {\"n\": 1}}}}]}"
                                    + "{\"method\": \"update3\", \"id\": null, \"params\": [\"" + monitor + "\", \"t3\","
                                    + " {\"T\": {\"" + A + "\": {\"modify\": {\"tags\": \"y\"}}}}]}");
                            Thread.sleep(100);
                            conn.close();
                            return;
                        }
                        // the server sends again whatever followed the id the client resumes from
                        conn.reply(m, json("t3".equals(from) ? "[true, \"t3\", {}]"
                                : "[true, \"t3\", {\"T\": {\"" + A + "\": {\"modify\": {\"tags\": \"y\"}}}}]"));
                    }
                    default -> {
                        // not needed here
                    }
                }
            }
        });
        OvsdbClient c = client(server, OvsdbClient.Options.defaults());
        DatabaseReplica replica = c.replicate("Tiny", MonitorSpec.create().table("T")).get(5, TimeUnit.SECONDS);
        java.util.concurrent.atomic.AtomicBoolean slow = new java.util.concurrent.atomic.AtomicBoolean(true);
        replica.addListener("T", new io.kovn.ovsdb.replica.RowListener<>() {
            @Override
            public void onUpdate(Row old, Row row) {
                if (slow.getAndSet(false)) {
                    // a slow listener keeps t3 queued on the notification thread while the client reconnects
                    try {
                        Thread.sleep(800);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
        });
        await().atMost(Duration.ofSeconds(5)).until(() -> since.size() == 2);
        await().atMost(Duration.ofSeconds(5)).until(() -> "t3".equals(replica.lastTxnId()) && c.isConnected());
        assertThat(since).containsExactly("00000000-0000-0000-0000-000000000000", "t3");
        assertThat(replica.row("T", Uuid.of(A)).orElseThrow().get("tags")).isEqualTo(Set.of("x", "y"));
    }
}
