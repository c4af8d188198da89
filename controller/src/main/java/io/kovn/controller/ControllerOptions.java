package io.kovn.controller;

import io.kovn.controller.underlay.UnderlaySettings;
import io.kovn.ovn.annotations.UnderlayPool;
import io.kovn.ovn.config.ConfigException;
import io.kovn.ovn.config.Configuration;
import io.kovn.ovn.config.NetworkDefaults;
import io.kovn.ovn.config.Option;
import io.kovn.ovn.config.OptionSet;
import io.kovn.ovn.config.OvsdbRemoteOptions;
import io.kovn.ovn.net.Ipv4Cidr;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The options of {@code kovn controller}, declared once; {@link #config(Configuration)} builds the controller's settings. */
public final class ControllerOptions {
    public static final Option<Path> KUBECONFIG = Option.path("kubeconfig",
            "kubeconfig file of the Kubernetes API").defaultHelp("in-cluster config or ~/.kube/config");
    public static final OvsdbRemoteOptions NB = OvsdbRemoteOptions.of("nb", "OVN Northbound database").required();
    public static final Option<Ipv4Cidr> CLUSTER_SUBNET = Option.cidr("cluster-subnet",
            "pod network, carved into node subnets").defaultValue(NetworkDefaults.CLUSTER_SUBNET);
    public static final Option<Integer> NODE_SUBNET_PREFIX = Option.integer("node-subnet-prefix", 1, 30,
            "prefix length of each node's subnet (longer than the cluster subnet's)").defaultValue("24");
    public static final Option<Ipv4Cidr> SERVICE_CIDR = Option.cidr("service-cidr",
            "service network (ClusterIPs)").defaultValue(NetworkDefaults.SERVICE_CIDR);
    public static final Option<Ipv4Cidr> JOIN_SUBNET = Option.cidr("join-subnet",
            "the join switch's network, where gateway routers attach").defaultValue(NetworkDefaults.JOIN_SUBNET);
    public static final Option<Integer> METRICS_PORT = Option.integer("metrics-port", -1, 65535,
            "port of /metrics and /healthz; 0 picks a free one, -1 serves none").defaultValue("9410");
    public static final Option<InetAddress> METRICS_BIND_ADDRESS = Option.ipAddress("metrics-bind-address",
            "address /metrics and /healthz listen on").defaultValue("0.0.0.0");
    public static final Option<Boolean> LEADER_ELECTION = Option.bool("leader-election",
            "compete for a coordination.k8s.io Lease before writing (several controllers may run)").defaultValue("true");
    public static final Option<String> LEASE_NAMESPACE = Option.string("lease-namespace",
            "namespace of the Lease").defaultValue("kube-system");
    public static final Option<String> IDENTITY = Option.string("identity",
            "this instance's name in the Lease").defaultHelp("host name + pid");
    public static final Option<Integer> BATCH_SIZE = Option.integer("batch-size", 1, 100_000,
            "most Kubernetes objects written in one NB transaction").defaultValue("500");
    public static final Option<Duration> RESYNC = Option.duration("resync",
            "period of the informers' resyncs (the level-triggered safety net)").defaultValue("10m");
    public static final Option<Duration> SYNC_TIMEOUT = Option.duration("sync-timeout",
            "how long a new leader waits for its informers' first lists and NB before it gives the lead up")
            .defaultValue("2m");
    public static final Option<String> CA_SECRET = Option.string("ca-secret",
            "Secret (type kubernetes.io/tls, in --pki-namespace) holding the cluster CA's key and certificate "
                    + "(kovn pki secret --ca prints it); given, the leader approves and signs nodes' CSRs of signer "
                    + "kovn.io/ovn-node and publishes the CA certificate in ConfigMap kovn-ca")
            .defaultHelp("none: no CSR is signed");
    public static final Option<String> PKI_NAMESPACE = Option.string("pki-namespace",
            "kovn's namespace: the CA Secret and the kovn-ca ConfigMap").defaultValue("kovn-system");
    public static final Option<Duration> NODE_CERT_LIFETIME = Option.duration("node-cert-lifetime",
            "lifetime of the node certificates the controller signs (nodes renew at 2/3 of it; a CSR's "
                    + "spec.expirationSeconds may ask for less, not under 10m)").defaultValue("720h")
            .validate(d -> d.toSeconds() >= 30, "at least 30s");
    public static final Option<Boolean> ALLOW_UNBOUND_NODE_CSRS = Option.bool("allow-unbound-node-csrs",
            "with --ca-secret: also approve node CSRs from a service account whose token names no node (Kubernetes "
                    + "before 1.30, or ServiceAccountTokenPodNodeInfo off); any node agent could then obtain any "
                    + "existing node's certificate. Off: such requests are denied with an Event saying why")
            .defaultValue("false");
    public static final Option<Duration> CSR_RETENTION = Option.duration("csr-retention",
            "with --ca-secret: the leader deletes CSRs of signer kovn.io/ovn-node decided (signed, denied, failed) "
                    + "longer ago than this; the nodes keep their files, the Events stay; 0 keeps them")
            .defaultValue("1h").validate(d -> d.isZero() || d.toSeconds() >= 60, "0, or at least 1m (a node "
                    + "reads its certificate from the request)");
    public static final Option<Duration> AUDIT_INTERVAL = Option.duration("audit-interval",
            "how often the leader compares NB with a dry full sync, logs every row that drifted, exports "
                    + "kovn_nb_drift_rows and repairs them; 0 turns it off").defaultValue("5m");
    public static final Option<String> MODE = Option.choice("mode", List.of("overlay", "underlay"),
            "overlay: kovn's own logical network; underlay: the Nodes are VMs on an OVN cloud whose pods take pooled "
                    + "child ports of the VM's port (docs/underlay.md); --cluster-subnet and --node-subnet-prefix then "
                    + "give the VMs' pod subnets").defaultValue("overlay");
    public static final Option<String> UNDERLAY_ROUTER = Option.string("underlay-router",
            "underlay mode: the logical router the VMs' pod switches attach to (made if missing)")
            .defaultValue("kovn-underlay");
    public static final Option<Integer> UNDERLAY_POOL_SIZE = Option.integer("underlay-pool-size", 0,
            UnderlayPool.MAX_PORTS, "underlay mode: child ports made per VM (a Node's " + UnderlayPool.POOL_SIZE
                    + " annotation overrides it)").defaultValue("8");

    public static final OptionSet SET = OptionSet.of("controller",
            "Run the cluster-wide controller: watches Nodes, Pods, Services and EndpointSlices and writes the logical "
                    + "network into the OVN Northbound database. Several may run; one leads (a Lease).",
            all());

    private ControllerOptions() {
    }

    private static List<Option<?>> all() {
        List<Option<?>> all = new ArrayList<>(List.of(KUBECONFIG));
        all.addAll(NB.all());
        all.addAll(List.of(CLUSTER_SUBNET, NODE_SUBNET_PREFIX, SERVICE_CIDR, JOIN_SUBNET, METRICS_PORT,
                METRICS_BIND_ADDRESS, LEADER_ELECTION, LEASE_NAMESPACE, IDENTITY, BATCH_SIZE, RESYNC, SYNC_TIMEOUT,
                AUDIT_INTERVAL, CA_SECRET, PKI_NAMESPACE, NODE_CERT_LIFETIME, ALLOW_UNBOUND_NODE_CSRS, CSR_RETENTION,
                MODE, UNDERLAY_ROUTER, UNDERLAY_POOL_SIZE));
        return all;
    }

    /** The controller's settings; cross-option problems (overlapping networks...) fail as configuration errors. */
    public static ControllerConfig config(Configuration c) {
        OvsdbRemoteOptions.Connection nb = NB.connection(c);
        try {
            return ControllerConfig.builder(nb.remotes()).tls(nb.tls()).clusterSubnet(c.get(CLUSTER_SUBNET))
                    .nodeSubnetPrefix(c.get(NODE_SUBNET_PREFIX)).serviceCidr(c.get(SERVICE_CIDR))
                    .joinSubnet(c.get(JOIN_SUBNET)).metricsPort(c.get(METRICS_PORT))
                    .metricsBindAddress(c.get(METRICS_BIND_ADDRESS)).leaderElection(c.get(LEADER_ELECTION))
                    .leaseNamespace(c.get(LEASE_NAMESPACE))
                    .identity(c.given(IDENTITY) ? c.get(IDENTITY) : defaultIdentity())
                    .batchSize(c.get(BATCH_SIZE)).resync(c.get(RESYNC)).syncTimeout(c.get(SYNC_TIMEOUT))
                    .auditInterval(c.get(AUDIT_INTERVAL)).build();
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
    }

    /** The underlay settings with {@code --mode underlay}, else empty. */
    public static Optional<UnderlaySettings> underlay(Configuration c) {
        if (!"underlay".equals(c.get(MODE))) {
            return Optional.empty();
        }
        try {
            return Optional.of(new UnderlaySettings(c.get(UNDERLAY_ROUTER), c.get(UNDERLAY_POOL_SIZE),
                    c.get(CLUSTER_SUBNET), c.get(NODE_SUBNET_PREFIX)));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
    }

    /** Where the CA Secret is and how long node certificates live; empty without {@link #CA_SECRET}. */
    public static Optional<NodeSigning> nodeSigning(Configuration c) {
        String secret = c.get(CA_SECRET);
        return secret == null ? Optional.empty()
                : Optional.of(new NodeSigning(c.get(PKI_NAMESPACE), secret, c.get(NODE_CERT_LIFETIME),
                c.get(ALLOW_UNBOUND_NODE_CSRS), c.get(CSR_RETENTION)));
    }

    /**
     * The controller's CSR signing: the CA Secret {@code namespace/caSecret}, the certificates' lifetime,
     * whether service account requests that name no node are approved, and how long decided requests are kept.
     */
    public record NodeSigning(String namespace, String caSecret, Duration lifetime, boolean allowUnbound,
                              Duration csrRetention) {
    }

    private static String defaultIdentity() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "localhost";
        }
        return host + "-" + ProcessHandle.current().pid();
    }
}
