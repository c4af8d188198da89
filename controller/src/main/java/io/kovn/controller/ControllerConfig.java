package io.kovn.controller;

import io.kovn.ovn.net.Ipv4Cidr;
import io.kovn.ovsdb.client.TlsConfig;
import java.net.InetAddress;
import java.time.Duration;

/**
 * Everything the controller needs to know.
 *
 * @param nbAddress        NB remote(s) in OVS syntax, e.g. {@code tcp:10.0.0.1:6641}
 * @param tls              files for ssl: remotes, or null
 * @param clusterSubnet    the pod network, carved into node subnets
 * @param nodeSubnetPrefix prefix length of each node's subnet
 * @param serviceCidr      the service network (ClusterIPs)
 * @param joinSubnet       the join switch's network (gateway routers attach there)
 * @param metricsPort      port of /metrics and /healthz; 0 picks a free one, -1 disables
 * @param metricsBindAddress address /metrics and /healthz listen on; null: all of them
 * @param leaderElection   take part in leader election (a Lease), or act alone
 * @param leaseNamespace   namespace of the Lease
 * @param identity         this instance's name in the Lease
 * @param batchSize        most Kubernetes objects written in one NB transaction
 * @param resync           period of informer resyncs (level-triggered safety net)
 * @param syncTimeout      how long a new leader waits for its informers' first lists before it gives the lead up
 */
public record ControllerConfig(String nbAddress, TlsConfig tls, Ipv4Cidr clusterSubnet, int nodeSubnetPrefix,
                               Ipv4Cidr serviceCidr, Ipv4Cidr joinSubnet, int metricsPort, InetAddress metricsBindAddress,
                               boolean leaderElection, String leaseNamespace, String identity, int batchSize, Duration resync,
                               Duration syncTimeout) {

    public static final String DEFAULT_CLUSTER_SUBNET = "10.244.0.0/16";
    public static final String DEFAULT_SERVICE_CIDR = "10.96.0.0/16";
    public static final String DEFAULT_JOIN_SUBNET = "100.64.0.0/16";
    public static final Duration DEFAULT_SYNC_TIMEOUT = Duration.ofMinutes(2);

    public ControllerConfig {
        if (nodeSubnetPrefix <= clusterSubnet.prefix() || nodeSubnetPrefix > 30) {
            throw new IllegalArgumentException("node subnet prefix /" + nodeSubnetPrefix + " must be longer than the cluster subnet "
                    + clusterSubnet + " and at most /30");
        }
        if (clusterSubnet.overlaps(serviceCidr)) {
            throw new IllegalArgumentException("cluster subnet " + clusterSubnet + " overlaps service CIDR " + serviceCidr);
        }
        if (joinSubnet.overlaps(clusterSubnet) || joinSubnet.overlaps(serviceCidr)) {
            throw new IllegalArgumentException("join subnet " + joinSubnet + " overlaps the cluster subnet or service CIDR");
        }
    }

    public static ControllerConfig defaults(String nbAddress) {
        return new ControllerConfig(nbAddress, null, Ipv4Cidr.parse(DEFAULT_CLUSTER_SUBNET), 24,
                Ipv4Cidr.parse(DEFAULT_SERVICE_CIDR), Ipv4Cidr.parse(DEFAULT_JOIN_SUBNET), -1, null, false, "kube-system",
                "kovn-controller", 500, Duration.ofMinutes(10), DEFAULT_SYNC_TIMEOUT);
    }

    public ControllerConfig withLeaderElection(String namespace, String id) {
        return new ControllerConfig(nbAddress, tls, clusterSubnet, nodeSubnetPrefix, serviceCidr, joinSubnet, metricsPort,
                metricsBindAddress, true, namespace, id, batchSize, resync, syncTimeout);
    }

    public ControllerConfig withMetricsPort(int port) {
        return new ControllerConfig(nbAddress, tls, clusterSubnet, nodeSubnetPrefix, serviceCidr, joinSubnet, port,
                metricsBindAddress, leaderElection, leaseNamespace, identity, batchSize, resync, syncTimeout);
    }

    public ControllerConfig withClusterSubnet(Ipv4Cidr subnet, int prefix) {
        return new ControllerConfig(nbAddress, tls, subnet, prefix, serviceCidr, joinSubnet, metricsPort,
                metricsBindAddress, leaderElection, leaseNamespace, identity, batchSize, resync, syncTimeout);
    }

    public ControllerConfig withSyncTimeout(Duration timeout) {
        return new ControllerConfig(nbAddress, tls, clusterSubnet, nodeSubnetPrefix, serviceCidr, joinSubnet, metricsPort,
                metricsBindAddress, leaderElection, leaseNamespace, identity, batchSize, resync, timeout);
    }
}
