package io.kovn.controller;

import io.kovn.controller.reconcile.ClusterTopology;
import io.kovn.ovn.Databases;
import io.kovn.ovn.nb.LoadBalancerGroup;
import io.kovn.ovn.nb.LogicalRouter;
import io.kovn.ovn.nb.LogicalRouterPort;
import io.kovn.ovn.nb.LogicalSwitch;
import io.kovn.ovn.nb.LogicalSwitchPort;
import io.kovn.ovn.net.Ipv4Cidr;
import io.kovn.ovn.ops.NbTxn;
import io.kovn.ovsdb.client.MonitorSpec;
import io.kovn.ovsdb.client.OvsdbClient;
import io.kovn.ovsdb.replica.DatabaseReplica;
import java.util.concurrent.TimeUnit;

/**
 * The original one-shot {@code master-init}: the cluster router, the join switch and the master node's switch
 * (the "master switch", on {@code --master-switch-subnet}) with its management port, in one NB transaction. A
 * controller started later adopts the node's subnet from NB.
 */
public final class MasterInit {
    private MasterInit() {
    }

    /** Returns the number of NB operations written (0 when everything was already in place). */
    public static int run(OvsdbClient.Options options, String nbAddress, Ipv4Cidr clusterSubnet,
                          Ipv4Cidr masterSwitchSubnet, String nodeName, Ipv4Cidr joinSubnet) throws Exception {
        if (!clusterSubnet.contains(masterSwitchSubnet)) {
            throw new IllegalArgumentException("master switch subnet " + masterSwitchSubnet + " is not inside the cluster subnet "
                    + clusterSubnet);
        }
        try (OvsdbClient client = new OvsdbClient(nbAddress, options)) {
            client.connectSync();
            DatabaseReplica nb = client.replicate(Databases.NORTHBOUND, io.kovn.ovn.ops.NbTables.monitorSpec())
                    .get(1, TimeUnit.MINUTES);
            NbTxn txn = new NbTxn(nb);
            ClusterTopology.ensureCluster(txn, joinSubnet);
            ClusterTopology.ensureNode(txn, nodeName, masterSwitchSubnet);
            ClusterTopology.ensureNodeRoutes(txn, nodeName, masterSwitchSubnet, java.util.Set.of());
            if (!txn.isEmpty()) {
                client.transact(Databases.NORTHBOUND, txn.operations()).get(1, TimeUnit.MINUTES);
            }
            return txn.size();
        }
    }
}
