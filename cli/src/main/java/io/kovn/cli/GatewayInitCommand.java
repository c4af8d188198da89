package io.kovn.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.kovn.controller.GatewayInit;
import io.kovn.node.NodeOptions;
import io.kovn.node.SystemId;
import io.kovn.node.gateway.FlowKeeper;
import io.kovn.node.gateway.GatewayAnnotations;
import io.kovn.node.gateway.GatewayInitOptions;
import io.kovn.node.gateway.GatewaySettings;
import io.kovn.node.gateway.LocalGateway;
import io.kovn.node.host.HostCommands;
import io.kovn.node.kube.AgentKubernetesClient;
import io.kovn.node.ovs.LocalOvs;
import io.kovn.ovn.config.ConfigException;
import io.kovn.ovn.config.Configuration;
import io.kovn.ovn.config.OvsdbRemoteOptions;
import io.kovn.ovn.config.ProgramCommand;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine;

/** {@code kovn gateway-init}: the original one-shot gateway set-up, local and NB halves ({@link GatewayInitOptions}). */
final class GatewayInitCommand {
    private GatewayInitCommand() {
    }

    static CommandLine command() {
        return ProgramCommand.commandLine(GatewayInitOptions.SET, GatewayInitCommand::run);
    }

    private static int run(Configuration c) throws Exception {
        GatewaySettings settings = NodeOptions.gateway(c);
        if (settings == null) {
            throw new ConfigException("give " + NodeOptions.PHYSICAL_INTERFACE.flag() + " or "
                    + NodeOptions.BRIDGE_INTERFACE.flag());
        }
        OvsdbRemoteOptions.Connection nb = GatewayInitOptions.NB.connection(c);
        Path kubeconfig = c.get(GatewayInitOptions.KUBECONFIG);
        if (nb == null && kubeconfig == null) {
            throw new ConfigException("give " + GatewayInitOptions.NB.address().flag() + " and/or "
                    + GatewayInitOptions.KUBECONFIG.flag() + ": something must build the gateway router");
        }
        String nodeName = c.get(NodeOptions.NODE_NAME);
        String ovsdb = c.get(NodeOptions.OVSDB);
        HostCommands host = new HostCommands(c.get(NodeOptions.HOST_NETNS));
        try (LocalOvs ovs = LocalOvs.connect(ovsdb, Duration.ofSeconds(30))) {
            String chassis = SystemId.ensure(ovs, c.get(NodeOptions.SYSTEM_ID_FILE));
            LocalGateway gw = LocalGateway.setUp(ovs, host, nodeName, chassis, c.get(NodeOptions.DATAPATH_TYPE), settings);
            System.out.println("gateway-init: bridge " + gw.bridge() + " (NIC " + gw.nic() + "), physnet mapped, chassis "
                    + chassis + ", " + gw.config().ipAddress() + " next hop " + gw.config().nextHop());
            if (nb != null) {
                GatewayInit.Outcome o = GatewayInit.run(nb.clientOptions(), nb.remotes(), nodeName, chassis, gw.config(),
                        c.get(GatewayInitOptions.CLUSTER_IP_SUBNET), c.get(GatewayInitOptions.JOIN_SUBNET));
                System.out.println("gateway-init: " + (o.operations() == 0 ? "NB already in place"
                        : "wrote " + o.operations() + " NB operations") + ", join address " + o.joinAddress());
            }
            if (kubeconfig != null) {
                // the agent's client: GatewayAnnotations reads the Node as the agent's AgentNode
                KubernetesSerialization serialization = AgentKubernetesClient.serialization();
                String text = Files.readString(kubeconfig);
                try (KubernetesClient client = AgentKubernetesClient.build(
                        AgentKubernetesClient.fromKubeconfig(text, serialization), serialization)) {
                    boolean patched = GatewayAnnotations.publish(client, nodeName, gw);
                    System.out.println("gateway-init: Node annotations " + (patched ? "published" : "already current"));
                }
            }
            boolean withOvn = FlowKeeper.applyOnce(ovs, host, gw, ovsdb, c.get(GatewayInitOptions.PATCH_PORT_WAIT));
            System.out.println("gateway-init: flows on " + gw.bridge() + (withOvn ? " for the host and OVN"
                    : " for the host only: OVN's patch port did not appear (is ovn-controller running?); "
                    + "`kovn node` with the same gateway options completes them"));
        }
        return 0;
    }
}
