package io.kovn.controller;

import io.kovn.ovn.net.Ipv4Cidr;
import io.kovn.ovsdb.client.OvsdbClient;
import io.kovn.ovsdb.client.TlsConfig;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Objects;

/**
 * Everything the controller needs to know, built from {@link ControllerOptions} ({@code kovn controller}) or, when
 * embedded, with {@link #builder(String)}, whose defaults are the options' defaults.
 */
public final class ControllerConfig {
    /** The largest NB message the controller reads: NB is the cluster's own database, and it reads all of it. */
    public static final int NB_MAX_FRAME_BYTES = 1 << 30;
    public static final Duration NB_INACTIVITY_PROBE = Duration.ofSeconds(30);
    private final String nbAddress;
    private final TlsConfig tls;
    private final Ipv4Cidr clusterSubnet;
    private final int nodeSubnetPrefix;
    private final Ipv4Cidr serviceCidr;
    private final Ipv4Cidr joinSubnet;
    private final int metricsPort;
    private final InetAddress metricsBindAddress;
    private final boolean leaderElection;
    private final String leaseNamespace;
    private final String identity;
    private final int batchSize;
    private final Duration resync;
    private final Duration syncTimeout;
    private final Duration auditInterval;

    private ControllerConfig(Builder b) {
        nbAddress = Objects.requireNonNull(b.nbAddress, "nbAddress");
        tls = b.tls;
        clusterSubnet = b.clusterSubnet;
        nodeSubnetPrefix = b.nodeSubnetPrefix;
        serviceCidr = b.serviceCidr;
        joinSubnet = b.joinSubnet;
        metricsPort = b.metricsPort;
        metricsBindAddress = b.metricsBindAddress;
        leaderElection = b.leaderElection;
        leaseNamespace = b.leaseNamespace;
        identity = b.identity;
        batchSize = b.batchSize;
        resync = b.resync;
        syncTimeout = b.syncTimeout;
        auditInterval = b.auditInterval;
        if (nodeSubnetPrefix <= clusterSubnet.prefix() || nodeSubnetPrefix > 30) {
            throw new IllegalArgumentException("--node-subnet-prefix " + nodeSubnetPrefix + " must be longer than the "
                    + "--cluster-subnet " + clusterSubnet + " and at most 30");
        }
        if (clusterSubnet.overlaps(serviceCidr)) {
            throw new IllegalArgumentException("--cluster-subnet " + clusterSubnet + " overlaps --service-cidr " + serviceCidr);
        }
        if (joinSubnet.overlaps(clusterSubnet) || joinSubnet.overlaps(serviceCidr)) {
            throw new IllegalArgumentException("--join-subnet " + joinSubnet + " overlaps --cluster-subnet or --service-cidr");
        }
    }

    /** The options' defaults; {@code nbAddress}: NB remote(s) in OVS syntax, e.g. {@code tcp:10.0.0.1:6641}. */
    public static Builder builder(String nbAddress) {
        return new Builder(nbAddress);
    }

    /** Embedded in a test or benchmark: the defaults, without a metrics server or leader election. */
    public static ControllerConfig defaults(String nbAddress) {
        return builder(nbAddress).metricsPort(-1).leaderElection(false).build();
    }

    public Builder toBuilder() {
        return new Builder(nbAddress).tls(tls).clusterSubnet(clusterSubnet).nodeSubnetPrefix(nodeSubnetPrefix)
                .serviceCidr(serviceCidr).joinSubnet(joinSubnet).metricsPort(metricsPort)
                .metricsBindAddress(metricsBindAddress).leaderElection(leaderElection).leaseNamespace(leaseNamespace)
                .identity(identity).batchSize(batchSize).resync(resync).syncTimeout(syncTimeout)
                .auditInterval(auditInterval);
    }

    public ControllerConfig withLeaderElection(String namespace, String id) {
        return toBuilder().leaderElection(true).leaseNamespace(namespace).identity(id).build();
    }

    public ControllerConfig withMetricsPort(int port) {
        return toBuilder().metricsPort(port).build();
    }

    public ControllerConfig withSyncTimeout(Duration timeout) {
        return toBuilder().syncTimeout(timeout).build();
    }

    public ControllerConfig withClusterSubnet(Ipv4Cidr subnet, int prefix) {
        return toBuilder().clusterSubnet(subnet).nodeSubnetPrefix(prefix).build();
    }

    /** NB remote(s) in OVS syntax. */
    public String nbAddress() {
        return nbAddress;
    }

    /** Files for ssl: remotes, or null. */
    public TlsConfig tls() {
        return tls;
    }

