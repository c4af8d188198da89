package io.kovn.node.gateway;

import io.kovn.node.NodeOptions;
import io.kovn.ovn.config.NetworkDefaults;
import io.kovn.ovn.config.Option;
import io.kovn.ovn.config.OptionSet;
import io.kovn.ovn.config.OvsdbRemoteOptions;
import io.kovn.ovn.net.Ipv4Cidr;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The options of {@code kovn gateway-init}: the node's gateway options, and where to write NB rows and annotations. */
public final class GatewayInitOptions {
    public static final Option<Ipv4Cidr> CLUSTER_IP_SUBNET = Option.cidr("cluster-ip-subnet",
            "the cluster's pod network, e.g. 10.244.0.0/16").required();
    public static final OvsdbRemoteOptions NB = OvsdbRemoteOptions.of("nb", "OVN Northbound: write the gateway's NB rows");
    public static final Option<Path> KUBECONFIG = Option.path("kubeconfig",
            "publish the Node's gateway annotations through this kubeconfig");
    public static final Option<Ipv4Cidr> JOIN_SUBNET = Option.cidr("join-subnet",
            "the join switch's network, where gateway routers attach").defaultValue(NetworkDefaults.JOIN_SUBNET);
    public static final Option<Duration> PATCH_PORT_WAIT = Option.duration("patch-port-wait",
            "how long to wait for OVN's patch port before the bridge's flows are installed").defaultValue("15s");

    public static final OptionSet SET = OptionSet.of("gateway-init",
            "One-shot gateway set-up of the original guides. On the node: the bridge (dedicated --physical-interface, "
                    + "or the shared --bridge-interface from nics-to-bridge), ovn-bridge-mappings=physnet:<bridge> and "
                    + "the bridge's flows. With --nb-address: the gateway router GR_<node>, join and external switches, "
                    + "SNAT and routes in NB. With --kubeconfig: the Node's gateway annotations, so a running "
                    + "controller builds the same. `kovn node` with the same gateway options keeps the bridge's flows "
                    + "afterwards.",
            all());

    private GatewayInitOptions() {
    }

    private static List<Option<?>> all() {
        List<Option<?>> all = new ArrayList<>(List.of(CLUSTER_IP_SUBNET, NodeOptions.NODE_NAME));
        all.addAll(NodeOptions.GATEWAY);
        all.addAll(NB.all());
        all.addAll(List.of(KUBECONFIG, JOIN_SUBNET, NodeOptions.OVSDB, NodeOptions.DATAPATH_TYPE,
                NodeOptions.SYSTEM_ID_FILE, PATCH_PORT_WAIT, NodeOptions.HOST_NETNS));
        return all;
    }
}
