package io.kovn.cni;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The installed plugin, run as a process the way a runtime runs it, against hostile input and broken agents:
 * every case ends within its bound with the spec's error object (cniVersion, code, msg) on stdout and exit code 1.
 */
class KovnCniBadInputTest {
    /** JVM start-up on a busy 2-core machine, plus the refusal itself. */
    private static final long PROMPT_MILLIS = 10_000;
    private static final long TIMEOUT_SECONDS = 2;

    @TempDir
    static Path bin;
    private static InstalledPlugin plugin;

    @TempDir
    Path dir;

    @BeforeAll
    static void install() throws Exception {
        plugin = InstalledPlugin.installInto(bin);
    }

    private Path socket() {
        return dir.resolve("agent.sock");
    }

    private static Map<String, String> env(String command) {
        Map<String, String> env = new HashMap<>();
        env.put("CNI_COMMAND", command);
        env.put("CNI_CONTAINERID", "0123abcd");
        env.put("CNI_NETNS", "/var/run/netns/p1");
        env.put("CNI_IFNAME", "eth0");
        env.put("CNI_ARGS", "IgnoreUnknown=1;K8S_POD_NAMESPACE=ns1;K8S_POD_NAME=p1;K8S_POD_UID=0b6e1c7e-7a3c-4b8e-9d2f-1a2b3c4d5e6f");
        return env;
    }

    private String conf(String extra) {
        return "{\"cniVersion\":\"1.0.0\",\"name\":\"kovn\",\"type\":\"kovn-cni\",\"timeoutSeconds\":" + TIMEOUT_SECONDS
                + ",\"serverSocket\":\"" + socket() + "\"" + extra + "}";
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Exit code 1, the spec's error object with {@code code}, within {@code millis}; returns its msg. */
    private static String assertSpecError(InstalledPlugin.Outcome o, long code, long millis) throws Exception {
        assertThat(o.rc()).as("%s", o).isEqualTo(1);
        Map<String, Object> e = o.json();
        assertThat(e).as("%s", o).containsEntry("cniVersion", "1.0.0").containsEntry("code", code)
                .containsKey("msg");
        assertThat(o.millis()).as("%s", o).isLessThan(millis);
        return (String) e.get("msg");
    }

    private ServerSocketChannel listen(int backlog) throws IOException {
        ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        s.bind(UnixDomainSocketAddress.of(socket()), backlog);
        return s;
    }

    /** Accepts one connection and hands it to {@code peer} (which closes it). */
    private static void serveOne(ServerSocketChannel server, PeerBehaviour peer) {
        CompletableFuture.runAsync(() -> {
            try (SocketChannel c = server.accept()) {
                peer.serve(c);
            } catch (IOException | InterruptedException e) {
                // the plugin hung up: expected for every broken agent here
            }
        });
    }

    private interface PeerBehaviour {
        void serve(SocketChannel c) throws IOException, InterruptedException;
    }

    private static void readRequest(SocketChannel c) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(8192);
        while (c.read(b) >= 0) {
            b.clear();
        }
    }

    @Test
    void malformedAndTruncatedConfigurationsAreCode6() throws Exception {
        String good = conf("");
        for (String bad : List.of("{\"cniVersion\":\"1.0.0\", name", good.substring(0, good.length() / 2), "",
                "\u0000\u0001garbage", "[".repeat(200_000))) {
            InstalledPlugin.Outcome o = plugin.run(env("ADD"), bytes(bad));
            assertSpecError(o, 6, PROMPT_MILLIS);
        }
    }

    @Test
    void anOversizedConfigurationIsRefusedWithoutRunningOutOfMemory() throws Exception {
        String huge = conf(",\"pad\":\"" + "x".repeat(20 << 20) + "\"");
        InstalledPlugin.Outcome o = plugin.run(env("ADD"), bytes(huge));
        assertThat(assertSpecError(o, 7, PROMPT_MILLIS)).contains("larger than 1048576 bytes");
        assertThat(o.err()).doesNotContain("OutOfMemoryError");
    }

