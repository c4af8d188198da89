package io.kovn.node.gateway;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.kovn.controller.ControllerConfig;
import io.kovn.controller.KovnController;
import io.kovn.node.NodeAgent;
import io.kovn.node.NodeAgentConfig;
import io.kovn.testing.k8s.MockApiServer;
import io.kovn.node.lab.NodeLab;
import io.kovn.node.host.HostCommands;
import io.kovn.node.ovs.LocalOvs;
import io.kovn.ovn.net.Ipv4Cidr;
import io.kovn.testing.Cleanup;
import io.kovn.testing.Netns;
import io.kovn.testing.OvnDaemons;
import io.kovn.testing.OvnNode;
import io.kovn.testing.Underlay;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;

/**
 * One gateway node with the real controller: central NB/SB/northd, a node namespace with its own OVS and
 * ovn-controller, the mock API, {@link KovnController}, and the {@link NodeAgent} in gateway mode. The node's
 * eth0 (10.99.0.1/24, default route via 10.99.0.2) is on an "external" network shared with namespace
 * {@link #ext} (10.99.0.2), which plays both the outside host and the next hop.
 */
final class GatewayLab implements AutoCloseable {
    static final String NODE_IP = "10.99.0.1";
    static final String EXT_IP = "10.99.0.2";

    private final Path dir;
    OvnDaemons central;
    OvnNode node;
    Underlay external;
    Netns ext;
    MockApiServer api;
    KovnController controller;
    NodeAgent agent;
    NodeAgentConfig config;

    private GatewayLab() {
        try {
            dir = Files.createTempDirectory("kovn-gwlab-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * {@code prepare} readies the node's network before the agent starts (e.g. nics-to-bridge) and returns the
     * gateway settings the agent gets.
     */
    static GatewayLab start(String name, Function<GatewayLab, GatewaySettings> prepare) {
        GatewayLab lab = new GatewayLab();
        try {
            lab.central = OvnDaemons.builder().northd().start();
            lab.node = OvnNode.builder(name).start();
            lab.external = Underlay.create();
            lab.external.attach(lab.node.netns(), "eth0");
            lab.ext = Netns.create("ext");
            lab.external.attach(lab.ext, "eth0");
            lab.node.netns().ip("route", "add", "default", "via", EXT_IP);
            GatewaySettings gateway = prepare.apply(lab);

            lab.api = new MockApiServer();
            lab.api.client().nodes().resource(new NodeBuilder().withNewMetadata().withName(name).endMetadata()
                    .withNewStatus().addNewAddress().withType("InternalIP").withAddress("127.0.0.1").endAddress().endStatus()
                    .build()).create();
            lab.controller = new KovnController(ControllerConfig.defaults(lab.central.nbUnix()), lab.api.client());
            lab.controller.start();
            lab.config = NodeAgentConfig.builder(name)
                    .ovsdbRemote(lab.node.ovsdbRemote()).sbRemote(lab.central.sbUnix()).nbRemote(lab.central.nbUnix())
                    .encapIp("127.0.0.1").datapathType("netdev").systemIdFile(lab.dir.resolve("system-id.conf"))
                    .clusterSubnets(List.of(NodeLab.CLUSTER)).serviceCidrs(List.of(NodeLab.SERVICES))
                    .cniSocket(lab.dir.resolve("run/cni-server.sock")).cniConfDir(lab.dir.resolve("net.d"))
                    .cniBinDir(lab.dir.resolve("bin")).cniPluginSource(NodeLab.checkoutRoot())
                    .podAnnotationTimeout(Duration.ofSeconds(20)).ovnInstalledTimeout(Duration.ofSeconds(20))
                    .nodeSubnetTimeout(Duration.ofSeconds(30)).cleanupInterval(Duration.ZERO)
                    .hostNetns(lab.node.netns().path()).gateway(gateway).build();
            lab.agent = new NodeAgent(lab.config, lab.api.client());
            lab.agent.start();
            return lab;
        } catch (RuntimeException | Error e) {
            lab.close();
            throw e;
        } catch (Exception e) {
            lab.close();
            throw new IllegalStateException(e);
        }
    }

    /** nics-to-bridge eth0, as an operator would run it before starting the agent with --bridge-interface breth0. */
    GatewaySettings sharedOnEth0() {
        try (LocalOvs ovs = LocalOvs.connect(node.ovsdbRemote(), Duration.ofSeconds(30))) {
            new NicBridge(ovs, new HostCommands(node.netns().path())).toBridge("eth0", "netdev");
        }
        return GatewaySettings.shared("breth0");
    }

    String nodeName() {
        return config.nodeName();
    }

    Ipv4Cidr nodeSubnet() {
        return agent.nodeSubnet();
    }

    @Override
    public void close() {
        Cleanup.closeAll(agent, controller, api, ext, external, node, central);
        Cleanup.deleteTree(dir);
    }
}
