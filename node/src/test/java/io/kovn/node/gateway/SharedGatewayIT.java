package io.kovn.node.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.function.Function;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * The shared mode: nics-to-bridge eth0 first, the agent with --bridge-interface breth0; host and gateway router
 * share eth0's address and MAC, and the host keeps its own traffic alongside the cluster's.
 */
class SharedGatewayIT extends GatewayTraffic {
    @Override
    String nodeName() {
        return "gw-shared";
    }

    @Override
    Function<GatewayLab, GatewaySettings> prepare() {
        return GatewayLab::sharedOnEth0;
    }

    @Test
    @Order(2)
    void theHostKeepsItsOwnTraffic() throws Exception {
        assertThat(publishedGateway().mode()).isEqualTo("shared");
        assertThat(dumpFlows()).contains("ct(commit,zone=64000)");
        Traffic.ping(lab.node.netns(), GatewayLab.EXT_IP);
        Traffic.ping(lab.ext, GatewayLab.NODE_IP);
        assertThat(Traffic.tcp(lab.ext, lab.node.netns(), GatewayLab.EXT_IP, 7000)).isEqualTo(GatewayLab.NODE_IP);
        assertThat(Traffic.tcp(lab.node.netns(), lab.ext, GatewayLab.NODE_IP, 7001)).isEqualTo(GatewayLab.EXT_IP);
    }

    @Test
    @Order(6)
    void theHostStillHasItsTrafficWhileTheClusterUsesTheNic() throws Exception {
        Traffic.ping(lab.ext, GatewayLab.NODE_IP);
        assertThat(Traffic.tcp(lab.node.netns(), lab.ext, GatewayLab.NODE_IP, 7002)).isEqualTo(GatewayLab.EXT_IP);
        assertThat(Traffic.tcp(lab.ext, pod, GatewayLab.EXT_IP, 8002)).isEqualTo(GatewayLab.NODE_IP);
    }
}
