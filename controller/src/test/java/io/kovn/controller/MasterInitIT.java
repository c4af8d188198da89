package io.kovn.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kovn.ovn.net.Ipv4Cidr;
import io.kovn.ovsdb.client.OvsdbClient;
import io.kovn.testing.OvnDaemons;
import io.kovn.testing.WithOvn;
import org.junit.jupiter.api.Test;

/** The original one-shot master-init: topology and the master switch, once. */
@WithOvn
class MasterInitIT {
    private final OvnDaemons ovn;

    MasterInitIT(OvnDaemons ovn) {
        this.ovn = ovn;
    }

    @Test
    void createsTheTopologyOnceAndIsIdempotent() throws Exception {
        Ipv4Cidr cluster = Ipv4Cidr.parse("192.168.0.0/16");
        Ipv4Cidr master = Ipv4Cidr.parse("192.168.1.0/24");
        Ipv4Cidr join = ControllerOptions.JOIN_SUBNET.defaultParsed();
        int written = MasterInit.run(OvsdbClient.Options.defaults(), ovn.nbUnix(), cluster, master, "kube-master", join);
        assertThat(written).isPositive();
        assertThat(ovn.nbctl("get", "logical_switch", "kube-master", "other_config:subnet")).isEqualTo("\"192.168.1.0/24\"");
        assertThat(ovn.nbctl("get", "logical_router_port", "rtos-kube-master", "networks")).isEqualTo("[\"192.168.1.1/24\"]");
        assertThat(ovn.nbctl("lsp-get-addresses", "k8s-kube-master")).isEqualTo("0a:58:c0:a8:01:02 192.168.1.2");
        assertThat(MasterInit.run(OvsdbClient.Options.defaults(), ovn.nbUnix(), cluster, master, "kube-master", join)).isZero();
        assertThatThrownBy(() -> MasterInit.run(OvsdbClient.Options.defaults(), ovn.nbUnix(), cluster,
                Ipv4Cidr.parse("10.1.1.0/24"), "x", join)).hasMessageContaining("not inside the cluster subnet");
    }
}
