package io.kovn.cni;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Both ways to the agent (libkovn-cni.so and the JDK's channels) behave the same, against a real unix socket. */
class AgentClientTest {
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
            String got = AgentClient.call(dir.resolve("agent.sock").toString(), request, 5000, viaNative);
            assertThat(got).isEqualTo(answer);
            assertThat(received.get(5, TimeUnit.SECONDS)).isEqualTo(request);
        }
    }

    @ParameterizedTest(name = "native={0}")
    @ValueSource(booleans = {true, false})
    void aSocketNobodyListensOnIsUnreachable(boolean viaNative) throws Exception {
        listen().close(); // the socket file stays, nobody accepts
        assertThatThrownBy(() -> AgentClient.call(dir.resolve("agent.sock").toString(), "{}", 5000, viaNative))
                .isInstanceOf(AgentClient.UnreachableException.class)
                .hasMessageContaining("does not accept connections").hasMessageContaining("refused");
        assertThatThrownBy(() -> AgentClient.call(dir.resolve("none.sock").toString(), "{}", 5000, viaNative))
                .isInstanceOf(AgentClient.UnreachableException.class).hasMessageContaining("does not exist");
    }

    @ParameterizedTest(name = "native={0}")
    @ValueSource(booleans = {true, false})
    void anAgentThatDoesNotAnswerInTimeIsTryAgainLater(boolean viaNative) throws Exception {
        try (ServerSocketChannel server = listen()) {
            agent(server, null, true);
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> AgentClient.call(dir.resolve("agent.sock").toString(), "{}", 300, viaNative))
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
            assertThat(AgentClient.call(dir.resolve("agent.sock").toString(), "{}", 5000, viaNative)).isEmpty();
        }
    }
}
