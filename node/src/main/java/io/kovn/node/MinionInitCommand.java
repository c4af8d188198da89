package io.kovn.node;

import io.kovn.ovn.config.Configuration;
import io.kovn.ovn.config.Option;
import io.kovn.ovn.config.OptionSet;
import io.kovn.ovn.config.ProgramCommand;
import io.kovn.ovn.net.Ipv4Cidr;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;

/** {@code kovn minion-init} (alias {@code node-init}): its options and what it runs ({@link MinionInit}). */
public final class MinionInitCommand {
    public static final Option<List<Ipv4Cidr>> CLUSTER_IP_SUBNET = Option.cidrs("cluster-ip-subnet",
            "the cluster's pod network, e.g. 10.244.0.0/16").required();
    public static final Option<Ipv4Cidr> MINION_SWITCH_SUBNET = Option.cidr("minion-switch-subnet",
            "this node's subnet, e.g. 10.244.2.0/24").required();

    public static final OptionSet SET = OptionSet.of("minion-init",
            "One-shot node set-up of the original guides: OVS external_ids (ovn-remote, encap, system-id, k8s-api-*), "
                    + "br-int, the management port on --minion-switch-subnet with its routes, the CNI config and "
                    + "plugin. The logical switch is master-init's or the controller's to create.",
            all());

    private MinionInitCommand() {
    }

    private static List<Option<?>> all() {
        List<Option<?>> all = new ArrayList<>(List.of(CLUSTER_IP_SUBNET, MINION_SWITCH_SUBNET, NodeOptions.NODE_NAME));
        all.addAll(NodeOptions.NODE_SETUP);
        return all;
    }

    public static CommandLine command() {
        CommandLine cl = ProgramCommand.commandLine(SET, System.getenv(), NodeMain.resolver(SET), MinionInitCommand::run);
        cl.getCommandSpec().aliases("node-init");
        return cl;
    }

    private static int run(Configuration c) {
        NodeAgentConfig cfg = NodeOptions.config(c).toBuilder().clusterSubnets(c.get(CLUSTER_IP_SUBNET)).build();
        MinionInit.run(cfg, c.get(MINION_SWITCH_SUBNET));
        System.out.println("minion-init: node " + cfg.nodeName() + " set up on " + c.get(MINION_SWITCH_SUBNET));
        return 0;
    }
}
