package io.kovn.deploy.host;

import io.kovn.controller.ControllerOptions;
import io.kovn.node.NodeOptions;
import io.kovn.ovn.config.Configuration;
import io.kovn.ovn.config.Option;
import io.kovn.ovn.config.OptionSet;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The options of {@code kovn install-host}. The networks, tunnel and gateway settings are the controller's and
 * the node agent's own options, written into their config files as given.
 */
public final class HostInstallOptions {
    public static final Option<String> ROLE = Option.choice("role", List.of("master", "node", "gateway"),
            "master: OVN databases, northd and the controller; node: OVS, ovn-controller and the node agent; "
                    + "gateway: a node whose agent is also the gateway (--physical-interface or --bridge-interface)")
            .required();
    public static final Option<String> NODE_NAME = Option.string("node-name",
            "the Kubernetes Node this host is (as kubelet names it); node and gateway roles");
    public static final Option<String> CENTRAL_IP = Option.of("central-ip", "IP", HostInstallOptions::ipv4,
            "address of the master's OVN databases (NB :6641, SB :6642)").defaultValue("127.0.0.1");
    public static final Option<Path> KUBECONFIG = Option.path("kubeconfig",
            "kubeconfig the controller or agent uses (its user needs the ClusterRole of deploy/manifests)")
            .required();
    public static final Option<Path> KOVN_HOME = Option.path("kovn-home",
            "the kovn installation the units run (bin/kovn)").defaultHelp("the installation this kovn runs from");
    public static final Option<Path> CONFIG_DIR = Option.path("config-dir", "where the config files go")
            .defaultValue("/etc/kovn");
    public static final Option<Path> UNIT_DIR = Option.path("unit-dir", "where the systemd units go")
            .defaultValue("/etc/systemd/system");
    public static final Option<Boolean> DRY_RUN = Option.bool("dry-run",
            "print every step (files with their content, commands) and change nothing").defaultValue("false");

    public static final OptionSet SET = OptionSet.of("install-host",
            "Install kovn on this host without Kubernetes-managed pods: the config file and systemd unit of the "
                    + "controller (master) or the node agent (node, gateway), and the original guides' init steps "
                    + "(OVN databases listening on TCP, Debian's ovn-central / openvswitch-switch / ovn-host started).",
            all());

    private HostInstallOptions() {
    }

    private static List<Option<?>> all() {
        List<Option<?>> all = new ArrayList<>(List.of(ROLE, NODE_NAME, CENTRAL_IP, KUBECONFIG,
                ControllerOptions.CLUSTER_SUBNET, ControllerOptions.SERVICE_CIDR, NodeOptions.ENCAP_TYPE,
                NodeOptions.ENCAP_IP, NodeOptions.MTU));
        all.addAll(NodeOptions.GATEWAY);
        all.addAll(List.of(KOVN_HOME, CONFIG_DIR, UNIT_DIR, DRY_RUN));
        return all;
    }

    private static String ipv4(String s) {
        String v = s.trim();
        if (!v.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
            throw new IllegalArgumentException("an IPv4 address such as 10.0.0.1");
        }
        return v;
    }
}