    /**
     * The controller's NB client: TLS when configured, frames up to {@value #NB_MAX_FRAME_BYTES} bytes (the first
     * monitor reply after every connection holds all of NB: 67 MB at 100,000 pods and 2,000 policies), and an
     * inactivity probe of {@link #NB_INACTIVITY_PROBE} (a database of that size keeps ovsdb-server from answering
     * for seconds while it compacts or sends a big update: measured at 100,000 pods on a loaded machine, a 5 s probe
     * dropped the connection mid-sync).
     */
    public OvsdbClient.Options nbClientOptions() {
        OvsdbClient.Options opts = OvsdbClient.Options.defaults().withMaxFrameBytes(NB_MAX_FRAME_BYTES)
                .withInactivityProbe(NB_INACTIVITY_PROBE);
        return tls == null ? opts : opts.withTls(tls);
    }

    /** The pod network, carved into node subnets. */
    public Ipv4Cidr clusterSubnet() {
        return clusterSubnet;
    }

    public int nodeSubnetPrefix() {
        return nodeSubnetPrefix;
    }

    /** The service network (ClusterIPs). */
    public Ipv4Cidr serviceCidr() {
        return serviceCidr;
    }

    /** The join switch's network (gateway routers attach there). */
    public Ipv4Cidr joinSubnet() {
        return joinSubnet;
    }

    /** Port of /metrics and /healthz; 0 picks a free one, -1 disables. */
    public int metricsPort() {
        return metricsPort;
    }

    /** Address /metrics and /healthz listen on. */
    public InetAddress metricsBindAddress() {
        return metricsBindAddress;
    }

    /** Take part in leader election (a Lease), or act alone. */
    public boolean leaderElection() {
        return leaderElection;
    }

    public String leaseNamespace() {
        return leaseNamespace;
    }

    /** This instance's name in the Lease. */
    public String identity() {
        return identity;
    }

    /** Most Kubernetes objects written in one NB transaction. */
    public int batchSize() {
        return batchSize;
    }

    /** Period of informer resyncs (level-triggered safety net). */
    public Duration resync() {
        return resync;
    }

    /** How long a new leader waits for its informers' first lists before it gives the lead up. */
    public Duration syncTimeout() {
        return syncTimeout;
    }

    /** How often the leader runs a dry full sync against NB and reports the rows that drifted; 0: never. */
    public Duration auditInterval() {
        return auditInterval;
    }

    /** Defaults from {@link ControllerOptions}; every setter returns the builder. */
    public static final class Builder {
        private final String nbAddress;
        private TlsConfig tls;
        private Ipv4Cidr clusterSubnet = ControllerOptions.CLUSTER_SUBNET.defaultParsed();
        private int nodeSubnetPrefix = ControllerOptions.NODE_SUBNET_PREFIX.defaultParsed();
        private Ipv4Cidr serviceCidr = ControllerOptions.SERVICE_CIDR.defaultParsed();
        private Ipv4Cidr joinSubnet = ControllerOptions.JOIN_SUBNET.defaultParsed();
        private int metricsPort = ControllerOptions.METRICS_PORT.defaultParsed();
        private InetAddress metricsBindAddress = ControllerOptions.METRICS_BIND_ADDRESS.defaultParsed();
        private boolean leaderElection = ControllerOptions.LEADER_ELECTION.defaultParsed();
        private String leaseNamespace = ControllerOptions.LEASE_NAMESPACE.defaultParsed();
        private String identity = "kovn-controller";
        private int batchSize = ControllerOptions.BATCH_SIZE.defaultParsed();
        private Duration resync = ControllerOptions.RESYNC.defaultParsed();
        private Duration syncTimeout = ControllerOptions.SYNC_TIMEOUT.defaultParsed();
        private Duration auditInterval = ControllerOptions.AUDIT_INTERVAL.defaultParsed();

        private Builder(String nbAddress) {
            this.nbAddress = nbAddress;
        }

        public Builder tls(TlsConfig v) { tls = v; return this; }
        public Builder clusterSubnet(Ipv4Cidr v) { clusterSubnet = v; return this; }
        public Builder nodeSubnetPrefix(int v) { nodeSubnetPrefix = v; return this; }
        public Builder serviceCidr(Ipv4Cidr v) { serviceCidr = v; return this; }
        public Builder joinSubnet(Ipv4Cidr v) { joinSubnet = v; return this; }
        public Builder metricsPort(int v) { metricsPort = v; return this; }
        public Builder metricsBindAddress(InetAddress v) { metricsBindAddress = v; return this; }
        public Builder leaderElection(boolean v) { leaderElection = v; return this; }
        public Builder leaseNamespace(String v) { leaseNamespace = v; return this; }
        public Builder identity(String v) { identity = v; return this; }
        public Builder batchSize(int v) { batchSize = v; return this; }
        public Builder resync(Duration v) { resync = v; return this; }
        public Builder syncTimeout(Duration v) { syncTimeout = v; return this; }
        public Builder auditInterval(Duration v) { auditInterval = v; return this; }

        public ControllerConfig build() {
            return new ControllerConfig(this);
        }
    }
}
