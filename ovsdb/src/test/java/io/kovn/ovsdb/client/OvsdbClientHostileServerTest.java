package io.kovn.ovsdb.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kovn.ovsdb.wire.OvsdbJson;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;

/**
 * The client against servers that try to exhaust it: huge and endless frames, a server that stops reading, one
 * that accepts and then closes or answers garbage. Each case asserts the caller gets a typed error, the client's
 * memory stays bounded and it comes back once the server behaves. Isolated: it measures the JVM's memory.
 */
@Isolated
class OvsdbClientHostileServerTest {
    private static final int MIB = 1 << 20;
    /** A frame being read takes about twice its size in direct memory (read buffers are not full). */
    private static final long FRAME_MEMORY_BOUND_MIB = 160;
    private final List<AutoCloseable> toClose = new ArrayList<>();

    /** The figures this suite measured, for whoever reads the test output. */
    private static void report(String format, Object... args) {
        System.out.println("[hostile-server] " + String.format(format, args));
    }

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

    private OvsdbClient client(String remote, OvsdbClient.Options options) {
        OvsdbClient c = new OvsdbClient(remote, options);
        toClose.add(c);
        return c;
    }

    private static Throwable failure(CompletableFuture<?> f, Duration within) throws Exception {
        try {
            f.get(within.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            return e.getCause();
        }
        throw new AssertionError("expected the call to fail, it succeeded");
    }

    /** Answers list_dbs and echo like a healthy server. */
    private static void healthy(FakeOvsdbServer.Conn c) throws Exception {
        for (JsonNode m; (m = c.read()) != null; ) {
            switch (m.path("method").asString("")) {
                case "list_dbs" -> c.reply(m, OvsdbJson.NODES.arrayNode().add("OVN_Northbound"));
                case "echo" -> c.reply(m, m.get("params"));
                default -> {
                    // not needed here
                }
            }
        }
    }

    /** Sends {@code total} bytes of 'a' (the inside of a JSON string), stopping early if the client hangs up. */
    private static void streamLetters(FakeOvsdbServer.Conn c, long total) {
        byte[] chunk = new byte[MIB];
        Arrays.fill(chunk, (byte) 'a');
        try {
            for (long sent = 0; sent < total; sent += chunk.length) {
                c.sendRaw(chunk);
            }
        } catch (Exception e) {
            // the client closed the connection: what we wanted
        }
    }

    @Test
    void theDefaultsBoundEveryBuffer() {
        OvsdbClient.Options o = OvsdbClient.Options.defaults();
        assertThat(o.maxFrameBytes()).isEqualTo(64 * MIB);
        assertThat(o.writeBufferBytes()).isBetween(MIB, 16 * MIB);
        assertThat(o.maxQueuedBytes()).isBetween((long) MIB, 64L * MIB);
    }

    @Test
    void aReplyLargerThanTheFrameLimitDropsTheConnectionUnparsedAndTheClientRecovers() throws Exception {
        FakeOvsdbServer server = server(conn -> {
            if (conn.index() > 1) {
                healthy(conn);
                return;
            }
            for (JsonNode m; (m = conn.read()) != null; ) {
                if ("list_dbs".equals(m.path("method").asString(""))) {
                    conn.sendRaw("{\"id\": " + m.get("id") + ", \"error\": null, \"result\": [\"");
                    streamLetters(conn, 65L * MIB);
                    conn.sendRaw("\"]}");
                }
            }
        });
        OvsdbClient c = client(server.remote(), OvsdbClient.Options.defaults()
                .withBackoff(Duration.ofMillis(50), Duration.ofMillis(200))).connectSync();
        try (MemoryProbe memory = new MemoryProbe()) {
            Throwable t = failure(c.listDbs(), Duration.ofSeconds(20));
            report("oversized frame: %s, heap kept +%d MiB", memory, memory.heapGrowthMib());
            assertThat(t).isInstanceOf(OvsdbConnectionException.class)
                    .hasMessageContaining(server.remote()).hasMessageContaining("exceeds " + 64 * MIB);
            assertThat(memory.peakDirectGrowthMib()).as(memory.toString()).isLessThan(FRAME_MEMORY_BOUND_MIB);
            assertThat(memory.heapGrowthMib()).as("heap kept").isLessThan(16);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> server.accepts() >= 2 && c.isConnected());
        assertThat(c.listDbs().get(5, TimeUnit.SECONDS)).containsExactly("OVN_Northbound");
    }

    @Test
    void aFrameThatNeverEndsIsCutAtTheFrameLimit() throws Exception {
        FakeOvsdbServer server = server(conn -> {
            if (conn.index() > 1) {
                healthy(conn);
                return;
            }
            for (JsonNode m; (m = conn.read()) != null; ) {
                if ("list_dbs".equals(m.path("method").asString(""))) {
                    conn.sendRaw("{\"id\": " + m.get("id") + ", \"result\": \"");
                    streamLetters(conn, 256L * MIB); // "never" ends: 4 times the frame limit
                }
            }
        });
        OvsdbClient c = client(server.remote(), OvsdbClient.Options.defaults()
                .withBackoff(Duration.ofMillis(50), Duration.ofMillis(200))).connectSync();
        try (MemoryProbe memory = new MemoryProbe()) {
            long start = System.nanoTime();
            Throwable t = failure(c.listDbs(), Duration.ofSeconds(30));
            report("endless frame: %s, failed after %d ms: %s", memory, (System.nanoTime() - start) / 1_000_000, t);
            assertThat(memory.peakDirectGrowthMib()).as(memory.toString()).isLessThan(FRAME_MEMORY_BOUND_MIB);
            assertThat(t).isInstanceOf(OvsdbConnectionException.class).hasMessageContaining("exceeds");
            assertThat(System.nanoTime() - start).isLessThan(TimeUnit.SECONDS.toNanos(15));
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> server.accepts() >= 2 && c.isConnected());
        assertThat(c.listDbs().get(5, TimeUnit.SECONDS)).containsExactly("OVN_Northbound");
    }

    @Test
    void aServerThatStopsReadingGetsBackpressureAndIsDropped() throws Exception {
        AtomicBoolean stalled = new AtomicBoolean(true);
        FakeOvsdbServer server = server(conn -> {
            if (conn.index() > 1) {
                healthy(conn);
                return;
            }
            // reads nothing once connected; keeps talking (echo requests) so only the stalled writes can give it away
            conn.answerServerMonitor();
            while (stalled.get()) {
                conn.sendRaw("{\"method\": \"echo\", \"params\": [], \"id\": \"e\"}");
                Thread.sleep(100);
            }
        });
        OvsdbClient c = client(server.remote(), OvsdbClient.Options.defaults().withInactivityProbe(Duration.ofSeconds(1))
                .withBackoff(Duration.ofMillis(50), Duration.ofMillis(200))).connectSync();
        ArrayNode params = OvsdbJson.NODES.arrayNode().add("x".repeat(MIB));
        List<CompletableFuture<Void>> calls = new ArrayList<>();
        List<Throwable> refused = new CopyOnWriteArrayList<>();
        try (MemoryProbe memory = new MemoryProbe()) {
            long start = System.nanoTime();
            for (int i = 0; i < 200 && server.accepts() == 1; i++) { // 200 MiB of requests, until it is dropped
                CompletableFuture<Void> f = c.call("echo", params, Duration.ofSeconds(30), r -> null);
                if (f.isCompletedExceptionally()) {
                    refused.add(failure(f, Duration.ZERO));
                } else {
                    calls.add(f);
                }
                Thread.sleep(10);
            }
            report("server stopped reading: %s, %d requests refused, %d connections", memory, refused.size(),
                    server.accepts());
            assertThat(memory.peakDirectGrowthMib()).as(memory.toString()).isLessThan(48);
            // refused at once; or, sent just before, failed as the connection was dropped
            assertThat(refused).as("requests refused while the server reads nothing")
                    .anyMatch(e -> e instanceof OvsdbBackpressureException)
                    .allMatch(e -> e instanceof OvsdbBackpressureException || e instanceof OvsdbConnectionException);
            await().atMost(Duration.ofSeconds(5)).until(() -> server.accepts() >= 2);
            assertThat(System.nanoTime() - start).as("dropped about a probe interval after it stopped reading")
                    .isLessThan(TimeUnit.SECONDS.toNanos(4));
        }
        stalled.set(false);
        Throwable lost = failure(calls.get(0), Duration.ofSeconds(5));
        assertThat(lost).isInstanceOf(OvsdbConnectionException.class).hasMessageContaining("read nothing");
        await().atMost(Duration.ofSeconds(5)).until(c::isConnected);
        assertThat(c.echo().get(5, TimeUnit.SECONDS)).isNull();
    }

    @Test
    void requestsWaitingForAConnectionAreBounded() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort(); // closed again: nothing listens there
        }
        OvsdbClient c = client("tcp:127.0.0.1:" + port, OvsdbClient.Options.defaults()
                .withWriteLimits(64 * 1024, MIB).withBackoff(Duration.ofMillis(50), Duration.ofMillis(200)));
        ArrayNode params = OvsdbJson.NODES.arrayNode().add("x".repeat(MIB / 2 - 100));
        CompletableFuture<Void> first = c.call("echo", params, Duration.ofSeconds(30), r -> null);
        CompletableFuture<Void> second = c.call("echo", params, Duration.ofSeconds(30), r -> null);
        CompletableFuture<Void> third = c.call("echo", params, Duration.ofSeconds(30), r -> null);
        assertThat(first).isNotDone();
        assertThat(second).isNotDone();
        assertThat(failure(third, Duration.ZERO)).isInstanceOf(OvsdbBackpressureException.class)
                .hasMessageContaining("echo not sent").hasMessageContaining("limit " + MIB);
    }

    @ParameterizedTest
    @ValueSource(strings = {"close", "garbage", "valid-then-close"})
    void aServerThatAcceptsAndFailsIsRetriedWithGrowingBackoff(String how) throws Exception {
        AtomicBoolean broken = new AtomicBoolean(true);
        List<Long> acceptedAt = new CopyOnWriteArrayList<>();
        FakeOvsdbServer server = server(conn -> {
            if (!broken.get()) {
                healthy(conn);
                return;
            }
            acceptedAt.add(System.nanoTime());
            switch (how) {
                case "garbage" -> {
                    conn.sendRaw("HTTP/1.1 400 Bad Request\r\n\r\n");
                    Thread.sleep(1000);
                }
                // a well-formed message, but gone before the back-off it had to outlast
                case "valid-then-close" -> conn.sendRaw("{\"method\": \"echo\", \"params\": [], \"id\": \"e\"}");
                default -> {
                    // closed at once
                }
            }
        });
        OvsdbClient c = client(server.remote(), OvsdbClient.Options.defaults()
                .withBackoff(Duration.ofMillis(100), Duration.ofSeconds(1)));
        c.connect();
        Thread.sleep(4000);
        int attempts = acceptedAt.size();
        report("server that fails (%s): %d connections in 4 s", how, attempts);
        // 0 + 100 + 200 + 400 + 800 + 1000... ms, each at least halved by the jitter: at most about 11 in 4 s
        assertThat(attempts).as("connections in 4 s").isBetween(3, 12);
        long lastGapMs = (acceptedAt.get(attempts - 1) - acceptedAt.get(attempts - 2)) / 1_000_000;
        assertThat(lastGapMs).as("the back-off grew").isGreaterThanOrEqualTo(400);
        broken.set(false);
        await().atMost(Duration.ofSeconds(3)).until(c::isConnected);
        assertThat(c.listDbs().get(5, TimeUnit.SECONDS)).containsExactly("OVN_Northbound");
    }
}
