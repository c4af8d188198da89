package io.kovn.controller.reconcile;

import io.kovn.ovn.Names;
import io.kovn.ovn.Owners;
import io.kovn.ovn.nb.LogicalRouterPort;
import io.kovn.ovn.net.HostServiceSource;
import io.kovn.ovn.nb.LogicalSwitch;
import io.kovn.ovn.net.Ipv4Cidr;
import io.kovn.ovn.net.MacAddress;
import io.kovn.ovn.ops.LoadBalancerOps;
import io.kovn.ovn.ops.NbTxn;
import io.kovn.ovn.ops.RouterOps;
import io.kovn.ovn.ops.SwitchOps;
import java.util.Map;
import java.util.Set;

/**
 * The shared parts of the logical network (cluster router, join switch, cluster load balancer group) and the
 * parts each node adds (its switch, router port and management port). Used by the controller and by the
 * one-shot {@code master-init}.
 */
public final class ClusterTopology {
    /** Every node switch uses this group, so a service costs one row however many nodes there are. */
    public static final String CLUSTER_LB_GROUP = "clusterLBGroup";
    /**
     * Every gateway router that serves NodePorts uses this group of template load balancers
     * ({@link NodePortTemplates}): a NodePort costs one row however many gateways there are.
     */
    public static final String NODE_PORT_LB_GROUP = "clusterNodePortLBGroup";
    public static final String JOIN_ROUTER_PORT = "rtoj-" + Names.CLUSTER_ROUTER;
    public static final String JOIN_SWITCH_PORT = "jtor-" + Names.CLUSTER_ROUTER;

    private ClusterTopology() {
    }

    public static void ensureCluster(NbTxn txn, Ipv4Cidr joinSubnet) {
        Map<String, String> owner = Owners.of(Owners.TYPE_CLUSTER, Names.CLUSTER_ROUTER);
        RouterOps.ensureRouter(txn, Names.CLUSTER_ROUTER, Map.of(), owner);
        LoadBalancerOps.ensureGroup(txn, CLUSTER_LB_GROUP);
        LoadBalancerOps.ensureGroup(txn, NODE_PORT_LB_GROUP);
        SwitchOps.ensure(txn, new SwitchOps.SwitchSpec(Names.JOIN_SWITCH, Map.of("subnet", joinSubnet.toString()),
                Owners.of(Owners.TYPE_CLUSTER, Names.JOIN_SWITCH), Set.of()));
        int routerIp = joinSubnet.address(1);
        RouterOps.ensurePort(txn, Names.CLUSTER_ROUTER, new RouterOps.RouterPortSpec(JOIN_ROUTER_PORT,
                MacAddress.fromIpv4(routerIp), Set.of(joinSubnet.withPrefix(routerIp)), owner));
        SwitchOps.ensurePort(txn, Names.JOIN_SWITCH, routerPeer(JOIN_SWITCH_PORT, JOIN_ROUTER_PORT, owner));
    }

    /** The node's switch on its subnet, its router port (the subnet's gateway) and its management port. */
    public static void ensureNode(NbTxn txn, String node, Ipv4Cidr subnet) {
        Map<String, String> owner = Owners.of(Owners.TYPE_NODE, node);
        String sw = Names.nodeSwitch(node);
        SwitchOps.ensure(txn, new SwitchOps.SwitchSpec(sw,
                Map.of("subnet", subnet.toString(), "exclude_ips", subnet.managementAddress()), owner,
                Set.of(CLUSTER_LB_GROUP)));
        int gw = subnet.address(1);
        RouterOps.ensurePort(txn, Names.CLUSTER_ROUTER, new RouterOps.RouterPortSpec(Names.routerToSwitchPort(node),
                MacAddress.fromIpv4(gw), Set.of(subnet.withPrefix(gw)), owner));
        SwitchOps.ensurePort(txn, sw, routerPeer(Names.switchToRouterPort(node), Names.routerToSwitchPort(node), owner));
        int mgmt = subnet.address(2);
        String addr = MacAddress.fromIpv4(mgmt) + " " + Ipv4Cidr.format(mgmt);
        SwitchOps.ensurePort(txn, sw, new SwitchOps.PortSpec(Names.managementPort(node), "", Set.of(addr), Set.of(),
                Map.of(), owner));
    }

    /**
     * The node's routes on the cluster router: back to its host's service source address (see
     * {@link HostServiceSource}) through its management port, and {@code more} (its gateway's). One owned set per
     * node: what is not in it goes.
     */
    public static void ensureNodeRoutes(NbTxn txn, String node, Ipv4Cidr subnet, Set<RouterOps.RouteSpec> more) {
        Set<RouterOps.RouteSpec> routes = new java.util.LinkedHashSet<>();
        routes.add(new RouterOps.RouteSpec(HostServiceSource.of(subnet) + "/32", subnet.managementAddress(),
                java.util.Optional.empty(), java.util.Optional.empty()));
        routes.addAll(more);
        RouterOps.ensureRoutes(txn, Names.CLUSTER_ROUTER, Owners.of(Owners.TYPE_NODE, node), routes);
    }

    /** Removes what {@link #ensureNode} made: the switch (with all its ports), the router port and the routes. */
    public static void deleteNode(NbTxn txn, String node) {
        if (RouterOps.ref(txn, Names.CLUSTER_ROUTER).isPresent()) {
            RouterOps.ensureRoutes(txn, Names.CLUSTER_ROUTER, Owners.of(Owners.TYPE_NODE, node), Set.of());
        }
        txn.nb().lookup(LogicalSwitch.TABLE, LogicalSwitch.NAME, Names.nodeSwitch(node)).stream()
                .filter(s -> ownedBy(s.externalIds(), Owners.TYPE_NODE, node))
                .forEach(s -> SwitchOps.delete(txn, s));
        txn.nb().lookup(LogicalRouterPort.TABLE, LogicalRouterPort.NAME, Names.routerToSwitchPort(node)).stream()
                .filter(p -> ownedBy(p.externalIds(), Owners.TYPE_NODE, node))
                .forEach(p -> RouterOps.deletePort(txn, p));
    }

    static boolean ownedBy(Map<String, String> externalIds, String type, String owner) {
        return type.equals(externalIds.get(Owners.OWNER_TYPE)) && owner.equals(externalIds.get(Owners.OWNER));
    }

    static SwitchOps.PortSpec routerPeer(String name, String routerPort, Map<String, String> owner) {
        return new SwitchOps.PortSpec(name, "router", Set.of("router"), Set.of(), Map.of("router-port", routerPort), owner);
    }
}
