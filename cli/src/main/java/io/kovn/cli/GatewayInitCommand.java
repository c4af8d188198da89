package io.kovn.cli;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.kovn.controller.ControllerConfig;
import io.kovn.controller.GatewayInit;
import io.kovn.node.SystemId;
import io.kovn.node.gateway.FlowKeeper;
import io.kovn.node.gateway.GatewayAnnotations;
import io.kovn.node.gateway.GatewaySettings;
import io.kovn.node.gateway.LocalGateway;
import io.kovn.node.host.HostCommands;
import io.kovn.node.ovs.LocalOvs;
import io.kovn.ovn.net.Ipv4Cidr;
import io.kovn.ovsdb.client.OvsdbClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code kovn gateway-init}: the original one-shot gateway set-up, local and NB halves. */
@Command(name = "gateway-init", mixinStandardHelpOptions = true,
        description = "One-shot gateway set-up of the original guides. On the node: the bridge (dedicated "
                + "--physical-interface, or the shared --bridge-interface from nics-to-bridge), "
                + "ovn-bridge-mappings=physnet:<bridge> and the bridge's flows. With --nb-address: the gateway router "
                + "GR_<node>, join and external switches, SNAT and routes in NB. With --kubeconfig: the Node's "
                + "gateway annotations, so a running controller builds the same. `kovn node` with the same gateway "
                + "flags keeps the bridge's flows afterwards.")
final class GatewayInitCommand implements Callable<Integer> {
    @Option(names = "--cluster-ip-subnet", required = true, description = "the cluster's pod network, e.g. 10.244.0.0/16")
    String clusterIpSubnet;

    @Option(names = "--node-name", required = true, description = "this node's name")
    String nodeName;

    @Mixin
    GatewayOptions gateway;

    @Option(names = "--nb-address", description = "OVN Northbound: write the gateway's NB rows")
    String nbAddress;

    @Option(names = "--kubeconfig", description = "publish the Node's gateway annotations through this kubeconfig")
    Path kubeconfig;

    @Option(names = "--join-subnet", defaultValue = ControllerConfig.DEFAULT_JOIN_SUBNET, description = "default ${DEFAULT-VALUE}")
    String joinSubnet;

    @Option(names = "--ovsdb", defaultValue = "unix:/var/run/openvswitch/db.sock",
            description = "the local Open_vSwitch database (default ${DEFAULT-VALUE})")
    String ovsdb;

    @Option(names = "--datapath-type", defaultValue = "system", description = "system or netdev, for a new bridge (default ${DEFAULT-VALUE})")
    String datapathType;

    @Option(names = "--system-id-file", defaultValue = "/etc/openvswitch/system-id.conf",
            description = "where the stable system-id (the chassis) is kept (default ${DEFAULT-VALUE})")
    Path systemIdFile;

    @Option(names = "--patch-port-wait", defaultValue = "15", description = "seconds to wait for OVN's patch port before "
            + "the bridge's flows are installed (default ${DEFAULT-VALUE})")
    int patchPortWait;

    @Spec
    CommandSpec spec;

    @Option(names = "--host-netns", hidden = true, description = "run ip and sysctl in this network namespace (sandbox)")
    Path hostNetns;

    @Override
    public Integer call() throws Exception {
        GatewaySettings settings = gateway.settings(spec.commandLine());
        if (settings == null) {
            throw new ParameterException(spec.commandLine(), "give --physical-interface or --bridge-interface");
        }
        if (nbAddress == null && kubeconfig == null) {
            throw new ParameterException(spec.commandLine(),
                    "give --nb-address and/or --kubeconfig: something must build the gateway router");
        }
        HostCommands host = new HostCommands(hostNetns);
        try (LocalOvs ovs = LocalOvs.connect(ovsdb, Duration.ofSeconds(30))) {
            String chassis = SystemId.ensure(ovs, systemIdFile);
            LocalGateway gw = LocalGateway.setUp(ovs, host, nodeName, chassis, datapathType, settings);
            System.out.println("gateway-init: bridge " + gw.bridge() + " (NIC " + gw.nic() + "), physnet mapped, chassis "
                    + chassis + ", " + gw.config().ipAddress() + " next hop " + gw.config().nextHop());
            if (nbAddress != null) {
                GatewayInit.Outcome o = GatewayInit.run(OvsdbClient.Options.defaults(), nbAddress, nodeName, chassis,
                        gw.config(), Ipv4Cidr.parse(clusterIpSubnet), Ipv4Cidr.parse(joinSubnet));
                System.out.println("gateway-init: " + (o.operations() == 0 ? "NB already in place"
                        : "wrote " + o.operations() + " NB operations") + ", join address " + o.joinAddress());
            }
            if (kubeconfig != null) {
                try (KubernetesClient client = new KubernetesClientBuilder()
                        .withConfig(Config.fromKubeconfig(Files.readString(kubeconfig))).build()) {
                    boolean patched = GatewayAnnotations.publish(client, nodeName, gw);
                    System.out.println("gateway-init: Node annotations " + (patched ? "published" : "already current"));
                }
            }
            boolean withOvn = FlowKeeper.applyOnce(ovs, host, gw, ovsdb, Duration.ofSeconds(patchPortWait));
            System.out.println("gateway-init: flows on " + gw.bridge() + (withOvn ? " for the host and OVN"
                    : " for the host only: OVN's patch port did not appear (is ovn-controller running?); "
                    + "`kovn node` with the same gateway flags completes them"));
        }
        return 0;
    }
}
