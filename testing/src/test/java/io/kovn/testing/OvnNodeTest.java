package io.kovn.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Two nodes on an underlay, one pod each, plumbed by hand: the fixture carries pod traffic across nodes. */
@WithOvn(northd = true)
class OvnNodeTest {

    private static void plugPod(OvnNode node, Netns pod, String lsp, String mac, String ip) {
        String host = "veth-" + lsp;
        node.netns().ip("link", "add", host, "type", "veth", "peer", "name", "eth0", "netns", pod.path().toString());
        node.netns().ip("link", "set", host, "up");
        pod.ip("link", "set", "eth0", "address", mac);
        pod.ip("addr", "add", ip + "/24", "dev", "eth0");
        pod.ip("link", "set", "eth0", "up");
        pod.exec("ethtool", "-K", "eth0", "tx", "off");
        node.vsctl("add-port", "br-int", host, "--", "set", "interface", host, "external_ids:iface-id=" + lsp);
    }

    private static void awaitInstalled(OvnNode node, String lsp) {
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() -> node.vsctl("--bare",
                "--columns=external_ids", "find", "interface", "external_ids:iface-id=" + lsp).contains("ovn-installed=true"));
    }

    @Test
    void podsOnTwoNodesReachEachOtherAndEverythingIsRemovedOnClose(OvnDaemons ovn) throws Exception {
        OvnNode n1;
        OvnNode n2;
        Netns p1;
        try (Underlay underlay = Underlay.create();
             OvnNode a = OvnNode.builder("n1").underlay(underlay).sbRemote(ovn.sbUnix()).start();
             OvnNode b = OvnNode.builder("n2").underlay(underlay).sbRemote(ovn.sbUnix()).start()) {
            n1 = a;
            n2 = b;
            a.addTunnelPeer(b);
            b.addTunnelPeer(a);
            assertThat(a.encapIp()).isNotEqualTo(b.encapIp());
            ovn.nbctl("ls-add", "sw0");
            ovn.nbctl("lsp-add", "sw0", "pa", "--", "lsp-set-addresses", "pa", "0a:58:0a:f4:00:05 10.244.0.5");
            ovn.nbctl("lsp-add", "sw0", "pb", "--", "lsp-set-addresses", "pb", "0a:58:0a:f4:00:06 10.244.0.6");
            // ovn-controller creates br-int once it knows the SB
            await().atMost(Duration.ofSeconds(20)).until(() -> a.vsctl("list-br").contains("br-int")
                    && b.vsctl("list-br").contains("br-int"));
            p1 = a.createPod("pa");
            Netns p2 = b.createPod("pb");
            plugPod(a, p1, "pa", "0a:58:0a:f4:00:05", "10.244.0.5");
            plugPod(b, p2, "pb", "0a:58:0a:f4:00:06", "10.244.0.6");
            awaitInstalled(a, "pa");
            awaitInstalled(b, "pb");
            assertThat(ovn.sbctl("--bare", "--columns=hostname,name", "list", "chassis")).contains("n1", "n2");

            p1.exec("ping", "-c", "2", "-i", "0.2", "-W", "2", "10.244.0.6");
            Process server = new ProcessBuilder(p2.inside(List.of("nc", "-l", "-p", "8080"))).start();
            try {
                await().atMost(Duration.ofSeconds(10)).until(() ->
                        p2.run(List.of("ss", "-ltn")).out().contains(":8080"));
                Exec.Result r = p1.run(List.of("bash", "-c", "echo hello-over-geneve | nc -N -w 5 10.244.0.6 8080"),
                        Map.of(), Duration.ofSeconds(10));
                assertThat(r.exitCode()).as(r.stderr()).isZero();
                assertThat(server.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
                assertThat(new String(server.getInputStream().readAllBytes())).contains("hello-over-geneve");
            } finally {
                server.destroyForcibly();
            }
            assertThat(a.pids()).containsOnlyKeys("ovsdb-server", "ovs-vswitchd", "ovn-controller");
        }
        List<Long> pids = new java.util.ArrayList<>(n1.pids().values());
        assertThat(pids).isEmpty();
        assertThat(Files.exists(n1.dir())).isFalse();
        assertThat(Files.exists(n2.netns().path())).isFalse();
        assertThat(Files.exists(p1.path())).isFalse();
        assertThat(Exec.run(Duration.ofSeconds(5), "ip", "netns", "list").out()).doesNotContain(n1.netns().name());
    }
}
