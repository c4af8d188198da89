package io.kovn.node.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.function.Function;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * The dedicated mode: eth0 holds no host address; the agent with --physical-interface eth0 --physical-ip
 * 10.99.0.1/24 --default-gw 10.99.0.2 makes breth0 a wire between eth0 and OVN.
 */
class DedicatedGatewayIT extends GatewayTraffic {
    @Override
    String nodeName() {
        return "gw-dedicated";
    }

    @Override
    Function<GatewayLab, GatewaySettings> prepare() {
        return lab -> {
            lab.node.netns().ip("addr", "flush", "dev", "eth0");
            return GatewaySettings.dedicated("eth0", GatewayLab.NODE_IP + "/24", GatewayLab.EXT_IP);
        };
    }

    @Test
    @Order(2)
    void theBridgeIsAWireBetweenTheNicAndOvn() {
        assertThat(publishedGateway().mode()).isEqualTo("dedicated");
        assertThat(lab.node.vsctl("list-ports", "breth0")).contains("eth0");
        String nic = ofport("eth0");
        String patch = ofport(patchPort());
        assertThat(dumpFlows()).contains("in_port=LOCAL actions=drop", "in_port=" + nic + " actions=output:" + patch,
                "in_port=" + patch + " actions=output:" + nic);
        assertThat(lab.node.netns().exec("sysctl", "-n", "net/ipv4/conf/eth0/rp_filter").out().trim()).isEqualTo("1");
    }
}
