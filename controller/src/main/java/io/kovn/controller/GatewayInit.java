package io.kovn.controller;

import io.kovn.controller.alloc.AddressPool;
import io.kovn.controller.reconcile.ClusterTopology;
import io.kovn.controller.reconcile.GatewayTopology;
import io.kovn.ovn.Databases;
import io.kovn.ovn.Names;
import io.kovn.ovn.annotations.GatewayConfig;
import io.kovn.ovn.nb.LogicalRouterPort;
import io.kovn.ovn.nb.LogicalSwitch;
import io.kovn.ovn.net.Ipv4Cidr;
import io.kovn.ovn.ops.NbTables;
import io.kovn.ovn.ops.NbTxn;
import io.kovn.ovsdb.client.OvsdbClient;
import io.kovn.ovsdb.replica.DatabaseReplica;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The NB half of the original one-shot {@code gateway-init}: the node's gateway router and external switch, in
 * one transaction, exactly as the controller builds them from the node's annotations (so both agree).
 */
public final class GatewayInit {
    private GatewayInit() {
    }

    /** What was written: the operation count and the gateway router's join address. */
    public record Outcome(int operations, String joinAddress) {
    }

    public static Outcome run(OvsdbClient.Options options, String nbAddress, String node, String chassisId,
                              GatewayConfig config, Ipv4Cidr clusterSubnet, Ipv4Cidr joinSubnet) throws Exception {
        try (OvsdbClient client = new OvsdbClient(nbAddress, options)) {
            client.connectSync();
            DatabaseReplica nb = client.replicate(Databases.NORTHBOUND, NbTables.monitorSpec()).get(1, TimeUnit.MINUTES);
            LogicalSwitch sw = nb.lookupOne(LogicalSwitch.TABLE, LogicalSwitch.NAME, Names.nodeSwitch(node)).orElseThrow(() ->
                    new IllegalStateException("node " + node + " has no logical switch yet: run master-init/minion-init or the "
                            + "controller first"));
            String subnet = sw.otherConfig().get("subnet");
            if (subnet == null) {
                throw new IllegalStateException("logical switch " + node + " has no other_config:subnet");
            }
            String join = joinAddress(nb, node, joinSubnet);
            Set<Ipv4Cidr> routed = new LinkedHashSet<>();
            routed.add(Ipv4Cidr.parse(subnet));
            config.rampoutIpSubnets().forEach(s -> routed.add(Ipv4Cidr.parse(s)));
            NbTxn txn = new NbTxn(nb);
            ClusterTopology.ensureCluster(txn, joinSubnet);
            ClusterTopology.ensureNodeRoutes(txn, node, Ipv4Cidr.parse(subnet), GatewayTopology.ensure(txn,
                    new GatewayTopology.GatewaySpec(node, chassisId, config, join, joinSubnet, clusterSubnet, routed)));
            if (!txn.isEmpty()) {
                client.transact(Databases.NORTHBOUND, txn.operations()).get(1, TimeUnit.MINUTES);
            }
            return new Outcome(txn.size(), join);
        }
    }

    /** The address the node's gateway router already has on the join switch, or the lowest free one. */
    private static String joinAddress(DatabaseReplica nb, String node, Ipv4Cidr joinSubnet) throws Exception {
        Optional<LogicalRouterPort> mine = nb.lookupOne(LogicalRouterPort.TABLE, LogicalRouterPort.NAME, GatewayTopology.joinPort(node));
        if (mine.isPresent() && !mine.get().networks().isEmpty()) {
            String n = mine.get().networks().iterator().next();
            return n.substring(0, n.indexOf('/'));
        }
        AddressPool pool = new AddressPool(joinSubnet);
        for (LogicalRouterPort p : nb.list(LogicalRouterPort.TABLE)) {
            if (p.name().startsWith("rtoj-GR_")) {
                p.networks().forEach(n -> pool.claim(p.name(), Ipv4Cidr.parseAddress(n.substring(0, n.indexOf('/')))));
            }
        }
        return Ipv4Cidr.format(pool.allocate(node));
    }
}
