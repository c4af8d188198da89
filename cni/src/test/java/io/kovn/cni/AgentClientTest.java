package io.kovn.cni;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Both ways to the agent (libkovn-cni.so and the JDK's channels) behave the same, against a real unix socket. */
class AgentClientTest {
    private static final int MAX = 1 << 20;

    @TempDir
    Path dir;

    @Test
    void theNativeLibraryIsBuiltAndLoaded() {
        assertThat(NativeUnix.problem()).isNull();
        assertThat(NativeUnix.available()).isTrue();
    }

    /** Accepts one connection, reads the request to its end, answers {@code answer} (null: closes silently). */
    private CompletableFuture<String> agent(ServerSocketChannel server, String answer, boolean silent) {
        return CompletableFuture.supplyAsync(() -> {
            try (SocketChannel c = server.accept()) {
                ByteArrayOutputStream got = new ByteArrayOutputStream();
                ByteBuffer buf = ByteBuffer.allocate(4096);
                while (c.read(buf) >= 0) {
                    got.write(buf.array(), 0, buf.position());
                    buf.clear();
                }
                if (silent) {
                    Thread.sleep(2000);
                } else if (answer != null) {
                    ByteBuffer out = ByteBuffer.wrap(answer.getBytes(StandardCharsets.UTF_8));
                    while (out.hasRemaining()) {
                        c.write(out);
                    }
                }
                return got.toString(StandardCharsets.UTF_8);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private ServerSocketChannel listen() throws Exception {
        Files.deleteIfExists(dir.resolve("agent.sock"));
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(dir.resolve("agent.sock")));
        return server;
    }

    @ParameterizedTest(name = "native={0}")
    @ValueSource(booleans = {true, false})
    void sendsTheWholeRequestAndReadsTheWholeAnswer(boolean viaNative) throws Exception {
        String request = "{\"command\":\"ADD\",\"pad\":\"" + "r".repeat(100_000) + "\"}";
        String answer = "{\"result\":{\"pad\":\"" + "a".repeat(300_000) + "\"}}";
        try (ServerSocketChannel server = listen()) {
            CompletableFuture<String> received = agent(server, answer, false);
            String got = AgentClient.call(dir.resolve("agent.sock").toString(), request, 5000, MAX, viaNative);
            assertThat(got).isEqualTo(answer);
            assertThat(received.get(5, TimeUnit.SECONDS)).isEqualTo(request);
        }
    }

    @ParameterizedTest(name = "native={0}")
    @ValueSource(booleans = {true, false})
    void aSocketNobodyListensOnIsUnreachable(boolean viaNative) throws Exception {
        listen().close(); // the socket file stays, nobody accepts
        assertThatThrownBy(() -> AgentClient.call(dir.resolve("agent.sock").toString(), "{}", 5000, MAX, viaNative))
                .isInstanceOf(AgentClient.UnreachableException.class)
                .hasMessageContaining("does not accept connections").hasMessageContaining("refused");
        assertThatThrownBy(() -> AgentClient.call(dir.resolve("none.sock").toString(), "{}", 5000, MAX, viaNative))
                .isInstanceOf(AgentClient.UnreachableException.class).hasMessageContaining("does not exist");
    }

    @ParameterizedTest(name = "native={0}")
    @ValueSource(booleans = {true, false})
    void anAgentThatDoesNotAnswerInTimeIsTryAgainLater(boolean viaNative) throws Exception {
        try (ServerSocketChannel server = listen()) {
            agent(server, null, true);
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> AgentClient.call(dir.resolve("agent.sock").toString(), "{}", 300, MAX, viaNative))
                    .isInstanceOfSatisfying(CniError.class, e -> {
                        assertThat(e.code()).isEqualTo(CniError.TRY_AGAIN_LATER);
                        assertThat(e.getMessage()).contains("did not answer within");
                    });
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isBetween(250L, 1900L);
        }
    }

    @ParameterizedTest(name = "native={0}")
    @ValueSource(booleans = {true, false})
    void anAgentThatClosesWithoutAnAnswerGivesAnEmptyAnswer(boolean viaNative) throws Exception {
        try (ServerSocketChannel server = listen()) {
            agent(server, null, false);
            assertThat(AgentClient.call(dir.resolve("agent.sock").toString(), "{}", 5000, MAX, viaNative)).isEmpty();
        }
    }

    @ParameterizedTest(name = "native={0}")
    @ValueSource(booleans = {true, false})
    void aFullAcceptBacklogIsTryAgainLaterWithinTheDeadline(boolean viaNative) throws Exception {
        Path sock = dir.resolve("agent.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(sock), 1);
            List<SocketChannel> queued = FullBacklog.fill(sock);
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> AgentClient.call(sock.toString(), "{}", 500, MAX, viaNative))
                    .isInstanceOfSatisfying(CniError.class, e -> {
                        assertThat(e.code()).isEqualTo(CniError.TRY_AGAIN_LATER);
                        assertThat(e.getMessage()).contains("did not accept the connection within 500 ms");
                    });
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isBetween(400L, 3000L);
            for (SocketChannel c : queued) {
                c.close();
            }
        }
    }

    @ParameterizedTest(name = "native={0}")
    @ValueSource(booleans = {true, false})
    void anAgentThatNeverReadsIsTryAgainLaterWithinTheDeadline(boolean viaNative) throws Exception {
        String request = "{\"pad\":\"" + "r".repeat(4 << 20) + "\"}"; // more than the socket buffers hold
        try (ServerSocketChannel server = listen()) {
            CompletableFuture<SocketChannel> accepted = CompletableFuture.supplyAsync(() -> {
                try {
                    return server.accept();
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> AgentClient.call(dir.resolve("agent.sock").toString(), request, 500, MAX, viaNative))
                    .isInstanceOfSatisfying(CniError.class, e -> {
                        assertThat(e.code()).isEqualTo(CniError.TRY_AGAIN_LATER);
                        assertThat(e.getMessage()).contains("did not read the request within 500 ms");
                    });
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isBetween(400L, 3000L);
            accepted.get(5, TimeUnit.SECONDS).close();
        }
    }

    @ParameterizedTest(name = "native={0}")
    @ValueSource(booleans = {true, false})
    void anAnswerLargerThanTheLimitIsRefused(boolean viaNative) throws Exception {
        try (ServerSocketChannel server = listen()) {
            agent(server, "x".repeat(3 * MAX), false);
            assertThatThrownBy(() -> AgentClient.call(dir.resolve("agent.sock").toString(), "{}", 5000, MAX, viaNative))
                    .isInstanceOfSatisfying(CniError.class, e -> {
                        assertThat(e.code()).isEqualTo(CniError.AGENT_FAILURE);
                        assertThat(e.getMessage()).contains("larger than " + MAX + " bytes");
                    });
        }
        try (ServerSocketChannel server = listen()) {
            String justFits = "y".repeat(MAX);
            agent(server, justFits, false);
            assertThat(AgentClient.call(dir.resolve("agent.sock").toString(), "{}", 5000, MAX, viaNative))
                    .isEqualTo(justFits);
        }
    }
}
