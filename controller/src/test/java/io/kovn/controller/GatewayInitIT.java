package io.kovn.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kovn.ovn.annotations.GatewayConfig;
import io.kovn.ovn.net.Ipv4Cidr;
import io.kovn.ovsdb.client.OvsdbClient;
import io.kovn.testing.OvnDaemons;
import io.kovn.testing.WithOvn;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The one-shot gateway-init's NB half, after master-init, as in the original guide. */
@WithOvn
class GatewayInitIT {
    private final OvnDaemons ovn;

    GatewayInitIT(OvnDaemons ovn) {
        this.ovn = ovn;
    }

    @Test
    void buildsTheGatewayOnceAndIsIdempotent() throws Exception {
        Ipv4Cidr cluster = Ipv4Cidr.parse("192.168.0.0/16");
        Ipv4Cidr join = ControllerOptions.JOIN_SUBNET.defaultParsed();
        OvsdbClient.Options o = OvsdbClient.Options.defaults();
        assertThatThrownBy(() -> GatewayInit.run(o, ovn.nbUnix(), "kube-minion2", "chassis-2",
                new GatewayConfig("local", "breth1_kube-minion2", "0a:00:0a:21:4a:8a", List.of("10.33.74.138/24"),
                        List.of("10.33.74.253"), true, List.of()), cluster, join)).hasMessageContaining("has no logical switch yet");
        MasterInit.run(o, ovn.nbUnix(), cluster, Ipv4Cidr.parse("192.168.2.0/24"), "kube-minion2", join);
        GatewayConfig gw = new GatewayConfig("local", "breth1_kube-minion2", "0a:00:0a:21:4a:8a", List.of("10.33.74.138/24"),
                List.of("10.33.74.253"), true, List.of());
        GatewayInit.Outcome first = GatewayInit.run(o, ovn.nbUnix(), "kube-minion2", "chassis-2", gw, cluster, join);
        assertThat(first.operations()).isPositive();
        assertThat(first.joinAddress()).isEqualTo("100.64.0.3");
        assertThat(ovn.nbctl("get", "logical_router", "GR_kube-minion2", "options:chassis")).isEqualTo("chassis-2");
        assertThat(ovn.nbctl("lr-nat-list", "GR_kube-minion2")).contains("10.33.74.138").contains("192.168.0.0/16");
        assertThat(ovn.nbctl("lr-route-list", "ovn_cluster_router")).contains("192.168.2.0/24").contains("100.64.0.3");
        assertThat(GatewayInit.run(o, ovn.nbUnix(), "kube-minion2", "chassis-2", gw, cluster, join).operations()).isZero();
    }
}
