package io.kovn.node.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.kovn.node.host.CommandException;
import io.kovn.node.host.HostCommands;
import io.kovn.node.ovs.LocalOvs;
import io.kovn.testing.Netns;
import io.kovn.testing.OvnNode;
import io.kovn.testing.Underlay;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * nics-to-bridge and back on a node namespace with its own OVS (netdev): eth0 on an "external" network with a
 * host 10.99.0.2; addresses (one secondary with a label), a default route, a static route and a route in
 * another table survive both moves, the host reaches and is reached throughout, and failures put things back.
 */
@Tag("integration")
class NicBridgeIT {
    private OvnNode node;
    private Underlay underlay;
    private Netns ext;
    private LocalOvs ovs;

    @BeforeEach
    void start() {
        node = OvnNode.builder("nicbr").start();
        underlay = Underlay.create();
        underlay.attach(node.netns(), "eth0");
        ext = Netns.create("ext");
        underlay.attach(ext, "eth0");
        Netns n = node.netns();
        n.ip("addr", "add", "10.99.0.9/24", "dev", "eth0", "label", "eth0:sec");
        n.ip("route", "add", "default", "via", "10.99.0.2", "proto", "static", "metric", "100");
        n.ip("route", "add", "192.0.2.0/24", "via", "10.99.0.3");
        n.ip("route", "add", "198.51.100.0/24", "dev", "eth0", "table", "100", "src", "10.99.0.1");
        ovs = LocalOvs.connect(node.ovsdbRemote(), Duration.ofSeconds(30));
    }

