package io.kovn.cni;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Runs the plugin's code paths once (VERSION, a failed check, an ADD and a DEL against an in-process agent) so
 * that a JVM started with {@code -XX:ArchiveClassesAtExit} archives every class a real invocation loads.
 * {@code bin/kovn-cni --make-cds-archive} runs it.
 */
public final class CdsTraining {
    private static final String ANSWER = "{\"result\":{\"cniVersion\":\"1.0.0\",\"interfaces\":[{\"name\":\"eth0\","
            + "\"mac\":\"0a:58:0a:f4:01:05\",\"sandbox\":\"/var/run/netns/x\"}],\"ips\":[{\"address\":\"10.244.1.5/24\","
            + "\"gateway\":\"10.244.1.1\",\"interface\":0}]}}";

    private CdsTraining() {
    }

    public static void main(String[] args) throws Exception {
        FastStart.prepare();
        Path dir = Files.createTempDirectory("kovn-cni-training");
        Path sock = dir.resolve("agent.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(sock));
            Thread agent = new Thread(new FakeAgent(server), "training-agent");
            agent.setDaemon(true);
            agent.start();
            PrintStream sink = new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8);
            String conf = "{\"cniVersion\":\"1.0.0\",\"name\":\"kovn\",\"type\":\"kovn-cni\",\"serverSocket\":\""
                    + sock + "\"}";
            run("VERSION", conf, sink);
            run("ADD", "{not json", sink);
            run("ADD", conf, sink);
            run("CHECK", conf, sink);
            run("DEL", conf, sink);
        } finally {
            Files.deleteIfExists(sock);
            Files.deleteIfExists(dir);
        }
    }

    private static void run(String command, String conf, PrintStream sink) {
        Map<String, String> env = new HashMap<>();
        env.put("CNI_COMMAND", command);
        env.put("CNI_CONTAINERID", "training");
        env.put("CNI_NETNS", "/var/run/netns/training");
        env.put("CNI_IFNAME", "eth0");
        env.put("CNI_ARGS", "IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=training");
        CniMain.run(env, new ByteArrayInputStream(conf.getBytes(StandardCharsets.UTF_8)), sink, sink);
    }

    private static final class FakeAgent implements Runnable {
        private final ServerSocketChannel server;

        FakeAgent(ServerSocketChannel server) {
            this.server = server;
        }

        @Override
        public void run() {
            ByteBuffer buf = ByteBuffer.allocate(65536);
            while (true) {
                try (SocketChannel c = server.accept()) {
                    buf.clear();
                    while (c.read(buf) >= 0) {
                        buf.clear();
                    }
                    c.write(ByteBuffer.wrap(ANSWER.getBytes(StandardCharsets.UTF_8)));
                } catch (IOException e) {
                    return;
                }
            }
        }
    }
}
