package io.kovn.node;

import io.kovn.node.gateway.GatewaySettings;
import io.kovn.node.pki.NodeEnrollment;
import io.kovn.ovn.net.Ipv4Cidr;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Every setting of the node agent and of {@link MinionInit}, built from {@link NodeOptions} ({@code kovn node}) or,
 * embedded, with {@link #builder(String)}, whose defaults are the options' defaults except that it serves no
 * metrics. Nullable fields mean "not given": see each one.
 *
 * @param nodeName             the Kubernetes Node this agent serves (as kubelet names it)
 * @param kubeconfig           kubeconfig file; null: {@code apiServer} (flag or OVSDB k8s-api-server), else the
 *                             client's auto-configuration (in-cluster service account, ~/.kube/config)
 * @param apiServer            API server URL; stored as external_ids:k8s-api-server (no scheme means http, as
 *                             the original guides say); null: read it from the Open_vSwitch database
 * @param apiToken             bearer token, stored as external_ids:k8s-api-token; null: read it from OVSDB
 * @param caCertificate        PEM text of the API server's CA, stored as external_ids:k8s-ca-certificate;
 *                             null: read it from OVSDB
 * @param ovsdbRemote          the local Open_vSwitch database
 * @param sbRemote             OVN Southbound for ovn-controller (external_ids:ovn-remote); null keeps the set one
 * @param nbRemote             OVN Northbound (external_ids:ovn-nb); null keeps the set one
 * @param encapType            geneve, vxlan or stt (external_ids:ovn-encap-type)
 * @param encapIp              tunnel endpoint (external_ids:ovn-encap-ip); null: the Node's InternalIP
 * @param datapathType         system or netdev: br-int's datapath_type and external_ids:ovn-bridge-datapath-type;
 *                             netdev also turns transmit checksum offload off on pod and host interfaces
 * @param systemIdFile         where the stable system-id (ovn-controller's chassis name) is kept
 * @param clusterSubnets       the pods' network, routed from the host through the management port
 * @param serviceCidrs         the services' network, routed the same way; may be empty
 * @param mtu                  MTU of pod interfaces and of the management port (1400 leaves room for geneve
 *                             on a 1500 underlay)
 * @param cniSocket            the CNI server's unix socket (root only)
 * @param cniConfDir           where the CNI conflist is installed
 * @param cniBinDir            where the plugin (kovn-cni and kovn-cni.jar) is installed
 * @param cniPluginSource      a directory holding kovn-cni and kovn-cni.jar to copy into cniBinDir, or the
 *                             checkout root (bin/kovn-cni and cni/target/kovn-cni.jar); null: do not copy
 * @param networkName          the CNI network name in the conflist
 * @param podAnnotationTimeout how long ADD waits for the pod's k8s.ovn.org/pod-networks annotation to agree with OVN
 * @param ovnInstalledTimeout  how long ADD waits for ovn-controller to mark the port ovn-installed
 * @param nodeSubnetTimeout    how long start-up waits for the Node's k8s.ovn.org/node-subnets annotation
 * @param cleanupInterval      how often leftovers of deleted pods are looked for (zero: only at start)
 * @param metricsPort          port of /metrics (Prometheus) and /healthz; 0 picks a free one, -1 (the builder's
 *                             default) serves none
 * @param metricsBindAddress   address /metrics and /healthz listen on
 * @param hostNetns            network namespace that stands for the host (ip, ethtool run there through
 *                             nsenter); null: the agent's own. For tests and the sandbox, where a "node" is a
 *                             namespace.
 * @param agentSbRemote        the OVN Southbound as the agent itself reaches it, where it checks pods' addresses,
 *                             when that differs from ovn-controller's (the sandbox, whose agents run outside
 *                             the node's namespace); null: the same as ovn-controller's (external_ids:ovn-remote)
 * @param gateway              this node's gateway (docs/gateway.md); null: the node is no gateway
 * @param enrollment           how the node obtains its OVSDB client certificate through a Kubernetes CSR
 *                             (docs/security.md); null: the operator provides the SSL files, if any
 * @param mode                 overlay (a chassis of kovn's OVN) or underlay (a VM whose pods take ports from its
 *                             pool cache; docs/underlay.md)
 * @param underlayBridge       underlay mode: the VM's OVS bridge with the uplink to the hypervisor
 * @param underlayPoolFromNode underlay mode: fill the pool cache from the Node's kovn.io/underlay-pool annotation
 *                             (the controller's); false: something else fills it
 */
public record NodeAgentConfig(
        String nodeName,
        Path kubeconfig, String apiServer, String apiToken, String caCertificate,
        String ovsdbRemote, String sbRemote, String nbRemote,
        String encapType, String encapIp, String datapathType, Path systemIdFile,
        List<Ipv4Cidr> clusterSubnets, List<Ipv4Cidr> serviceCidrs, int mtu,
        Path cniSocket, Path cniConfDir, Path cniBinDir, Path cniPluginSource, String networkName,
        Duration podAnnotationTimeout, Duration ovnInstalledTimeout, Duration nodeSubnetTimeout,
        Duration cleanupInterval, int metricsPort, InetAddress metricsBindAddress,
        Path hostNetns, String agentSbRemote,
        GatewaySettings gateway, NodeEnrollment enrollment, NodeMode mode, String underlayBridge,
        boolean underlayPoolFromNode) {

    public static final Set<String> ENCAP_TYPES = Set.of("geneve", "vxlan", "stt");
    public static final Set<String> DATAPATH_TYPES = Set.of("system", "netdev");

    public NodeAgentConfig {
        Objects.requireNonNull(nodeName, "nodeName");
        if (nodeName.isBlank()) {
            throw new IllegalArgumentException("the node name is empty");
        }
        if (!ENCAP_TYPES.contains(encapType)) {
            throw new IllegalArgumentException("encap type '" + encapType + "': use one of geneve, vxlan, stt");
        }
        if (!DATAPATH_TYPES.contains(datapathType)) {
            throw new IllegalArgumentException("datapath type '" + datapathType + "': use system or netdev");
        }
        if (mtu < 576 || mtu > 9000) {
            throw new IllegalArgumentException("MTU " + mtu + " outside 576..9000");
        }
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(underlayBridge, "underlayBridge");
        clusterSubnets = List.copyOf(clusterSubnets);
        serviceCidrs = List.copyOf(serviceCidrs);
        if (clusterSubnets.isEmpty()) {
            throw new IllegalArgumentException("no cluster subnet: the host needs a route to the pods");
        }
    }

    /** Userspace datapath: kernel-sent TCP/UDP would reach OVS with partial checksums, so offload goes off. */
    public boolean txChecksumOffloadOff() {
        return "netdev".equals(datapathType);
    }

    public static Builder builder(String nodeName) {
        return new Builder(nodeName);
    }

    public Builder toBuilder() {
        Builder b = new Builder(nodeName);
        b.kubeconfig = kubeconfig;
        b.apiServer = apiServer;
        b.apiToken = apiToken;
        b.caCertificate = caCertificate;
        b.ovsdbRemote = ovsdbRemote;
        b.sbRemote = sbRemote;
        b.nbRemote = nbRemote;
        b.encapType = encapType;
        b.encapIp = encapIp;
        b.datapathType = datapathType;
        b.systemIdFile = systemIdFile;
        b.clusterSubnets = clusterSubnets;
        b.serviceCidrs = serviceCidrs;
        b.mtu = mtu;
        b.cniSocket = cniSocket;
        b.cniConfDir = cniConfDir;
        b.cniBinDir = cniBinDir;
        b.cniPluginSource = cniPluginSource;
        b.networkName = networkName;
        b.podAnnotationTimeout = podAnnotationTimeout;
        b.ovnInstalledTimeout = ovnInstalledTimeout;
        b.nodeSubnetTimeout = nodeSubnetTimeout;
        b.cleanupInterval = cleanupInterval;
        b.metricsPort = metricsPort;
        b.metricsBindAddress = metricsBindAddress;
        b.hostNetns = hostNetns;
        b.agentSbRemote = agentSbRemote;
        b.gateway = gateway;
        b.enrollment = enrollment;
        b.mode = mode;
        b.underlayBridge = underlayBridge;
        b.underlayPoolFromNode = underlayPoolFromNode;
        return b;
    }

    /** Defaults from {@link NodeOptions}, without metrics; every setter returns the builder. */
    public static final class Builder {
        private final String nodeName;
        private Path kubeconfig;
        private String apiServer;
        private String apiToken;
        private String caCertificate;
        private String ovsdbRemote = NodeOptions.OVSDB.defaultParsed();
        private String sbRemote;
        private String nbRemote;
        private String encapType = NodeOptions.ENCAP_TYPE.defaultParsed();
        private String encapIp;
        private String datapathType = NodeOptions.DATAPATH_TYPE.defaultParsed();
        private Path systemIdFile = NodeOptions.SYSTEM_ID_FILE.defaultParsed();
        private List<Ipv4Cidr> clusterSubnets = NodeOptions.CLUSTER_SUBNET.defaultParsed();
        private List<Ipv4Cidr> serviceCidrs = NodeOptions.SERVICE_CIDR.defaultParsed();
        private int mtu = NodeOptions.MTU.defaultParsed();
        private Path cniSocket = NodeOptions.CNI_SOCKET.defaultParsed();
        private Path cniConfDir = NodeOptions.CNI_CONF_DIR.defaultParsed();
        private Path cniBinDir = NodeOptions.CNI_BIN_DIR.defaultParsed();
        private Path cniPluginSource;
        private String networkName = NodeOptions.NETWORK_NAME.defaultParsed();
        private Duration podAnnotationTimeout = NodeOptions.POD_ANNOTATION_TIMEOUT.defaultParsed();
        private Duration ovnInstalledTimeout = NodeOptions.OVN_INSTALLED_TIMEOUT.defaultParsed();
        private Duration nodeSubnetTimeout = NodeOptions.NODE_SUBNET_TIMEOUT.defaultParsed();
        private Duration cleanupInterval = NodeOptions.CLEANUP_INTERVAL.defaultParsed();
        private int metricsPort = -1;
        private InetAddress metricsBindAddress = NodeOptions.METRICS_BIND_ADDRESS.defaultParsed();
        private Path hostNetns;
        private String agentSbRemote;
        private GatewaySettings gateway;
        private NodeEnrollment enrollment;
        private NodeMode mode = NodeMode.of(NodeOptions.MODE.defaultParsed());
        private String underlayBridge = NodeOptions.UNDERLAY_BRIDGE.defaultParsed();
        private boolean underlayPoolFromNode = NodeOptions.UNDERLAY_POOL_SOURCE.defaultParsed().equals(NodeOptions.POOL_FROM_NODE);

        private Builder(String nodeName) {
            this.nodeName = nodeName;
        }

        public Builder kubeconfig(Path v) { kubeconfig = v; return this; }
        public Builder apiServer(String v) { apiServer = v; return this; }
        public Builder apiToken(String v) { apiToken = v; return this; }
        public Builder caCertificate(String v) { caCertificate = v; return this; }
        public Builder ovsdbRemote(String v) { ovsdbRemote = v; return this; }
        public Builder sbRemote(String v) { sbRemote = v; return this; }
        public Builder nbRemote(String v) { nbRemote = v; return this; }
        public Builder encapType(String v) { encapType = v; return this; }
        public Builder encapIp(String v) { encapIp = v; return this; }
        public Builder datapathType(String v) { datapathType = v; return this; }
        public Builder systemIdFile(Path v) { systemIdFile = v; return this; }
        public Builder clusterSubnets(List<Ipv4Cidr> v) { clusterSubnets = v; return this; }
        public Builder serviceCidrs(List<Ipv4Cidr> v) { serviceCidrs = v; return this; }
        public Builder mtu(int v) { mtu = v; return this; }
        public Builder cniSocket(Path v) { cniSocket = v; return this; }
        public Builder cniConfDir(Path v) { cniConfDir = v; return this; }
        public Builder cniBinDir(Path v) { cniBinDir = v; return this; }
        public Builder cniPluginSource(Path v) { cniPluginSource = v; return this; }
        public Builder networkName(String v) { networkName = v; return this; }
        public Builder podAnnotationTimeout(Duration v) { podAnnotationTimeout = v; return this; }
        public Builder ovnInstalledTimeout(Duration v) { ovnInstalledTimeout = v; return this; }
        public Builder nodeSubnetTimeout(Duration v) { nodeSubnetTimeout = v; return this; }
        public Builder cleanupInterval(Duration v) { cleanupInterval = v; return this; }
        public Builder metricsPort(int v) { metricsPort = v; return this; }
        public Builder metricsBindAddress(InetAddress v) { metricsBindAddress = v; return this; }
        public Builder hostNetns(Path v) { hostNetns = v; return this; }
        public Builder agentSbRemote(String v) { agentSbRemote = v; return this; }
        public Builder gateway(GatewaySettings v) { gateway = v; return this; }
        public Builder enrollment(NodeEnrollment v) { enrollment = v; return this; }
        public Builder mode(NodeMode v) { mode = v; return this; }
        public Builder underlayBridge(String v) { underlayBridge = v; return this; }
        public Builder underlayPoolFromNode(boolean v) { underlayPoolFromNode = v; return this; }

        public NodeAgentConfig build() {
            return new NodeAgentConfig(nodeName, kubeconfig, apiServer, apiToken, caCertificate, ovsdbRemote, sbRemote,
                    nbRemote, encapType, encapIp, datapathType, systemIdFile, clusterSubnets, serviceCidrs, mtu,
                    cniSocket, cniConfDir, cniBinDir, cniPluginSource, networkName, podAnnotationTimeout,
                    ovnInstalledTimeout, nodeSubnetTimeout, cleanupInterval, metricsPort, metricsBindAddress, hostNetns,
                    agentSbRemote, gateway, enrollment, mode, underlayBridge, underlayPoolFromNode);
        }
    }
}
