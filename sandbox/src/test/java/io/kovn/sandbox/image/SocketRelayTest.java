package io.kovn.sandbox.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A client's bytes go TCP -> unix socket -> TCP to a server and its answer comes back, until the server closes. */
class SocketRelayTest {

    @Test
    void carriesAConversationBothWaysThroughTheUnixSocket(@TempDir Path dir) throws Exception {
        InetAddress lo = InetAddress.getLoopbackAddress();
        try (ServerSocket upper = new ServerSocket(0, 8, lo)) {
            Thread server = new Thread(() -> {
                try (Socket s = upper.accept(); InputStream in = s.getInputStream();
                     OutputStream out = s.getOutputStream()) {
                    String request = new String(in.readNBytes(5), StandardCharsets.UTF_8);
                    out.write(("got " + request).getBytes(StandardCharsets.UTF_8));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            server.start();
            Path socket = dir.resolve("api.sock");
            int port;
            try (ServerSocket free = new ServerSocket(0, 1, lo)) {
                port = free.getLocalPort();
            }
            try (SocketRelay toApi = SocketRelay.fromUnix(socket, new InetSocketAddress(lo, upper.getLocalPort()));
                 SocketRelay inNamespace = SocketRelay.toUnix(new InetSocketAddress(lo, port), socket);
                 Socket client = new Socket(lo, port)) {
                client.getOutputStream().write("hello".getBytes(StandardCharsets.UTF_8));
                String answer = new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(answer).isEqualTo("got hello");
            }
            server.join(5000);
            assertThat(Files.exists(socket)).as("the socket file is removed on close").isFalse();
        }
    }
}
