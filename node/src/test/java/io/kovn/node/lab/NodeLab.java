package io.kovn.node.lab;

import io.kovn.node.NodeAgent;
import io.kovn.node.NodeAgentConfig;
import io.kovn.node.cni.CniInstaller;
import io.kovn.ovn.net.Ipv4Cidr;
import io.kovn.testing.Cleanup;
import io.kovn.testing.OvnDaemons;
import io.kovn.testing.OvnNode;
import io.kovn.testing.k8s.MockApiServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * One node of a cluster on this machine, for the agent's tests and the CNI benchmark: central NB/SB/northd, a
 * node namespace with its own OVS and ovn-controller, the mock API server, {@link FakeControllerForTests} and a
 * running {@link NodeAgent} whose "host" is the node namespace. The plugin is installed into a temp bin dir and
 * run from there, as a runtime would.
 */
public final class NodeLab implements AutoCloseable {
    public static final Ipv4Cidr CLUSTER = Ipv4Cidr.parse("10.244.0.0/16");
    public static final Ipv4Cidr SERVICES = Ipv4Cidr.parse("10.96.0.0/16");

    private final Path dir;
    private OvnDaemons central;
    private OvnNode node;
    private MockApiServer api;
    private FakeControllerForTests controller;
    private NodeAgent agent;
    private NodeAgentConfig config;

    private NodeLab() {
        try {
            dir = Files.createTempDirectory("kovn-lab-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts everything for node {@code name} with subnet 10.244.1.0/24; {@code tweak} may change settings. */
    public static NodeLab start(String name, Consumer<NodeAgentConfig.Builder> tweak) {
        return start(name, Ipv4Cidr.parse("10.244.1.0/24"), tweak);
    }

    /** The same with another node subnet (inside 10.244.0.0/16). */
    public static NodeLab start(String name, Ipv4Cidr subnet, Consumer<NodeAgentConfig.Builder> tweak) {
        NodeLab lab = new NodeLab();
        try {
            lab.central = OvnDaemons.builder().northd().start();
            lab.node = OvnNode.builder(name).start();
            lab.api = new MockApiServer();
            lab.controller = new FakeControllerForTests(lab.central, lab.api.client());
            lab.controller.addNode(name, "127.0.0.1", subnet);
            NodeAgentConfig.Builder b = NodeAgentConfig.builder(name)
                    .ovsdbRemote(lab.node.ovsdbRemote()).sbRemote(lab.central.sbUnix()).nbRemote(lab.central.nbUnix())
                    .encapIp("127.0.0.1").datapathType("netdev")
                    .systemIdFile(lab.dir.resolve("system-id.conf"))
                    .clusterSubnets(List.of(CLUSTER)).serviceCidrs(List.of(SERVICES))
                    .cniSocket(lab.dir.resolve("run/cni-server.sock")).cniConfDir(lab.dir.resolve("net.d"))
                    .cniBinDir(lab.dir.resolve("bin")).cniPluginSource(checkoutRoot())
                    .podAnnotationTimeout(Duration.ofSeconds(10)).ovnInstalledTimeout(Duration.ofSeconds(20))
                    .nodeSubnetTimeout(Duration.ofSeconds(30)).cleanupInterval(Duration.ZERO)
                    .hostNetns(lab.node.netns().path());
            tweak.accept(b);
            lab.config = b.build();
            lab.agent = new NodeAgent(lab.config, lab.api.client());
            lab.agent.start();
            return lab;
        } catch (RuntimeException | Error e) {
            lab.close();
            throw e;
        }
    }

    /** The kovn checkout this code runs from (the directory holding bin/kovn-cni), or kovn.home if set. */
    public static Path checkoutRoot() {
        String home = System.getProperty("kovn.home");
        if (home != null) {
            return Path.of(home);
        }
        try {
            Path p = Path.of(NodeLab.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            for (; p != null; p = p.getParent()) {
                if (Files.isRegularFile(p.resolve("bin/kovn-cni"))) {
                    return p;
                }
            }
        } catch (URISyntaxException | RuntimeException e) {
            // fall through
        }
        throw new IllegalStateException("cannot find the kovn checkout (bin/kovn-cni); set -Dkovn.home");
    }

    public OvnDaemons central() {
        return central;
    }

    public OvnNode node() {
        return node;
    }

    public MockApiServer api() {
        return api;
    }

    public FakeControllerForTests controller() {
        return controller;
    }

    public NodeAgent agent() {
        return agent;
    }

    public NodeAgentConfig config() {
        return config;
    }

    /** Stops the agent; {@link #startAgent()} starts a new one with the same settings. */
    public void stopAgent() {
        agent.close();
    }

    public void startAgent() {
        agent = new NodeAgent(config, api.client());
        agent.start();
    }

    /** The installed plugin, run like a runtime runs it. */
    public CniExec plugin() {
        return new CniExec(config.cniBinDir().resolve(CniInstaller.PLUGIN));
    }

    /** The plugin's network configuration as a runtime derives it from the installed conflist. */
    public String pluginConfig(String cniVersion) {
        return "{\"cniVersion\":\"" + cniVersion + "\",\"name\":\"" + config.networkName()
                + "\",\"type\":\"kovn-cni\",\"serverSocket\":\"" + config.cniSocket() + "\"}";
    }

    @Override
    public void close() {
        Cleanup.closeAll(agent, api, node, central);
        Cleanup.deleteTree(dir);
    }
}
