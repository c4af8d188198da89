package io.kovn.node.cni;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kovn.node.NodeMetrics;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The agent's socket against silent, slow, oversized and malformed peers: each is answered or dropped within its
 * bound, and a STATUS from the plugin is still answered while they hang around.
 */
class CniServerTest {
    private static final String STATUS = "{\"command\":\"STATUS\",\"config\":{\"cniVersion\":\"1.1.0\",\"name\":\"kovn\"}}";
    private static final String ADD = "{\"command\":\"ADD\",\"containerId\":\"c1\",\"netns\":\"/var/run/netns/p1\","
            + "\"ifName\":\"eth0\",\"args\":{\"K8S_POD_NAME\":\"p1\"},\"config\":{\"cniVersion\":\"1.0.0\"}}";

    @TempDir
    Path dir;
    private final List<CniRequest> handled = new CopyOnWriteArrayList<>();
    private final Set<Thread> workerThreads = ConcurrentHashMap.newKeySet();
    private final List<SocketChannel> peers = new ArrayList<>();
    private final CountDownLatch release = new CountDownLatch(1);
    private CniServer server;

    /** Answers STATUS at once; ADD waits for {@link #release} (a pod annotation that is slow to come). */
    private void start(CniServer.Limits limits) {
        server = CniServer.start(dir.resolve("cni.sock"), req -> {
            handled.add(req);
            workerThreads.add(Thread.currentThread());
            if ("ADD".equals(req.command())) {
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return null;
        }, new NodeMetrics(), limits);
    }

    @AfterEach
    void stop() throws IOException {
        release.countDown();
        for (SocketChannel c : peers) {
            c.close();
        }
        server.close();
    }

    private SocketChannel connect() throws IOException {
        SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
        c.connect(UnixDomainSocketAddress.of(dir.resolve("cni.sock")));
        peers.add(c);
        return c;
    }

    private static void send(SocketChannel c, byte[] bytes) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
            c.write(b);
        }
    }

    /** Everything the server sends until it closes, or a failure after {@code bound}. */
    private static JsonNode answer(SocketChannel c, Duration bound) throws Exception {
        CompletableFuture<byte[]> all = CompletableFuture.supplyAsync(() -> {
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            ByteBuffer b = ByteBuffer.allocate(8192);
            try {
                while (c.read(b) >= 0) {
                    got.write(b.array(), 0, b.position());
                    b.clear();
                }
            } catch (IOException e) {
                // a reset after the answer: what came is what counts
            }
            return got.toByteArray();
        });
        return CniRequest.JSON.readTree(all.get(bound.toMillis(), TimeUnit.MILLISECONDS));
    }

    /** One whole request the way the plugin sends it; the answer within {@code bound}. */
    private JsonNode call(String request, Duration bound) throws Exception {
        SocketChannel c = connect();
        send(c, request.getBytes(StandardCharsets.UTF_8));
        c.shutdownOutput();
        return answer(c, bound);
    }

    @Test
    void statusIsAnsweredWhileHundredsOfIdleConnectionsAreOpen() throws Exception {
        start(CniServer.Limits.DEFAULT);
        for (int k = 0; k < 200; k++) {
            connect(); // sends nothing, never closes
        }
        long t0 = System.nanoTime();
        assertThat(call(STATUS, Duration.ofSeconds(5)).toString()).isEqualTo("{}");
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(5000);
        assertThat(handled).extracting(CniRequest::command).containsExactly("STATUS");
    }

    @Test
    void aPeerThatTricklesIsCutOffAtTheReadTimeout() throws Exception {
        start(new CniServer.Limits(Duration.ofSeconds(1), 64, 1 << 20, 4, 4, Duration.ofSeconds(1)));
        SocketChannel slow = connect();
        CompletableFuture<Void> trickle = CompletableFuture.runAsync(() -> {
            try {
                for (byte b : STATUS.getBytes(StandardCharsets.UTF_8)) {
                    send(slow, new byte[] {b});
                    Thread.sleep(100);
                }
            } catch (IOException | InterruptedException e) {
                // cut off: expected
            }
        });
        SocketChannel silent = connect();
        assertThat(call(STATUS, Duration.ofSeconds(2)).toString()).as("others are served meanwhile").isEqualTo("{}");
        long t0 = System.nanoTime();
        JsonNode cutOff = answer(slow, Duration.ofSeconds(5));
        assertThat(cutOff.path("error").path("code").asInt()).isEqualTo(11);
        assertThat(cutOff.path("error").path("msg").asString()).contains("did not arrive whole within 1 s");
        assertThat(answer(silent, Duration.ofSeconds(3)).path("error").path("code").asInt()).isEqualTo(11);
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(3000);
        trickle.cancel(true);
        assertThat(handled).extracting(CniRequest::command).containsExactly("STATUS");
    }

    @Test
    void anOversizedRequestIsRefusedAndTheServerCarriesOn() throws Exception {
        start(CniServer.Limits.DEFAULT);
        SocketChannel big = connect();
        CompletableFuture<Void> flood = CompletableFuture.runAsync(() -> {
            try {
                byte[] mb = new byte[1 << 20];
                for (int k = 0; k < 20; k++) {
                    send(big, mb);
                }
            } catch (IOException e) {
                // refused: expected
            }
        });
        long t0 = System.nanoTime();
        JsonNode refused = answer(big, Duration.ofSeconds(5));
        assertThat(refused.path("error").path("code").asInt()).isEqualTo(4);
        assertThat(refused.path("error").path("msg").asString()).contains("larger than " + (2 << 20) + " bytes");
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(5000);
        flood.get(5, TimeUnit.SECONDS);
        assertThat(call(STATUS, Duration.ofSeconds(2)).toString()).isEqualTo("{}");
        assertThat(handled).extracting(CniRequest::command).containsExactly("STATUS");
    }

    @Test
    void malformedTruncatedAndHostileRequestsGetTheSpecCodesAndReachNoHandler() throws Exception {
        start(CniServer.Limits.DEFAULT);
        assertThat(call("{\"command\":\"ADD\", containerId", Duration.ofSeconds(2)).path("error").path("code").asInt())
                .isEqualTo(6);
        assertThat(call(ADD.substring(0, ADD.length() / 2), Duration.ofSeconds(2)).path("error").path("code").asInt())
                .as("truncated").isEqualTo(6);
        for (String[] hostile : new String[][] {{"\"c1\"", "\"c1\\nx\""}, {"\"eth0\"", "\"../x\""},
                {"\"/var/run/netns/p1\"", "\"/var/run/netns/p1\\nlink set dev lo down\""},
                {"\"p1\"", "\"" + "p".repeat(300) + "\""}}) {
            JsonNode e = call(ADD.replace(hostile[0], hostile[1]), Duration.ofSeconds(2)).path("error");
            assertThat(e.path("code").asInt()).as(hostile[1]).isEqualTo(4);
        }
        assertThat(handled).isEmpty();
    }

    @Test
    void requestsOneAfterAnotherReuseOneWorker() throws Exception {
        start(CniServer.Limits.DEFAULT);
        for (int k = 0; k < 10; k++) {
            assertThat(call(STATUS, Duration.ofSeconds(2)).toString()).isEqualTo("{}");
        }
        assertThat(workerThreads).hasSize(1);
    }

    @Test
    void concurrentRequestsEachGetAWorkerAtOnce() throws Exception {
        start(new CniServer.Limits(Duration.ofSeconds(10), 64, 1 << 20, 8, 8, Duration.ofSeconds(1)));
        List<SocketChannel> adds = new ArrayList<>();
        for (int k = 0; k < 8; k++) {
            SocketChannel c = connect();
            send(c, ADD.getBytes(StandardCharsets.UTF_8));
            c.shutdownOutput();
            adds.add(c);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> handled.size() == 8); // none waits behind another
        release.countDown();
        for (SocketChannel c : adds) {
            assertThat(answer(c, Duration.ofSeconds(2)).toString()).isEqualTo("{}");
        }
    }

    @Test
    void aFullWorkerPoolAnswersTryAgainLater() throws Exception {
        start(new CniServer.Limits(Duration.ofSeconds(10), 64, 1 << 20, 1, 1, Duration.ofSeconds(1)));
        SocketChannel first = connect();
        send(first, ADD.getBytes(StandardCharsets.UTF_8));
        first.shutdownOutput();
        await().atMost(Duration.ofSeconds(5)).until(() -> !handled.isEmpty()); // the one worker is busy
        // two more: one waits in the queue of one, the other is refused (which one depends on the order read)
        List<CompletableFuture<JsonNode>> answers = new ArrayList<>();
        for (int k = 0; k < 2; k++) {
            SocketChannel c = connect();
            send(c, STATUS.getBytes(StandardCharsets.UTF_8));
            c.shutdownOutput();
            answers.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return answer(c, Duration.ofSeconds(10));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        await().atMost(Duration.ofSeconds(2)).until(() -> answers.stream().anyMatch(CompletableFuture::isDone));
        CompletableFuture<JsonNode> refused = answers.get(0).isDone() ? answers.get(0) : answers.get(1);
        JsonNode busy = refused.get().path("error");
        assertThat(busy.path("code").asInt()).isEqualTo(11);
        assertThat(busy.path("msg").asString()).contains("1 requests in progress and 1 waiting");
        release.countDown();
        assertThat(answer(first, Duration.ofSeconds(2)).toString()).isEqualTo("{}");
        answers.remove(refused);
        assertThat(answers.get(0).get(2, TimeUnit.SECONDS).toString()).as("the queued one").isEqualTo("{}");
    }
}