    @Test
    void hostileNamesAreRefusedBeforeAnythingIsSent() throws Exception {
        String longName = "a".repeat(300);
        List<String[]> cases = List.of(
                new String[] {"CNI_CONTAINERID", "abc\nlink set dev lo down"},
                new String[] {"CNI_CONTAINERID", "abc def"},
                new String[] {"CNI_CONTAINERID", "../../etc"},
                new String[] {"CNI_CONTAINERID", longName},
                new String[] {"CNI_IFNAME", "eth0\nx"},
                new String[] {"CNI_IFNAME", "eth 0"},
                new String[] {"CNI_IFNAME", "../x"},
                new String[] {"CNI_IFNAME", ".."},
                new String[] {"CNI_IFNAME", longName},
                new String[] {"CNI_NETNS", "/var/run/netns/p1\nlink set dev lo down"},
                new String[] {"CNI_NETNS", "/var/run/netns/p 1"},
                new String[] {"CNI_NETNS", "../../proc/1/ns/net"},
                new String[] {"CNI_NETNS", "/var/run/netns/../../../proc/1/ns/net"},
                new String[] {"CNI_NETNS", "/" + "n".repeat(5000)},
                new String[] {"K8S_POD_NAME", "p1\nx"},
                new String[] {"K8S_POD_NAME", "p 1"},
                new String[] {"K8S_POD_NAME", "../p1"},
                new String[] {"K8S_POD_NAME", longName},
                new String[] {"K8S_POD_NAMESPACE", "ns 1"},
                new String[] {"K8S_POD_NAMESPACE", "../kube-system"},
                new String[] {"K8S_POD_NAMESPACE", "a".repeat(64)},
                new String[] {"K8S_POD_UID", "uid\nx"},
                new String[] {"K8S_POD_UID", "../x"});
        try (ServerSocketChannel server = listen(64)) {
            server.configureBlocking(false);
            for (String[] c : cases) {
                Map<String, String> e = env("ADD");
                if (c[0].startsWith("K8S_")) {
                    e.put("CNI_ARGS", e.get("CNI_ARGS").replaceFirst(c[0] + "=[^;]*", c[0] + "=" + c[1]));
                } else {
                    e.put(c[0], c[1]);
                }
                InstalledPlugin.Outcome o = plugin.run(e, bytes(conf("")));
                assertThat(assertSpecError(o, 4, PROMPT_MILLIS)).as("%s=%s", c[0], c[1]).contains(c[0]);
                assertThat(server.accept()).as("%s=%s reached the agent", c[0], c[1]).isNull();
            }
        }
    }

    @Test
    void aFullAcceptBacklogIsTryAgainLaterWithinTheTimeout() throws Exception {
        try (ServerSocketChannel server = listen(1)) {
            List<SocketChannel> queued = FullBacklog.fill(socket());
            InstalledPlugin.Outcome o = plugin.run(env("ADD"), bytes(conf("")));
            assertThat(assertSpecError(o, 11, TIMEOUT_SECONDS * 1000 + PROMPT_MILLIS))
                    .contains("did not accept the connection within 2 s");
            assertThat(o.millis()).isGreaterThanOrEqualTo(TIMEOUT_SECONDS * 1000);
            for (SocketChannel c : queued) {
                c.close();
            }
        }
    }

    @Test
    void anAgentThatNeverReadsIsTryAgainLaterWithinTheTimeout() throws Exception {
        try (ServerSocketChannel server = listen(8)) {
            serveOne(server, c -> Thread.sleep(30_000));
            // a configuration under the plugin's limit, but more than the socket's buffers hold
            InstalledPlugin.Outcome o = plugin.run(env("ADD"), bytes(conf(",\"pad\":\"" + "p".repeat(500_000) + "\"")));
            assertThat(assertSpecError(o, 11, TIMEOUT_SECONDS * 1000 + PROMPT_MILLIS))
                    .contains("did not read the request within 2 s");
        }
    }

    @Test
    void anAgentThatNeverAnswersIsTryAgainLaterEvenForDel() throws Exception {
        try (ServerSocketChannel server = listen(8)) {
            serveOne(server, c -> {
                readRequest(c);
                Thread.sleep(30_000);
            });
            InstalledPlugin.Outcome o = plugin.run(env("DEL"), bytes(conf("")));
            assertThat(assertSpecError(o, 11, TIMEOUT_SECONDS * 1000 + PROMPT_MILLIS))
                    .contains("did not answer within 2 s");
        }
    }

    @Test
    void anAgentThatTricklesItsAnswerIsCutOffAtTheTimeout() throws Exception {
        try (ServerSocketChannel server = listen(8)) {
            serveOne(server, c -> {
                readRequest(c);
                while (true) {
                    c.write(ByteBuffer.wrap(bytes(" ")));
                    Thread.sleep(100);
                }
            });
            InstalledPlugin.Outcome o = plugin.run(env("ADD"), bytes(conf("")));
            assertThat(assertSpecError(o, 11, TIMEOUT_SECONDS * 1000 + PROMPT_MILLIS))
                    .contains("did not answer within 2 s");
        }
    }

    @Test
    void aHundredMegabyteAnswerIsRefusedWithoutRunningOutOfMemory() throws Exception {
        try (ServerSocketChannel server = listen(8)) {
            serveOne(server, c -> {
                readRequest(c);
                ByteBuffer chunk = ByteBuffer.wrap(bytes("{\"result\":{\"pad\":\"" + "a".repeat(1 << 20)));
                for (int k = 0; k < 100; k++) {
                    chunk.rewind();
                    while (chunk.hasRemaining()) {
                        c.write(chunk);
                    }
                }
            });
            InstalledPlugin.Outcome o = plugin.run(env("ADD"), bytes(conf("")));
            assertThat(assertSpecError(o, 100, PROMPT_MILLIS)).contains("larger than 1048576 bytes");
            assertThat(o.err()).doesNotContain("OutOfMemoryError");
        }
    }
}
