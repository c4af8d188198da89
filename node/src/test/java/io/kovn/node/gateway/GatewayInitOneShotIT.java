package io.kovn.node.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kovn.controller.ControllerOptions;
import io.kovn.controller.GatewayInit;
import io.kovn.controller.MasterInit;
import io.kovn.node.SystemId;
import io.kovn.node.kube.AgentKubernetesClient;
import io.kovn.testing.k8s.MockApiServer;
import io.kovn.node.host.HostCommands;
import io.kovn.node.ovs.LocalOvs;
import io.kovn.ovn.annotations.GatewayConfig;
import io.kovn.ovn.net.Ipv4Cidr;
import io.kovn.ovsdb.client.OvsdbClient;
import io.kovn.testing.Netns;
import io.kovn.testing.OvnDaemons;
import io.kovn.testing.OvnNode;
import io.kovn.testing.Underlay;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one-shot {@code kovn gateway-init --bridge-interface breth0 --nb-address ... --kubeconfig ...} after
 * master-init, in the steps GatewayInitCommand takes: system-id, local gateway, NB rows, Node annotations, flows
 * once OVN's patch port is there. A second run changes nothing.
 */
@Tag("integration")
class GatewayInitOneShotIT {
    private static final Ipv4Cidr CLUSTER = Ipv4Cidr.parse("10.244.0.0/16");
    private static final Ipv4Cidr JOIN = ControllerOptions.JOIN_SUBNET.defaultParsed();

    @TempDir
    Path dir;

    private record Run(int nbOperations, boolean annotated, boolean withOvn) {
    }

    private Run gatewayInit(OvnDaemons central, OvnNode node, MockApiServer api) throws Exception {
        HostCommands host = new HostCommands(node.netns().path());
        try (LocalOvs ovs = LocalOvs.connect(node.ovsdbRemote(), Duration.ofSeconds(30));
             KubernetesClient agent = AgentKubernetesClient.build(api.client().getConfiguration(),
                     AgentKubernetesClient.serialization())) {
            String chassis = SystemId.ensure(ovs, dir.resolve("system-id.conf"));
            LocalGateway gw = LocalGateway.setUp(ovs, host, "gwinit", chassis, "netdev",
                    GatewaySettings.shared("breth0").withRampoutSubnets(List.of(Ipv4Cidr.parse("10.244.9.0/24"))));
            int ops = GatewayInit.run(OvsdbClient.Options.defaults(), central.nbUnix(), "gwinit", chassis, gw.config(),
                    CLUSTER, JOIN).operations();
            boolean annotated = GatewayAnnotations.publish(agent, "gwinit", gw);
            return new Run(ops, annotated, FlowKeeper.applyOnce(ovs, host, gw, node.ovsdbRemote(), Duration.ofSeconds(20)));
        }
    }

    @Test
    void setsUpTheNodeAndTheNorthboundAndIsRepeatable() throws Exception {
        try (OvnDaemons central = OvnDaemons.builder().northd().start();
             OvnNode node = OvnNode.builder("gwinit").start();
             Underlay external = Underlay.create();
             Netns ext = Netns.create("ext");
             MockApiServer api = new MockApiServer()) {
            external.attach(node.netns(), "eth0");
            external.attach(ext, "eth0");
            node.netns().ip("route", "add", "default", "via", GatewayLab.EXT_IP);
            node.vsctl("set", "open_vswitch", ".", "external_ids:ovn-remote=\"" + central.sbUnix() + "\"",
                    "external_ids:ovn-encap-type=geneve", "external_ids:ovn-encap-ip=127.0.0.1",
                    "external_ids:ovn-bridge-datapath-type=netdev");
            try (LocalOvs ovs = LocalOvs.connect(node.ovsdbRemote(), Duration.ofSeconds(30))) {
                new NicBridge(ovs, new HostCommands(node.netns().path())).toBridge("eth0", "netdev");
            }
            MasterInit.run(OvsdbClient.Options.defaults(), central.nbUnix(), CLUSTER, Ipv4Cidr.parse("10.244.5.0/24"),
                    "gwinit", JOIN);
            api.client().nodes().resource(new NodeBuilder().withNewMetadata().withName("gwinit").endMetadata().build()).create();

            Run first = gatewayInit(central, node, api);
            assertThat(first.nbOperations()).isPositive();
            assertThat(first.annotated()).isTrue();
            assertThat(first.withOvn()).as("OVN's patch port appeared and the flows include it").isTrue();

            String systemId = java.nio.file.Files.readString(dir.resolve("system-id.conf")).trim();
            assertThat(node.vsctl("get", "open_vswitch", ".", "external_ids:system-id").replace("\"", "")).isEqualTo(systemId);
            assertThat(node.vsctl("get", "open_vswitch", ".", "external_ids:ovn-bridge-mappings")).isEqualTo("\"physnet:breth0\"");
            assertThat(central.nbctl("get", "logical_router", "GR_gwinit", "options:chassis").replace("\"", "")).isEqualTo(systemId);
            assertThat(central.nbctl("get", "logical_router_port", "rtoe-GR_gwinit", "networks")).isEqualTo("[\"10.99.0.1/24\"]");
            assertThat(central.nbctl("lr-route-list", "ovn_cluster_router")).contains("10.244.5.0/24", "10.244.9.0/24");
            Map<String, String> a = api.client().nodes().withName("gwinit").get().getMetadata().getAnnotations();
            assertThat(GatewayConfig.parse(a.get(GatewayConfig.ANNOTATION)).rampoutIpSubnets()).containsExactly("10.244.9.0/24");
            assertThat(a.get(GatewayConfig.CHASSIS_ANNOTATION)).isEqualTo(systemId);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(node.vsctl("list-ports", "breth0"))
                    .contains("patch-breth0_gwinit-to-br-int"));
            Traffic.ping(node.netns(), GatewayLab.EXT_IP);
            assertThat(Traffic.tcp(node.netns(), ext, GatewayLab.NODE_IP, 7003)).isEqualTo(GatewayLab.EXT_IP);

            Run again = gatewayInit(central, node, api);
            assertThat(again).isEqualTo(new Run(0, false, true));
        }
    }
}
