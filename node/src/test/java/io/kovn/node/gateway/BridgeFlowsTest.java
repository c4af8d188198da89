package io.kovn.node.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class BridgeFlowsTest {
    /** Ports the masks match, by brute force. */
    private static boolean matches(List<String> masks, int port) {
        for (String m : masks) {
            if (!m.contains("/")) {
                if (Integer.parseInt(m) == port) {
                    return true;
                }
                continue;
            }
            int value = Integer.decode(m.substring(0, m.indexOf('/')));
            int mask = Integer.decode(m.substring(m.indexOf('/') + 1));
            if ((port & mask) == value) {
                return true;
            }
        }
        return false;
    }

    @Test
    void portMasksCoverExactlyTheRange() {
        for (int[] r : new int[][] {{30000, 32767}, {1, 65535}, {8080, 8080}, {0, 65535}, {30001, 30002}}) {
            List<String> masks = BridgeFlows.portMasks(r[0], r[1]);
            for (int p = 0; p <= 65535; p++) {
                assertThat(matches(masks, p)).as("port %d for %d-%d", p, r[0], r[1]).isEqualTo(p >= r[0] && p <= r[1]);
            }
        }
        assertThat(BridgeFlows.portMasks(30000, 32767)).hasSizeLessThan(12);
    }

    @Test
    void sharedFlowsSendHostTrafficToTheHostUntilOvnIsThere() {
        String before = BridgeFlows.shared(1, null, "10.99.0.1", List.of("10.99.0.1", "10.99.0.9"), 30000, 32767);
        assertThat(before).contains("priority=100,in_port=LOCAL,actions=output:1", "priority=1,in_port=1,actions=LOCAL",
                "priority=40,ip,in_port=1,nw_dst=10.99.0.9,actions=LOCAL", "priority=0,actions=NORMAL")
                .doesNotContain("ct(", "nw_dst=10.99.0.1,");
        String after = BridgeFlows.shared(1, 3, "10.99.0.1", List.of("10.99.0.1"), 30000, 32767);
        assertThat(after).contains("priority=100,ip,in_port=3,actions=ct(commit,zone=64000),output:1",
                "priority=50,ip,in_port=1,nw_dst=10.99.0.1,actions=ct(table=1,zone=64000)",
                "table=1,priority=100,ct_state=+est+trk,actions=output:3", "table=1,priority=0,actions=LOCAL",
                "priority=10,arp,in_port=1,actions=LOCAL,output:3",
                "priority=100,tcp,in_port=1,nw_dst=10.99.0.1,tp_dst=0x7530/0xfff0,actions=output:3");
        assertThat(BridgeFlows.shared(1, 3, "10.99.0.50", List.of("10.99.0.1"), 30000, 32767))
                .as("a gateway IP the host does not hold is OVN's alone").doesNotContain("ct(table=1")
                .contains("priority=20,ip,in_port=1,actions=output:3");
    }

    @Test
    void ipConfigLinesNameTheTargetDevice() {
        IpConfig c = new IpConfig("eth0", "0a:00:00:00:00:01", 1500,
                List.of(new IpConfig.Address("10.99.0.1/24", "10.99.0.255", "global", "", false, 4294967295L, 4294967295L),
                        new IpConfig.Address("10.99.0.9/24", null, "global", ":sec", true, 300, 200)),
                List.of(new IpConfig.Route("default via 10.99.0.2 proto static metric 100")));
        assertThat(c.addAddressesTo("breth0")).isEqualTo(
                "addr replace 10.99.0.1/24 broadcast 10.99.0.255 scope global dev breth0\n"
                + "addr replace 10.99.0.9/24 scope global label breth0:sec noprefixroute valid_lft 300 preferred_lft 200 dev breth0\n");
        assertThat(c.removeFrom("eth0")).isEqualTo("route del default via 10.99.0.2 proto static metric 100 dev eth0\n"
                + "addr del 10.99.0.9/24 dev eth0\naddr del 10.99.0.1/24 dev eth0\n");
        assertThat(c.defaultRoute().via()).isEqualTo("10.99.0.2");
    }
}
