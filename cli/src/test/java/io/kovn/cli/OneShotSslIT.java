package io.kovn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.kovn.node.gateway.NicBridge;
import io.kovn.node.host.HostCommands;
import io.kovn.node.ovs.LocalOvs;
import io.kovn.testing.Netns;
import io.kovn.testing.OvnDaemons;
import io.kovn.testing.OvnNode;
import io.kovn.testing.Underlay;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The original guides' one-shot commands, run as a user runs them ({@code kovn master-init}, {@code kovn
 * minion-init}, {@code kovn gateway-init}) against an NB that only listens on ssl: with mutual TLS.
 */
@Tag("integration")
class OneShotSslIT {
    @TempDir
    Path dir;

    @Test
    void masterMinionAndGatewayInitWorkWithAnSslNorthbound() {
        try (OvnDaemons central = OvnDaemons.builder().northd().ssl().start();
             OvnNode node = OvnNode.builder("gwssl").start();
             Underlay external = Underlay.create();
             Netns ext = Netns.create("ext")) {
            external.attach(node.netns(), "eth0");
            external.attach(ext, "eth0");
            String extIp = "10.99.0.2";
            node.netns().ip("route", "add", "default", "via", extIp);
            try (LocalOvs ovs = LocalOvs.connect(node.ovsdbRemote(), Duration.ofSeconds(30))) {
                new NicBridge(ovs, new HostCommands(node.netns().path())).toBridge("eth0", "netdev");
            }
            OvnDaemons.Pki pki = central.pki();
            List<String> tls = List.of("--nb-private-key", pki.clientKey().toString(),
                    "--nb-certificate", pki.clientCert().toString(), "--nb-ca-cert", pki.caCert().toString());

            assertThat(kovn(List.of("master-init", "--nb-address", central.nbSsl(), "--cluster-ip-subnet",
                    "10.244.0.0/16", "--master-switch-subnet", "10.244.5.0/24", "--node-name", "gwssl"), tls)).isZero();
            assertThat(central.nbctl("get", "logical_switch", "gwssl", "other_config:subnet")).contains("10.244.5.0/24");

            // minion-init stores the NB remote for tools on the node; it opens no NB connection itself
            assertThat(kovn(List.of("minion-init", "--cluster-ip-subnet", "10.244.0.0/16", "--minion-switch-subnet",
                    "10.244.5.0/24", "--node-name", "gwssl", "--ovsdb", node.ovsdbRemote(), "--sb-address",
                    central.sbUnix(), "--nb-address", central.nbSsl(), "--encap-ip", "127.0.0.1", "--datapath-type",
                    "netdev", "--system-id-file", dir.resolve("system-id.conf").toString(), "--host-netns",
                    node.netns().path().toString(), "--cni-conf-dir", dir.resolve("net.d").toString(), "--cni-socket",
                    dir.resolve("cni.sock").toString(), "--no-install-plugin"), List.of())).isZero();
            assertThat(node.vsctl("get", "open_vswitch", ".", "external_ids:ovn-nb")).contains(central.nbSsl());

            assertThat(kovn(List.of("gateway-init", "--cluster-ip-subnet", "10.244.0.0/16", "--node-name", "gwssl",
                    "--bridge-interface", "breth0", "--nb-address", central.nbSsl(), "--ovsdb", node.ovsdbRemote(),
                    "--datapath-type", "netdev", "--system-id-file", dir.resolve("system-id.conf").toString(),
                    "--host-netns", node.netns().path().toString(), "--patch-port-wait", "20s"), tls)).isZero();
            String chassis = node.vsctl("get", "open_vswitch", ".", "external_ids:system-id").replace("\"", "");
            assertThat(central.nbctl("get", "logical_router", "GR_gwssl", "options:chassis")).contains(chassis);
            assertThat(central.nbctl("get", "logical_router_port", "rtoe-GR_gwssl", "networks"))
                    .isEqualTo("[\"10.99.0.1/24\"]");
        }
    }

    @Test
    void anSslRemoteWithoutItsFilesIsRefusedAtStart() {
        assertThat(kovn(List.of("master-init", "--nb-address", "ssl:127.0.0.1:1", "--cluster-ip-subnet",
                "10.244.0.0/16", "--master-switch-subnet", "10.244.5.0/24", "--node-name", "n"), List.of()))
                .isEqualTo(2);
    }

    private static int kovn(List<String> args, List<String> more) {
        List<String> all = new ArrayList<>(args);
        all.addAll(more);
        return Main.commandLine().execute(all.toArray(String[]::new));
    }
}
