package io.kovn.cli;

import io.kovn.node.MinionInit;
import io.kovn.ovn.net.Ipv4Cidr;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code kovn minion-init} (alias {@code node-init}): the original one-shot node set-up. */
@Command(name = "minion-init", aliases = "node-init", mixinStandardHelpOptions = true,
        description = "One-shot node set-up of the original guides: OVS external_ids (ovn-remote, encap, system-id, "
                + "k8s-api-*), br-int, the management port on --minion-switch-subnet with its routes, the CNI "
                + "config and plugin. The logical switch is master-init's or the controller's to create.")
final class MinionInitCommand implements Callable<Integer> {
    @Option(names = "--cluster-ip-subnet", required = true, description = "the cluster's pod network, e.g. 10.244.0.0/16")
    String clusterIpSubnet;

    @Option(names = "--minion-switch-subnet", required = true, description = "this node's subnet, e.g. 10.244.2.0/24")
    String minionSwitchSubnet;

    @Option(names = "--node-name", required = true, description = "this node's name")
    String nodeName;

    @Mixin
    NodeOptions options;

    @Override
    public Integer call() throws Exception {
        MinionInit.run(options.builder(nodeName, List.of(clusterIpSubnet)).build(), Ipv4Cidr.parse(minionSwitchSubnet));
        System.out.println("minion-init: node " + nodeName + " set up on " + minionSwitchSubnet);
        return 0;
    }
}
