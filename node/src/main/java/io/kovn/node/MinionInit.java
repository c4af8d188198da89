package io.kovn.node;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.kovn.node.cni.CniInstaller;
import io.kovn.node.host.HostCommands;
import io.kovn.node.kube.NodeWatcher;
import io.kovn.node.ovs.LocalOvs;
import io.kovn.ovn.net.Ipv4Cidr;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code kovn minion-init} (alias node-init), the one-shot of the original guides: {@code --cluster-ip-subnet}
 * is {@link NodeAgentConfig#clusterSubnets()}, {@code --minion-switch-subnet} the subnet given here (instead of
 * waiting for the Node's annotation), {@code --node-name} the node. It sets the Open_vSwitch external_ids,
 * creates br-int and the management port with its routes, and installs the CNI config and plugin; the logical
 * switch, router port and management logical port are the controller's (or master-init's) to create, and pods
 * are served once {@code kovn node} runs.
 */
public final class MinionInit {
    private static final Logger log = LoggerFactory.getLogger(MinionInit.class);

    private MinionInit() {
    }

    public static void run(NodeAgentConfig cfg, Ipv4Cidr minionSwitchSubnet) {
        if (cfg.clusterSubnets().stream().noneMatch(c -> c.contains(minionSwitchSubnet))) {
            throw new IllegalArgumentException("minion switch subnet " + minionSwitchSubnet
                    + " is not inside the cluster subnet " + cfg.clusterSubnets());
        }
        try (LocalOvs ovs = LocalOvs.connect(cfg.ovsdbRemote(), Duration.ofSeconds(30))) {
            String encapIp = cfg.encapIp() != null ? cfg.encapIp() : encapIpFromNode(cfg, ovs);
            OvsSettings.apply(ovs, cfg, encapIp);
            ManagementPort.ensure(ovs, new HostCommands(cfg.hostNetns()), cfg, minionSwitchSubnet);
        }
        if (cfg.cniPluginSource() != null) {
            CniInstaller.installPlugin(cfg.cniPluginSource(), cfg.cniBinDir());
        }
        CniInstaller.installConfig(cfg.cniConfDir(), cfg.networkName(), cfg.cniSocket());
        log.info("minion {} initialised: switch subnet {}, cluster subnets {}", cfg.nodeName(), minionSwitchSubnet,
                cfg.clusterSubnets());
    }

    /** Without an encap IP flag, the Node's InternalIP, if the API server is known (flags or OVSDB). */
    private static String encapIpFromNode(NodeAgentConfig cfg, LocalOvs ovs) {
        KubernetesSettings k8s = KubernetesSettings.resolve(cfg, ovs.externalIds());
        if (cfg.kubeconfig() == null && k8s.apiServer() == null) {
            throw new IllegalArgumentException("no encap IP: give one, or the API server (k8s-api-server) so that"
                    + " the Node's InternalIP can be read");
        }
        try (KubernetesClient client = k8s.newClient(cfg)) {
            return NodeWatcher.internalIp(new NodeWatcher(client, cfg.nodeName()).awaitNode(Duration.ofSeconds(30)))
                    .orElseThrow(() -> new IllegalArgumentException("Node " + cfg.nodeName()
                            + " has no IPv4 InternalIP; give the encap IP"));
        }
    }
}
