package io.kovn.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kovn.node.cni.CniInstaller;
import io.kovn.ovn.net.Ipv4Cidr;
import io.kovn.testing.OvnNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one-shot minion-init on a node with its own OVS, without Kubernetes. */
@Tag("integration")
class MinionInitIT {
    @TempDir
    Path dir;

    @Test
    void setsUpTheNodeFromTheOriginalFlagsAndIsRepeatable() throws Exception {
        try (OvnNode node = OvnNode.builder("minion1").start()) {
            NodeAgentConfig cfg = NodeAgentConfig.builder("minion1").ovsdbRemote(node.ovsdbRemote())
                    .sbRemote("tcp:192.0.2.1:6642").nbRemote("tcp:192.0.2.1:6641").encapIp("192.0.2.10")
                    .datapathType("netdev").systemIdFile(dir.resolve("system-id.conf"))
                    .clusterSubnets(List.of(Ipv4Cidr.parse("10.244.0.0/16")))
                    .apiServer("192.0.2.1:8080").apiToken("t0ken").cniConfDir(dir.resolve("net.d"))
                    .cniSocket(dir.resolve("cni.sock")).hostNetns(node.netns().path()).build();
            MinionInit.run(cfg, Ipv4Cidr.parse("10.244.2.0/24"));

            String ids = node.vsctl("get", "open_vswitch", ".", "external_ids");
            assertThat(ids).contains("ovn-remote=\"tcp:192.0.2.1:6642\"", "ovn-nb=\"tcp:192.0.2.1:6641\"",
                    "ovn-encap-ip=\"192.0.2.10\"", "ovn-encap-type=geneve", "ovn-bridge-datapath-type=netdev",
                    "k8s-api-server=\"192.0.2.1:8080\"", "k8s-api-token=t0ken",
                    "system-id=\"" + Files.readString(dir.resolve("system-id.conf")).trim() + "\"");
            assertThat(node.vsctl("get", "bridge", "br-int", "datapath_type")).isEqualTo("netdev");
            assertThat(node.netns().ip("-o", "-4", "addr", "show", "dev", "ovn-k8s-mp0")).contains("10.244.2.2/24");
            assertThat(node.netns().ip("route")).contains("10.244.0.0/16 via 10.244.2.1 dev ovn-k8s-mp0");
            assertThat(node.vsctl("get", "interface", "ovn-k8s-mp0", "mac_in_use")).contains("0a:58:0a:f4:02:02");
            assertThat(Files.readString(dir.resolve("net.d").resolve(CniInstaller.CONFLIST))).contains("kovn-cni");

            // again, without the API flags: what OVSDB holds stays, the system-id too
            String systemId = Files.readString(dir.resolve("system-id.conf"));
            MinionInit.run(cfg.toBuilder().apiServer(null).apiToken(null).build(), Ipv4Cidr.parse("10.244.2.0/24"));
            assertThat(node.vsctl("get", "open_vswitch", ".", "external_ids"))
                    .contains("k8s-api-server=\"192.0.2.1:8080\"", "k8s-api-token=t0ken");
            assertThat(Files.readString(dir.resolve("system-id.conf"))).isEqualTo(systemId);
            assertThat(node.vsctl("list-ifaces", "br-int").lines().filter(l -> l.equals("ovn-k8s-mp0"))).hasSize(1);

            assertThatThrownBy(() -> MinionInit.run(cfg, Ipv4Cidr.parse("10.245.0.0/24")))
                    .hasMessageContaining("not inside the cluster subnet");
        }
    }
}
