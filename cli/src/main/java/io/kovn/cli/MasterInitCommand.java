package io.kovn.cli;

import io.kovn.controller.ControllerConfig;
import io.kovn.controller.MasterInit;
import io.kovn.ovn.net.Ipv4Cidr;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code kovn master-init}: the original one-shot master set-up, for users following the original guides. */
@Command(name = "master-init", mixinStandardHelpOptions = true,
        description = "One-shot: create the cluster router, the join switch and the master node's logical switch "
                + "(on --master-switch-subnet) with its management port, in one NB transaction. Idempotent.")
final class MasterInitCommand implements Callable<Integer> {
    @ArgGroup(exclusive = false, multiplicity = "1", heading = "OVN Northbound database:%n")
    NbOptions nb;

    @Option(names = "--cluster-ip-subnet", required = true, description = "the cluster's pod network, e.g. 10.244.0.0/16")
    String clusterIpSubnet;

    @Option(names = "--master-switch-subnet", required = true, description = "the master node's subnet, e.g. 10.244.1.0/24")
    String masterSwitchSubnet;

    @Option(names = "--node-name", required = true, description = "the master node's name (its logical switch's name)")
    String nodeName;

    @Option(names = "--join-subnet", defaultValue = ControllerConfig.DEFAULT_JOIN_SUBNET, description = "default ${DEFAULT-VALUE}")
    String joinSubnet;

    @Override
    public Integer call() throws Exception {
        int ops = MasterInit.run(nb.clientOptions(), nb.address, Ipv4Cidr.parse(clusterIpSubnet),
                Ipv4Cidr.parse(masterSwitchSubnet), nodeName, Ipv4Cidr.parse(joinSubnet));
        System.out.println(ops == 0 ? "master-init: already in place, nothing written"
                : "master-init: wrote " + ops + " NB operations in one transaction");
        return 0;
    }
}
