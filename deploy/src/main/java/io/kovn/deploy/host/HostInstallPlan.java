package io.kovn.deploy.host;

import io.kovn.controller.ControllerOptions;
import io.kovn.node.NodeOptions;
import io.kovn.ovn.config.ConfigException;
import io.kovn.ovn.config.ConfigFile;
import io.kovn.ovn.config.Configuration;
import io.kovn.ovn.config.Option;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The steps of {@code kovn install-host} for one role, in order. A master gets Debian's ovn-central (NB, SB,
 * ovn-northd) listening on TCP, as the original guides' {@code set-connection} steps do, and the controller's
 * unit; a node gets openvswitch-switch and ovn-host (ovn-controller) and the agent's unit: the agent itself sets
 * the guides' Open_vSwitch external_ids (ovn-remote, ovn-nb, ovn-encap-*) from its config and installs the CNI
 * plugin and config, so no minion-init is needed; a gateway's agent also sets up the gateway (what gateway-init did,
 * kept up to date). Steps that change the host are plain commands, so {@code --dry-run} shows exactly what runs.
 */
public final class HostInstallPlan {
    private HostInstallPlan() {
    }

    /** The plan for a resolved {@link HostInstallOptions#SET}; {@code defaultHome} when --kovn-home is not given. */
    public static List<HostStep> of(Configuration c, Path defaultHome) {
        Path home = c.get(HostInstallOptions.KOVN_HOME) != null ? c.get(HostInstallOptions.KOVN_HOME) : defaultHome;
        if (home == null) {
            throw new ConfigException("give " + HostInstallOptions.KOVN_HOME.flag() + ": where kovn is installed");
        }
        Path kovn = home.resolve("bin").resolve("kovn");
        Path configDir = c.get(HostInstallOptions.CONFIG_DIR);
        Path unitDir = c.get(HostInstallOptions.UNIT_DIR);
        String central = c.get(HostInstallOptions.CENTRAL_IP);
        List<HostStep> steps = new ArrayList<>();
        String role = c.get(HostInstallOptions.ROLE);
        if (role.equals("master")) {
            if (c.given(NodeOptions.PHYSICAL_INTERFACE) || c.given(NodeOptions.BRIDGE_INTERFACE)) {
                throw new ConfigException("the gateway options belong to --role gateway");
            }
            Path config = configDir.resolve("controller.yaml");
            Map<Option<?>, String> v = new LinkedHashMap<>();
            v.put(ControllerOptions.KUBECONFIG, c.get(HostInstallOptions.KUBECONFIG).toString());
            v.put(ControllerOptions.NB.address(), "tcp:" + central + ":6641");
            v.put(ControllerOptions.CLUSTER_SUBNET, c.get(ControllerOptions.CLUSTER_SUBNET).toString());
            v.put(ControllerOptions.SERVICE_CIDR, c.get(ControllerOptions.SERVICE_CIDR).toString());
            steps.add(new HostStep.WriteFile(config.toString(), ConfigFile.text(ControllerOptions.SET, v), 0600));
            steps.add(new HostStep.WriteFile(unitDir.resolve(SystemdUnits.CONTROLLER).toString(),
                    SystemdUnits.controller(kovn, config), 0644));
            steps.add(run("systemctl", "enable", "--now", "ovn-central.service"));
            steps.add(run("ovn-nbctl", "--timeout=30", "set-connection", "ptcp:6641:" + central));
            steps.add(run("ovn-sbctl", "--timeout=30", "set-connection", "ptcp:6642:" + central));
            steps.add(run("systemctl", "daemon-reload"));
            steps.add(run("systemctl", "enable", "--now", SystemdUnits.CONTROLLER));
            return steps;
        }
        String node = c.get(HostInstallOptions.NODE_NAME);
        if (node == null) {
            throw new ConfigException("--role " + role + " needs " + HostInstallOptions.NODE_NAME.flag());
        }
        if (role.equals("gateway") && NodeOptions.gateway(c) == null) {
            throw new ConfigException("--role gateway needs " + NodeOptions.PHYSICAL_INTERFACE.flag() + " or "
                    + NodeOptions.BRIDGE_INTERFACE.flag());
        }
        if (role.equals("node") && (c.given(NodeOptions.PHYSICAL_INTERFACE) || c.given(NodeOptions.BRIDGE_INTERFACE))) {
            throw new ConfigException("the gateway options belong to --role gateway");
        }
        Path config = configDir.resolve("node.yaml");
        Map<Option<?>, String> v = new LinkedHashMap<>();
        v.put(NodeOptions.NODE_NAME, node);
        v.put(NodeOptions.KUBECONFIG, c.get(HostInstallOptions.KUBECONFIG).toString());
        v.put(NodeOptions.SB_ADDRESS, "tcp:" + central + ":6642");
        v.put(NodeOptions.NB_ADDRESS, "tcp:" + central + ":6641");
        v.put(NodeOptions.ENCAP_TYPE, c.get(NodeOptions.ENCAP_TYPE));
        if (c.get(NodeOptions.ENCAP_IP) != null) {
            v.put(NodeOptions.ENCAP_IP, c.get(NodeOptions.ENCAP_IP));
        }
        v.put(NodeOptions.CLUSTER_SUBNET, c.get(ControllerOptions.CLUSTER_SUBNET).toString());
        v.put(NodeOptions.SERVICE_CIDR, c.get(ControllerOptions.SERVICE_CIDR).toString());
        v.put(NodeOptions.MTU, c.get(NodeOptions.MTU).toString());
        v.put(NodeOptions.CNI_PLUGIN_SOURCE, home.toString());
        for (Option<?> o : NodeOptions.GATEWAY) {
            if (c.given(o)) {
                v.put(o, c.raw(o));
            }
        }
        steps.add(new HostStep.WriteFile(config.toString(), ConfigFile.text(NodeOptions.SET, v), 0600));
        steps.add(new HostStep.WriteFile(unitDir.resolve(SystemdUnits.NODE).toString(),
                SystemdUnits.node(kovn, config), 0644));
        steps.add(run("systemctl", "enable", "--now", "openvswitch-switch.service", "ovn-host.service"));
        steps.add(run("systemctl", "daemon-reload"));
        steps.add(run("systemctl", "enable", "--now", SystemdUnits.NODE));
        return steps;
    }

    private static HostStep run(String... argv) {
        return new HostStep.Run(List.of(argv));
    }
}
