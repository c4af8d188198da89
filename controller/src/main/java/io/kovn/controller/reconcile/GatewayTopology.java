package io.kovn.controller.reconcile;

import io.kovn.ovn.Names;
import io.kovn.ovn.Owners;
import io.kovn.ovn.annotations.GatewayConfig;
import io.kovn.ovn.nb.ChassisTemplateVar;
import io.kovn.ovn.nb.LogicalRouter;
import io.kovn.ovn.nb.LogicalSwitch;
import io.kovn.ovn.nb.LogicalSwitchPort;
import io.kovn.ovn.net.Ipv4Cidr;
import io.kovn.ovn.net.MacAddress;
import io.kovn.ovn.ops.LoadBalancerOps;
import io.kovn.ovn.ops.NbTxn;
import io.kovn.ovn.ops.RouterOps;
import io.kovn.ovn.ops.SwitchOps;
import io.kovn.ovn.ops.TemplateVarOps;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A node's gateway, as the original gateway-init built it: gateway router {@code GR_<node>} bound to the node's
 * chassis, joined to {@code ovn_cluster_router} through the join switch, an external switch {@code ext_<node>}
 * whose localnet port reaches the node's bridge (ovn-bridge-mappings), a default route to the next hop, SNAT of
 * the cluster subnet to the node's address, source routes on the cluster router sending the egress of the
 * pod subnets it serves to it, and a host route there to its join address (where its load balancers SNAT).
 * If the node serves NodePorts, the router is in the NodePort template load balancer group and the chassis's
 * Chassis_Template_Var row gives {@value NodePortTemplates#NODE_IP} the node's address
 * ({@link NodePortTemplates}). Used by the controller (from the node's annotations) and by gateway-init.
 */
public final class GatewayTopology {
    private GatewayTopology() {
    }

    /**
     * @param joinAddress     the gateway router's join switch address, e.g. 100.64.0.3
     * @param routedSubnets   pod subnets whose egress leaves through this gateway
     */
    public record GatewaySpec(String node, String chassisId, GatewayConfig config, String joinAddress, Ipv4Cidr joinSubnet,
                              Ipv4Cidr clusterSubnet, Set<Ipv4Cidr> routedSubnets) {
    }

    public static String joinPort(String node) {
        return "rtoj-" + Names.gatewayRouter(node);
    }

    /**
     * The gateway router, its switches and ports, and its routes and SNAT; returns the routes the node needs on
     * the cluster router for it, which the caller sets together with the node's others (one owned set per node).
     */
    public static Set<RouterOps.RouteSpec> ensure(NbTxn txn, GatewaySpec g) {
        String gr = Names.gatewayRouter(g.node());
        Map<String, String> owner = Owners.of(Owners.TYPE_NODE, g.node());
        String chassis = GatewayConfig.chassisId(g.chassisId());
        String address = Ipv4Cidr.format(Ipv4Cidr.parseAddress(g.config().ip()));
        LoadBalancerOps.ensureGroup(txn, ClusterTopology.NODE_PORT_LB_GROUP);
        RouterOps.ensureRouter(txn, gr, Map.of("chassis", chassis, "lb_force_snat_ip", "router_ip",
                "always_learn_from_arp_request", "false", "dynamic_neigh_routers", "true"), owner,
                g.config().nodePortEnable() ? Set.of(ClusterTopology.CLUSTER_LB_GROUP, ClusterTopology.NODE_PORT_LB_GROUP)
                        : Set.of(ClusterTopology.CLUSTER_LB_GROUP));
        ensureTemplateVariables(txn, g.node(), chassis, address);
        int join = Ipv4Cidr.parseAddress(g.joinAddress());
        RouterOps.ensurePort(txn, gr, new RouterOps.RouterPortSpec(joinPort(g.node()), MacAddress.fromIpv4(join),
                Set.of(g.joinSubnet().withPrefix(join)), owner));
        SwitchOps.ensurePort(txn, Names.JOIN_SWITCH, ClusterTopology.routerPeer("jtor-" + gr, joinPort(g.node()), owner));

        String ext = Names.externalSwitch(g.node());
        RouterOps.ensurePort(txn, gr, new RouterOps.RouterPortSpec("rtoe-" + gr, g.config().macAddress(),
                Set.of(g.config().ipAddress()), owner));
        SwitchOps.ensure(txn, new SwitchOps.SwitchSpec(ext, Map.of(), owner, Set.of()));
        SwitchOps.ensurePort(txn, ext, ClusterTopology.routerPeer("etor-" + gr, "rtoe-" + gr, owner));
        SwitchOps.ensurePort(txn, ext, new SwitchOps.PortSpec(g.config().interfaceId(), "localnet", Set.of("unknown"),
                Set.of(), Map.of("network_name", GatewayConfig.PHYSNET), owner));

        String clusterRouterJoin = g.joinSubnet().addressString(1);
        RouterOps.ensureRoutes(txn, gr, owner, Set.of(
                new RouterOps.RouteSpec("0.0.0.0/0", g.config().nextHop(), Optional.empty(), Optional.of("rtoe-" + gr)),
                new RouterOps.RouteSpec(g.clusterSubnet().toString(), clusterRouterJoin, Optional.empty(), Optional.empty())));
        RouterOps.ensureNats(txn, gr, owner, Set.of(new RouterOps.NatSpec("snat", g.config().ip(), g.clusterSubnet().toString())));
        Set<RouterOps.RouteSpec> egress = new LinkedHashSet<>();
        // the router's own join address, which is where its load balancers SNAT (lb_force_snat_ip=router_ip) the
        // traffic they send to a backend on another node: the backend's reply has to come back to this router, not
        // follow the source route of the backend's subnet to that node's gateway (a /32 beats those /24s)
        egress.add(new RouterOps.RouteSpec(g.joinAddress() + "/32", g.joinAddress(), Optional.empty(), Optional.empty()));
        g.routedSubnets().forEach(s -> egress.add(new RouterOps.RouteSpec(s.toString(), g.joinAddress(), Optional.of("src-ip"),
                Optional.empty())));
        return egress;
    }

    /**
     * The chassis's template variable row, owned by the node, with the node's address; a row the node owns for a
     * chassis it no longer has is deleted. A row of the chassis owned by anything else is left alone and the
     * node's reconcile fails (two nodes naming one chassis, or a row kovn does not own).
     */
    private static void ensureTemplateVariables(NbTxn txn, String node, String chassis, String address) {
        Map<String, String> owner = Owners.of(Owners.TYPE_NODE, node);
        for (ChassisTemplateVar row : txn.nb().byExternalId(ChassisTemplateVar.TABLE, Owners.OWNER, node)) {
            if (ClusterTopology.ownedBy(row.externalIds(), Owners.TYPE_NODE, node) && !row.chassis().equals(chassis)) {
                TemplateVarOps.delete(txn, row);
            }
        }
        TemplateVarOps.row(txn, chassis).ifPresent(r -> {
            if (r.inserted() || !ClusterTopology.ownedBy(r.externalIds(), Owners.TYPE_NODE, node)) {
                throw new IllegalArgumentException("node " + node + ": the template variables of chassis " + chassis
                        + " belong to " + (r.inserted() ? "another node" : r.externalIds().getOrDefault(Owners.OWNER, "another owner")));
            }
        });
        TemplateVarOps.ensure(txn, chassis, owner, Map.of(NodePortTemplates.NODE_IP, address));
    }

    /** Removes what {@link #ensure} made for the node, if anything (not its cluster router routes: the caller's). */
    public static void delete(NbTxn txn, String node) {
        String gr = Names.gatewayRouter(node);
        Map<String, String> owner = Owners.of(Owners.TYPE_NODE, node);
        txn.nb().lookup(LogicalRouter.TABLE, LogicalRouter.NAME, gr).stream()
                .filter(r -> ClusterTopology.ownedBy(r.externalIds(), Owners.TYPE_NODE, node))
                .forEach(r -> RouterOps.deleteRouter(txn, r));
        txn.nb().lookup(LogicalSwitch.TABLE, LogicalSwitch.NAME, Names.externalSwitch(node)).stream()
                .filter(s -> ClusterTopology.ownedBy(s.externalIds(), Owners.TYPE_NODE, node))
                .forEach(s -> SwitchOps.delete(txn, s));
        txn.nb().lookup(LogicalSwitchPort.TABLE, LogicalSwitchPort.NAME, "jtor-" + gr).stream()
                .filter(p -> ClusterTopology.ownedBy(p.externalIds(), Owners.TYPE_NODE, node))
                .forEach(p -> SwitchOps.deletePort(txn, p));
        txn.nb().byExternalId(ChassisTemplateVar.TABLE, Owners.OWNER, node).stream()
                .filter(r -> ClusterTopology.ownedBy(r.externalIds(), Owners.TYPE_NODE, node))
                .forEach(r -> TemplateVarOps.delete(txn, r));
    }
}