    @AfterEach
    void stop() {
        for (AutoCloseable c : new AutoCloseable[] {ovs, ext, underlay, node}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                // keep closing
            }
        }
    }

    /** The namespace's IPv4 addresses and routes (all tables), with {@code dev} written as "DEV", sorted. */
    private List<String> state(String dev) {
        String addrs = node.netns().ip("-4", "-o", "addr", "show", "dev", dev);
        String routes = node.netns().ip("-4", "route", "show", "table", "all");
        return java.util.stream.Stream.concat(
                Arrays.stream(addrs.split("\n")).map(l -> l.replaceFirst("^\\d+:\\s+", "").replaceAll("\\\\\\s+", " ")),
                Arrays.stream(routes.split("\n")).filter(l -> l.contains(" dev " + dev)))
                .map(l -> l.replace(dev, "DEV").trim()).filter(l -> !l.isEmpty()).sorted().toList();
    }

    private String sysctl(String key) {
        return node.netns().exec("sysctl", "-n", "net/ipv4/conf/eth0/" + key).out().trim();
    }

    private String mac(String dev) {
        return node.netns().ip("-br", "link", "show", "dev", dev).trim().split("\\s+")[2];
    }

    @Test
    void movesAddressesAndRoutesToTheBridgeAndBackIdempotently() throws Exception {
        List<String> before = state("eth0");
        assertThat(before).hasSize(2 + 3 + 4); // addresses, our routes, the kernel's prefix and local routes
        NicBridge bridges = new NicBridge(ovs, new HostCommands(node.netns().path()));

        NicBridge.Outcome moved = bridges.toBridge("eth0", "netdev");
        assertThat(moved.changed()).isTrue();
        assertThat(moved.bridge()).isEqualTo("breth0");
        assertThat(state("breth0")).isEqualTo(before);
        assertThat(node.netns().ip("-4", "addr", "show", "dev", "eth0")).doesNotContain("inet ");
        assertThat(node.netns().ip("-br", "link", "show", "dev", "breth0")).contains("UP");
        assertThat(mac("breth0")).isEqualTo(mac("eth0"));
        assertThat(node.vsctl("get", "bridge", "breth0", "datapath_type")).isEqualTo("netdev");
        assertThat(node.vsctl("list-ports", "breth0")).isEqualTo("eth0");
        assertThat(sysctl("rp_filter")).isEqualTo("1");
        Traffic.ping(node.netns(), "10.99.0.2");
        Traffic.ping(ext, "10.99.0.1");
        Traffic.ping(ext, "10.99.0.9");
        assertThat(Traffic.tcp(ext, node.netns(), "10.99.0.2", 7000)).isEqualTo("10.99.0.1");
        assertThat(Traffic.tcp(node.netns(), ext, "10.99.0.1", 7001)).isEqualTo("10.99.0.2");

        assertThat(bridges.toBridge("eth0", "netdev").changed()).as("a second run is a no-op").isFalse();
        assertThat(state("breth0")).isEqualTo(before);

        NicBridge.Outcome back = bridges.toNics("breth0");
        assertThat(back.changed()).isTrue();
        assertThat(back.nic()).isEqualTo("eth0");
        assertThat(state("eth0")).isEqualTo(before);
        assertThat(node.vsctl("list-br")).doesNotContain("breth0");
        await().atMost(Duration.ofSeconds(10)).until(() -> !node.netns().run(List.of("ip", "link", "show", "breth0")).ok());
        assertThat(sysctl("rp_filter")).isEqualTo("0");
        assertThat(sysctl("arp_ignore")).isEqualTo("0");
        Traffic.ping(node.netns(), "10.99.0.2");
        assertThat(Traffic.tcp(node.netns(), ext, "10.99.0.1", 7002)).isEqualTo("10.99.0.2");

        assertThat(bridges.toNics("breth0").changed()).as("a second run is a no-op").isFalse();
        assertThat(state("eth0")).isEqualTo(before);
    }

    /** Fails every {@code ip -batch} that holds a line starting with {@code prefix} and naming {@code dev}. */
    private HostCommands failingAt(String prefix, String dev) {
        return new HostCommands(node.netns().path()) {
            @Override
            public String runWithInput(String input, String... command) {
                boolean fail = Arrays.asList(command).contains("-batch") && !Arrays.asList(command).contains("-force")
                        && input.lines().anyMatch(l -> l.startsWith(prefix) && l.endsWith(" dev " + dev));
                if (fail) {
                    throw new CommandException("injected failure", 2, "injected");
                }
                return super.runWithInput(input, command);
            }
        };
    }

    @Test
    void aFailedStepOfNicsToBridgeRestoresTheNic() {
        List<String> before = state("eth0");
        NicBridge failing = new NicBridge(ovs, failingAt("route replace", "breth0"));
        assertThatThrownBy(() -> failing.toBridge("eth0", "netdev")).hasMessageContaining("previous state is restored")
                .hasMessageContaining("injected");
        assertThat(state("eth0")).isEqualTo(before);
        assertThat(node.vsctl("list-br")).doesNotContain("breth0");
        await().atMost(Duration.ofSeconds(10)).until(() -> !node.netns().run(List.of("ip", "link", "show", "breth0")).ok());
        assertThat(sysctl("rp_filter")).isEqualTo("0");
        Traffic.ping(node.netns(), "10.99.0.2");
    }

    @Test
    void aBridgeOvsCannotMakeLeavesTheNicAlone() {
        List<String> before = state("eth0");
        node.netns().ip("link", "add", "breth0", "type", "veth", "peer", "name", "squat0");
        NicBridge bridges = new NicBridge(ovs, new HostCommands(node.netns().path()));
        assertThatThrownBy(() -> bridges.toBridge("eth0", "netdev")).hasMessageContaining("creating bridge breth0");
        assertThat(state("eth0")).isEqualTo(before);
        assertThat(node.vsctl("list-br")).doesNotContain("breth0");
        Traffic.ping(node.netns(), "10.99.0.2");
    }

    @Test
    void aFailedStepOfBridgeToNicsKeepsTheBridge() {
        NicBridge bridges = new NicBridge(ovs, new HostCommands(node.netns().path()));
        List<String> before = state("eth0");
        bridges.toBridge("eth0", "netdev");
        NicBridge failing = new NicBridge(ovs, failingAt("route replace", "eth0"));
        assertThatThrownBy(() -> failing.toNics("breth0")).hasMessageContaining("previous state is restored");
        assertThat(state("breth0")).isEqualTo(before);
        assertThat(node.vsctl("list-ports", "breth0")).isEqualTo("eth0");
        Traffic.ping(node.netns(), "10.99.0.2");
        assertThat(bridges.toNics("breth0").changed()).isTrue();
        assertThat(state("eth0")).isEqualTo(before);
    }
}
