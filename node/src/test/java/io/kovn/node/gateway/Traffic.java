package io.kovn.node.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.kovn.testing.Exec;
import io.kovn.testing.Netns;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Packets between test namespaces: ping without duplicates, and a TCP line whose arrival names its source. */
final class Traffic {
    private Traffic() {
    }

    static void ping(Netns from, String ip) {
        Exec.Result r = from.run(List.of("ping", "-c", "3", "-i", "0.2", "-W", "2", ip), Map.of(), Duration.ofSeconds(15));
        assertThat(r.exitCode()).as("ping %s from %s: %s", ip, from, r.out()).isZero();
        assertThat(r.out()).as("each echo answered once").doesNotContain("DUP");
    }

    /**
     * Sends a line from {@code client} to a listener on {@code ip:port} in {@code server}; returns the address
     * the listener saw it come from.
     */
    static String tcp(Netns server, Netns client, String ip, int port) throws Exception {
        return tcp(server, port, client, ip, port);
    }

    /** The same through a translation: the listener is on {@code listenPort}, the client sends to {@code ip:port}. */
    static String tcp(Netns server, int listenPort, Netns client, String ip, int port) throws Exception {
        Process listener = new ProcessBuilder(server.inside(List.of("nc", "-n", "-v", "-l", "-p", Integer.toString(listenPort))))
                .start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!server.run(List.of("ss", "-ltn")).out().contains(":" + listenPort + " ")) {
                assertThat(System.nanoTime()).as("listener up").isLessThan(deadline);
                Thread.sleep(20);
            }
            Exec.Result r = client.run(List.of("bash", "-c", "echo kovn-tcp | nc -N -w 5 " + ip + " " + port),
                    Map.of(), Duration.ofSeconds(10));
            assertThat(r.exitCode()).as("nc to %s:%d: %s", ip, port, r.stderr()).isZero();
            assertThat(listener.waitFor(10, TimeUnit.SECONDS)).as("listener done").isTrue();
            assertThat(new String(listener.getInputStream().readAllBytes())).contains("kovn-tcp");
            // OpenBSD nc: "Connection received on 10.99.0.1 45678"
            String log = new String(listener.getErrorStream().readAllBytes());
            assertThat(log).contains("received on ");
            return log.substring(log.indexOf("received on ") + "received on ".length()).trim().split("\\s+")[0];
        } finally {
            listener.destroyForcibly();
        }
    }
}
