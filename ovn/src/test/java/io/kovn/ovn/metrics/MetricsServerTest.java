package io.kovn.ovn.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** /healthz and /metrics answer other clients at once while slow or silent clients hold connections open. */
class MetricsServerTest {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private HttpResponse<String> get(MetricsServer server, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void healthSaysWhatIsWrong() throws Exception {
        AtomicReference<List<String>> problems = new AtomicReference<>(List.of("pods informer: not synced"));
        try (MetricsServer server = new MetricsServer(LOOPBACK, 0, () -> "kovn_up 1\n", problems::get)) {
            HttpResponse<String> sick = get(server, "/healthz");
            assertThat(sick.statusCode()).isEqualTo(503);
            assertThat(sick.body()).isEqualTo("pods informer: not synced\n");
            problems.set(List.of());
            assertThat(get(server, "/healthz").statusCode()).isEqualTo(200);
            assertThat(get(server, "/metrics").body()).isEqualTo("kovn_up 1\n");
            assertThat(get(server, "/other").statusCode()).isEqualTo(404);
        }
    }

    @Test
    void silentAndNonReadingClientsDoNotStallOthers() throws Exception {
        String big = "x".repeat(4 << 20) + "\n"; // far more than a socket buffer holds: a client that reads nothing blocks its write
        List<Socket> slow = new ArrayList<>();
        try (MetricsServer server = new MetricsServer(LOOPBACK, 0, () -> big, List::of)) {
            assertThat(get(server, "/healthz").statusCode()).isEqualTo(200); // the HTTP client's own start-up, unmeasured
            for (int i = 0; i < 20; i++) {
                slow.add(new Socket(LOOPBACK, server.port())); // connects, sends nothing
            }
            for (int i = 0; i < 5; i++) {
                Socket s = new Socket(LOOPBACK, server.port());
                s.setReceiveBufferSize(4096);
                s.getOutputStream().write("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                slow.add(s); // asks for metrics, never reads them
            }
            Socket partial = new Socket(LOOPBACK, server.port());
            partial.getOutputStream().write("GET /hea".getBytes(StandardCharsets.US_ASCII)); // a head that never ends
            slow.add(partial);
            Thread.sleep(500);

            for (int i = 0; i < 5; i++) {
                long start = System.nanoTime();
                assertThat(get(server, "/healthz").statusCode()).isEqualTo(200);
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(500));
            }
        } finally {
            for (Socket s : slow) {
                s.close();
            }
        }
    }

    @Test
    void closesConnectionsThatOutstayTheDeadline() throws Exception {
        try (MetricsServer server = new MetricsServer(LOOPBACK, 0, () -> "", List::of);
             Socket silent = new Socket(LOOPBACK, server.port())) {
            silent.setSoTimeout((int) MetricsServer.DEADLINE.multipliedBy(3).toMillis());
            long start = System.nanoTime();
            assertThat(silent.getInputStream().read()).isEqualTo(-1);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(MetricsServer.DEADLINE.plusSeconds(2));
        }
    }

    @Test
    void listensOnlyWhereItIsBound() throws Exception {
        InetAddress other = otherLocalAddress();
        try (MetricsServer server = new MetricsServer(LOOPBACK, 0, () -> "", List::of)) {
            if (other != null) {
                try (Socket s = new Socket()) {
                    assertThat(connects(s, other, server.port())).isFalse();
                }
            }
            assertThat(get(server, "/healthz").statusCode()).isEqualTo(200);
        }
    }

    private static boolean connects(Socket s, InetAddress address, int port) {
        try {
            s.connect(new InetSocketAddress(address, port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** A non-loopback address of this host, if it has one. */
    private static InetAddress otherLocalAddress() throws IOException {
        for (var nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            for (InetAddress a : Collections.list(nif.getInetAddresses())) {
                if (!a.isLoopbackAddress() && a instanceof Inet4Address) {
                    return a;
                }
            }
        }
        return null;
    }
}
