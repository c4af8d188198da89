package io.kovn.bench.cni;

import io.kovn.node.NodeAgent;
import io.kovn.node.NodeAgentConfig;
import io.kovn.node.NodeMode;
import io.kovn.node.lab.NodeLab;
import io.kovn.node.underlay.PoolEntry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A second node agent, in underlay mode, next to the lab's overlay one: the same node namespace, OVS and bench JVM,
 * so the two modes' ADDs differ only in what the agent does (a pool entry taken from the local cache and an access
 * port with its VLAN tag, against the annotation check and the wait for ovn-installed). Its own bridge, CNI socket and
 * configuration directory; the plugin is the lab's. The pool cache is seeded as the control plane would, with
 * ovs-vsctl, large enough for every trial held at once.
 */
final class UnderlayAgent implements AutoCloseable {
    static final String BRIDGE = "br-ul";
    /** Tags 1-4094 and a /16 bound the pool; a bench never holds that many at once. */
    static final int MAX_POOL = 4000;

    private final NodeAgent agent;
    private final NodeAgentConfig config;

    private UnderlayAgent(NodeAgent agent, NodeAgentConfig config) {
        this.agent = agent;
        this.config = config;
    }

    /** Seeds a pool of {@code poolSize} entries into the lab node's OVS and starts the agent. */
    static UnderlayAgent start(NodeLab lab, int poolSize) {
        if (poolSize < 1 || poolSize > MAX_POOL) {
            throw new IllegalArgumentException("the underlay pool holds 1-" + MAX_POOL + " entries, not " + poolSize);
        }
        List<String> seed = new ArrayList<>(List.of("set", "Open_vSwitch", "."));
        for (int i = 0; i < poolSize; i++) {
            int host = i + 2;
            seed.add(String.format(Locale.ROOT, "external_ids:%sbench-%d=\"ip=10.250.%d.%d/16,gw=10.250.0.1,"
                    + "mac=fa:16:3e:00:%02x:%02x,tag=%d,used=\"", PoolEntry.KEY_PREFIX, i, host >> 8, host & 255,
                    host >> 8, host & 255, i + 1));
        }
        lab.node().vsctl(seed.toArray(String[]::new));
        Path dir = lab.node().dir().resolve("underlay");
        NodeAgentConfig config = lab.config().toBuilder().mode(NodeMode.UNDERLAY).underlayBridge(BRIDGE)
                .underlayPoolFromNode(false).cniSocket(dir.resolve("run/cni-server.sock"))
                .cniConfDir(dir.resolve("net.d")).cniPluginSource(null).build();
        NodeAgent agent = new NodeAgent(config, lab.api().client());
        agent.start();
        return new UnderlayAgent(agent, config);
    }

    /** The plugin's network configuration pointing at this agent's socket. */
    String pluginConfig(String cniVersion) {
        return "{\"cniVersion\":\"" + cniVersion + "\",\"name\":\"" + config.networkName()
                + "\",\"type\":\"kovn-cni\",\"serverSocket\":\"" + config.cniSocket() + "\"}";
    }

    @Override
    public void close() {
        agent.close();
    }
}
