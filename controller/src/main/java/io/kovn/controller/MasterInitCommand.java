package io.kovn.controller;

import io.kovn.ovn.config.Configuration;
import io.kovn.ovn.config.Option;
import io.kovn.ovn.config.OptionSet;
import io.kovn.ovn.config.OvsdbRemoteOptions;
import io.kovn.ovn.config.ProgramCommand;
import io.kovn.ovn.net.Ipv4Cidr;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;

/** {@code kovn master-init}: its options and what it runs ({@link MasterInit}). */
public final class MasterInitCommand {
    public static final Option<Ipv4Cidr> CLUSTER_IP_SUBNET = Option.cidr("cluster-ip-subnet",
            "the cluster's pod network, e.g. 10.244.0.0/16").required();
    public static final Option<Ipv4Cidr> MASTER_SWITCH_SUBNET = Option.cidr("master-switch-subnet",
            "the master node's subnet, e.g. 10.244.1.0/24").required();
    public static final Option<String> NODE_NAME = Option.string("node-name",
            "the master node's name (its logical switch's name)").required();

    public static final OptionSet SET = OptionSet.of("master-init",
            "One-shot: create the cluster router, the join switch and the master node's logical switch (on "
                    + "--master-switch-subnet) with its management port, in one NB transaction. Idempotent.",
            all());

    private MasterInitCommand() {
    }

    private static List<Option<?>> all() {
        List<Option<?>> all = new ArrayList<>(ControllerOptions.NB.all());
        all.addAll(List.of(CLUSTER_IP_SUBNET, MASTER_SWITCH_SUBNET, NODE_NAME, ControllerOptions.JOIN_SUBNET));
        return all;
    }

    public static CommandLine command() {
        return ProgramCommand.commandLine(SET, MasterInitCommand::run);
    }

    private static int run(Configuration c) throws Exception {
        OvsdbRemoteOptions.Connection nb = ControllerOptions.NB.connection(c);
        int ops = MasterInit.run(nb.clientOptions(), nb.remotes(), c.get(CLUSTER_IP_SUBNET), c.get(MASTER_SWITCH_SUBNET),
                c.get(NODE_NAME), c.get(ControllerOptions.JOIN_SUBNET));
        System.out.println(ops == 0 ? "master-init: already in place, nothing written"
                : "master-init: wrote " + ops + " NB operations in one transaction");
        return 0;
    }
}
