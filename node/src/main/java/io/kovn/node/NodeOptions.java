package io.kovn.node;

import io.kovn.node.gateway.GatewaySettings;
import io.kovn.node.pki.NodeEnrollment;
import io.kovn.ovn.config.ConfigException;
import io.kovn.ovn.config.Configuration;
import io.kovn.ovn.config.NetworkDefaults;
import io.kovn.ovn.config.Option;
import io.kovn.ovn.config.OptionSet;
import io.kovn.ovn.config.OvsdbRemoteOptions;
import io.kovn.ovn.net.Ipv4Cidr;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The options of {@code kovn node} (and those {@code kovn minion-init} and {@code kovn gateway-init} share),
 * declared once. The values the original guides keep in the local Open_vSwitch table (ovn-remote, ovn-nb,
 * ovn-encap-ip, ovn-encap-type, k8s-api-server, k8s-api-token) stand in for defaults: see {@link NodeMain}.
 */
public final class NodeOptions {
    public static final Option<String> NODE_NAME = Option.string("node-name",
            "the Kubernetes Node this agent serves (as kubelet names it)").required();
    public static final Option<Path> KUBECONFIG = Option.path("kubeconfig", "kubeconfig file of the Kubernetes API")
            .defaultHelp("--k8s-api-server, else in-cluster config or ~/.kube/config");
    public static final Option<String> K8S_API_SERVER = Option.string("k8s-api-server",
            "API server URL (no scheme means http, as the original guides say); stored in external_ids")
            .ovsKey("k8s-api-server");
    public static final Option<String> K8S_TOKEN = Option.string("k8s-token",
            "bearer token of the API server; stored in external_ids").secret().ovsKey("k8s-api-token");
    public static final Option<Path> K8S_CA_CERT = Option.path("k8s-ca-cert",
            "PEM file of the API server's CA; its text is stored as external_ids:k8s-ca-certificate")
            .defaultHelp("external_ids:k8s-ca-certificate, else /etc/openvswitch/k8s-ca.crt");
    public static final Option<String> OVSDB = OvsdbRemoteOptions.remote("ovsdb", "the local Open_vSwitch database")
            .defaultValue("unix:/var/run/openvswitch/db.sock");
    public static final Option<String> SB_ADDRESS = OvsdbRemoteOptions.remote("sb-address",
            "OVN Southbound, for ovn-controller").ovsKey("ovn-remote");
    public static final Option<String> AGENT_SB_ADDRESS = OvsdbRemoteOptions.remote("agent-sb-address",
            "OVN Southbound as the agent itself reaches it to check pods' addresses, where that differs from "
                    + "ovn-controller's (the agent runs outside the node's network namespace)")
            .defaultHelp("--sb-address (external_ids:ovn-remote)");
    public static final Option<String> NB_ADDRESS = OvsdbRemoteOptions.remote("nb-address",
            "OVN Northbound, stored for tools on the node").ovsKey("ovn-nb");
    public static final Option<String> ENCAP_TYPE = Option.choice("encap-type", List.of("geneve", "vxlan", "stt"),
            "tunnel type").defaultValue("geneve").ovsKey("ovn-encap-type");
    public static final Option<String> ENCAP_IP = Option.of("encap-ip", "IP", NodeOptions::address,
            "tunnel endpoint address").ovsKey("ovn-encap-ip").defaultHelp("the Node's InternalIP");
    public static final Option<String> DATAPATH_TYPE = Option.choice("datapath-type", List.of("system", "netdev"),
            "br-int's datapath: netdev (userspace) also turns transmit checksum offload off on pod and host "
                    + "interfaces").defaultValue("system");
    public static final Option<Path> SYSTEM_ID_FILE = Option.path("system-id-file",
            "where the stable system-id (ovn-controller's chassis name) is kept")
            .defaultValue("/etc/openvswitch/system-id.conf");
    public static final Option<List<Ipv4Cidr>> CLUSTER_SUBNET = Option.cidrs("cluster-subnet",
            "pod network(s), routed from the host through the management port")
            .defaultValue(NetworkDefaults.CLUSTER_SUBNET).validate(l -> !l.isEmpty(), "at least one CIDR");
    public static final Option<List<Ipv4Cidr>> SERVICE_CIDR = Option.cidrs("service-cidr",
            "service network(s), routed through the management port").defaultValue("");
    public static final Option<Integer> MTU = Option.integer("mtu", 576, 9000,
            "MTU of pod interfaces and of the management port (1400 leaves room for geneve on a 1500 underlay)")
            .defaultValue("1400");
    public static final Option<Path> CNI_SOCKET = Option.path("cni-socket", "the CNI server's unix socket (root only)")
            .defaultValue("/var/run/kovn/cni-server.sock");
    public static final Option<Path> CNI_CONF_DIR = Option.path("cni-conf-dir", "where the CNI conflist is installed")
            .defaultValue("/etc/cni/net.d");
    public static final Option<Path> CNI_BIN_DIR = Option.path("cni-bin-dir",
            "where the plugin (kovn-cni and kovn-cni.jar) is installed").defaultValue("/opt/cni/bin");
    public static final Option<Boolean> INSTALL_PLUGIN = Option.bool("install-plugin",
            "copy the CNI plugin into --cni-bin-dir").defaultValue("true");
    public static final Option<Path> CNI_PLUGIN_SOURCE = Option.path("cni-plugin-source",
            "a directory with kovn-cni and kovn-cni.jar, or a kovn checkout (bin/kovn-cni, cni/target/kovn-cni.jar)")
            .defaultHelp("the kovn installation bin/kovn runs from");
    public static final Option<String> NETWORK_NAME = Option.string("network-name", "the CNI network name in the conflist")
            .defaultValue("kovn");
    public static final Option<Duration> POD_ANNOTATION_TIMEOUT = Option.duration("pod-annotation-timeout",
            "how long CNI ADD waits for the pod's k8s.ovn.org/pod-networks annotation").defaultValue("30s");
    public static final Option<Duration> OVN_INSTALLED_TIMEOUT = Option.duration("ovn-installed-timeout",
            "how long CNI ADD waits for ovn-controller to mark the port ovn-installed").defaultValue("30s");
    public static final Option<Duration> NODE_SUBNET_TIMEOUT = Option.duration("node-subnet-timeout",
            "how long start-up waits for the Node and its k8s.ovn.org/node-subnets annotation").defaultValue("5m");
    public static final Option<Duration> CLEANUP_INTERVAL = Option.duration("cleanup-interval",
            "how often leftovers of deleted pods are looked for (0s: only at start)").defaultValue("1m");
    public static final Option<Integer> METRICS_PORT = Option.integer("metrics-port", -1, 65535,
            "port of /metrics (CNI requests by command and result, leftovers removed) and /healthz; 0 picks a free "
                    + "one, -1 serves none").defaultValue("9411");
    public static final Option<InetAddress> METRICS_BIND_ADDRESS = Option.ipAddress("metrics-bind-address",
            "address /metrics and /healthz listen on").defaultValue("0.0.0.0");
    public static final Option<Boolean> ENROLL_CERTIFICATE = Option.bool("enroll-certificate",
            "obtain this node's OVSDB client certificate (CN = chassis name) through a Kubernetes CSR of signer "
                    + "kovn.io/ovn-node, with a key made here; point the local Open_vSwitch SSL row (ovn-controller, "
                    + "and the agent's own ssl: Southbound connection) at it; renew it at 2/3 of its lifetime")
            .defaultValue("false");
    public static final Option<Path> PKI_DIR = Option.path("pki-dir",
            "where the enrolled key (0600), certificate and CA certificate are written (a 0700 directory)")
            .defaultValue("/etc/kovn/pki");
    public static final Option<String> PKI_NAMESPACE = Option.string("pki-namespace",
            "kovn's namespace, whose ConfigMap kovn-ca holds the CA certificate the node trusts")
            .defaultValue("kovn-system");
    public static final Option<Duration> ENROLL_TIMEOUT = Option.duration("enroll-timeout",
            "how long start-up waits for the kovn-ca ConfigMap and for the signed certificate").defaultValue("5m");
    public static final Option<Path> HOST_NETNS = Option.path("host-netns",
            "network namespace (e.g. /run/netns/node1) where ip, ethtool and sysctl run for the host side: for an "
                    + "agent serving a node that lives in a network namespace (the sandbox, labs)")
            .defaultHelp("the agent's own");

    public static final Option<String> MODE = Option.choice("mode", List.of(NodeMode.OVERLAY.flagValue(),
            NodeMode.UNDERLAY.flagValue()), "overlay: the node is a chassis of kovn's own OVN; underlay: the node is "
            + "a VM on a cloud whose OVN carries the pods, and pods take ports from the VM's pool cache "
            + "(docs/underlay.md)").defaultValue(NodeMode.OVERLAY.flagValue());
    public static final Option<String> UNDERLAY_BRIDGE = Option.of("underlay-bridge", "BRIDGE",
            NodeOptions::deviceName, "underlay mode: the VM's OVS bridge whose uplink carries the pods' tagged frames "
                    + "to the hypervisor (created, without an uplink, if missing)").defaultValue("br-int");
    /** {@link #UNDERLAY_POOL_SOURCE}: the Node's pool annotation. */
    public static final String POOL_FROM_NODE = "node";
    public static final Option<String> UNDERLAY_POOL_SOURCE = Option.choice("underlay-pool-source",
            List.of(POOL_FROM_NODE, "local"), "underlay mode: node: the agent keeps the pool cache equal to its Node's "
                    + "kovn.io/underlay-pool annotation (written by kovn controller --mode underlay), which needs the "
                    + "Kubernetes API; local: something else writes the cache and the agent uses no API")
            .defaultValue(POOL_FROM_NODE);

    public static final Option<String> PHYSICAL_INTERFACE = Option.string("physical-interface",
            "dedicated gateway: this NIC becomes a port of bridge br<IFACE> and carries only the cluster's "
                    + "north-south traffic (needs --physical-ip and --default-gw)");
    public static final Option<String> BRIDGE_INTERFACE = Option.string("bridge-interface",
            "shared gateway: the bridge kovn nics-to-bridge made (e.g. breth0); host and cluster share its NIC");
    public static final Option<String> PHYSICAL_IP = Option.of("physical-ip", "IP/PREFIX", NodeOptions::addressWithPrefix,
            "the gateway's address with prefix, e.g. 10.33.74.138/24").defaultHelp("shared: the bridge's first address");
    public static final Option<String> DEFAULT_GW = Option.of("default-gw", "IP", NodeOptions::address,
            "next hop of the cluster's egress").defaultHelp("shared: the bridge's default route");
    public static final Option<List<Ipv4Cidr>> RAMPOUT_IP_SUBNETS = Option.cidrs("rampout-ip-subnets",
            "pod subnets whose egress leaves through this gateway, e.g. 10.244.1.0/24,10.244.2.0/24").defaultValue("");
    public static final Option<int[]> NODE_PORT_RANGE = Option.of("node-port-range", "MIN-MAX", NodeOptions::portRange,
            "NodePorts the shared bridge sends to OVN")
            .defaultValue(GatewaySettings.NODE_PORT_MIN + "-" + GatewaySettings.NODE_PORT_MAX);

    /** The gateway options of {@code kovn node} and {@code kovn gateway-init}. */
    public static final List<Option<?>> GATEWAY = List.of(PHYSICAL_INTERFACE, BRIDGE_INTERFACE, PHYSICAL_IP, DEFAULT_GW,
            RAMPOUT_IP_SUBNETS, NODE_PORT_RANGE);

    /** What the agent and minion-init share: local OVS, OVN remotes, API access, CNI. */
    static final List<Option<?>> NODE_SETUP = List.of(KUBECONFIG, K8S_API_SERVER, K8S_TOKEN, K8S_CA_CERT, OVSDB,
            SB_ADDRESS, NB_ADDRESS, ENCAP_TYPE, ENCAP_IP, DATAPATH_TYPE, SYSTEM_ID_FILE, SERVICE_CIDR, MTU, CNI_SOCKET,
            CNI_CONF_DIR, CNI_BIN_DIR, INSTALL_PLUGIN, CNI_PLUGIN_SOURCE, NETWORK_NAME, HOST_NETNS);

    public static final OptionSet SET = OptionSet.of("node",
            "Run the node agent: points the local OVS at OVN, owns br-int and the management port ovn-k8s-mp0, "
                    + "installs the CNI config and plugin, serves CNI requests for this node's pods and removes "
                    + "leftovers of deleted pods. With --mode underlay it runs no OVN part: it keeps the VM's bridge, "
                    + "serves CNI from the VM's pool cache and installs the CNI config and plugin. With --physical-interface or --bridge-interface it is also a gateway "
                    + "node: it sets up the bridge, publishes the gateway annotations and keeps the bridge's flows.",
            agentOptions());

    private NodeOptions() {
    }

    private static List<Option<?>> agentOptions() {
        List<Option<?>> all = new ArrayList<>(List.of(NODE_NAME, CLUSTER_SUBNET));
        all.addAll(NODE_SETUP);
        all.addAll(List.of(POD_ANNOTATION_TIMEOUT, OVN_INSTALLED_TIMEOUT, NODE_SUBNET_TIMEOUT, CLEANUP_INTERVAL,
                METRICS_PORT, METRICS_BIND_ADDRESS, AGENT_SB_ADDRESS, ENROLL_CERTIFICATE, PKI_DIR, PKI_NAMESPACE,
                ENROLL_TIMEOUT, MODE, UNDERLAY_BRIDGE, UNDERLAY_POOL_SOURCE));
        all.addAll(GATEWAY);
        return all;
    }

    /** The agent's settings from a resolved {@link #SET} (or minion-init's, which has no timeouts or gateway). */
    public static NodeAgentConfig config(Configuration c) {
        boolean agent = c.optionSet().contains(METRICS_PORT);
        try {
            NodeAgentConfig.Builder b = NodeAgentConfig.builder(c.get(NODE_NAME)).kubeconfig(c.get(KUBECONFIG))
                    .apiServer(c.get(K8S_API_SERVER)).apiToken(c.get(K8S_TOKEN)).caCertificate(pem(c.get(K8S_CA_CERT)))
                    .ovsdbRemote(c.get(OVSDB)).sbRemote(c.get(SB_ADDRESS)).nbRemote(c.get(NB_ADDRESS))
                    .encapType(c.get(ENCAP_TYPE)).encapIp(c.get(ENCAP_IP)).datapathType(c.get(DATAPATH_TYPE))
                    .systemIdFile(c.get(SYSTEM_ID_FILE)).serviceCidrs(c.get(SERVICE_CIDR)).mtu(c.get(MTU))
                    .cniSocket(c.get(CNI_SOCKET)).cniConfDir(c.get(CNI_CONF_DIR)).cniBinDir(c.get(CNI_BIN_DIR))
                    .cniPluginSource(pluginSource(c)).networkName(c.get(NETWORK_NAME)).hostNetns(c.get(HOST_NETNS));
            if (c.optionSet().contains(CLUSTER_SUBNET)) {
                b.clusterSubnets(c.get(CLUSTER_SUBNET));
            }
            if (agent) {
                b.podAnnotationTimeout(c.get(POD_ANNOTATION_TIMEOUT)).ovnInstalledTimeout(c.get(OVN_INSTALLED_TIMEOUT))
                        .nodeSubnetTimeout(c.get(NODE_SUBNET_TIMEOUT)).cleanupInterval(c.get(CLEANUP_INTERVAL))
                        .metricsPort(c.get(METRICS_PORT)).metricsBindAddress(c.get(METRICS_BIND_ADDRESS))
                        .agentSbRemote(c.get(AGENT_SB_ADDRESS)).gateway(gateway(c))
                        .mode(NodeMode.of(c.get(MODE))).underlayBridge(c.get(UNDERLAY_BRIDGE))
                        .underlayPoolFromNode(POOL_FROM_NODE.equals(c.get(UNDERLAY_POOL_SOURCE))).enrollment(c.get(ENROLL_CERTIFICATE)
                                ? new NodeEnrollment(c.get(PKI_DIR), c.get(PKI_NAMESPACE), c.get(ENROLL_TIMEOUT)) : null);
                if (NodeMode.of(c.get(MODE)) == NodeMode.UNDERLAY && gateway(c) != null) {
                    throw new ConfigException(MODE.flag() + " underlay has no gateway: the cloud's OVN routes the pods");
                }
            }
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
    }

    /** The gateway settings, or null when neither --physical-interface nor --bridge-interface is given. */
    public static GatewaySettings gateway(Configuration c) {
        String physical = c.get(PHYSICAL_INTERFACE);
        String bridge = c.get(BRIDGE_INTERFACE);
        if (physical == null && bridge == null) {
            if (c.given(PHYSICAL_IP) || c.given(DEFAULT_GW) || c.given(RAMPOUT_IP_SUBNETS)) {
                throw new ConfigException(PHYSICAL_IP.flag() + ", " + DEFAULT_GW.flag() + " and "
                        + RAMPOUT_IP_SUBNETS.flag() + " need " + PHYSICAL_INTERFACE.flag() + " or " + BRIDGE_INTERFACE.flag());
            }
            return null;
        }
        if (physical != null && bridge != null) {
            throw new ConfigException("give " + PHYSICAL_INTERFACE.flag() + " (dedicated) or " + BRIDGE_INTERFACE.flag()
                    + " (shared), not both");
        }
        if (physical != null && (c.get(PHYSICAL_IP) == null || c.get(DEFAULT_GW) == null)) {
            throw new ConfigException(PHYSICAL_INTERFACE.flag() + " (a dedicated gateway) needs " + PHYSICAL_IP.flag()
                    + " and " + DEFAULT_GW.flag());
        }
        int[] range = c.get(NODE_PORT_RANGE);
        return new GatewaySettings(physical, bridge, c.get(PHYSICAL_IP), c.get(DEFAULT_GW),
                c.get(RAMPOUT_IP_SUBNETS), range[0], range[1]);
    }

    private static Path pluginSource(Configuration c) {
        if (!c.get(INSTALL_PLUGIN)) {
            return null;
        }
        if (c.get(CNI_PLUGIN_SOURCE) != null) {
            return c.get(CNI_PLUGIN_SOURCE);
        }
        String home = System.getProperty("kovn.home");
        return home == null ? null : Path.of(home);
    }

    private static String pem(Path file) {
        if (file == null) {
            return null;
        }
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException(K8S_CA_CERT.flag() + " " + file + ": cannot read it (" + e.getMessage() + ")");
        }
    }

    private static String address(String s) {
        try {
            Ipv4Cidr.parseAddress(s.trim());
            return s.trim();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("an IPv4 address such as 10.0.0.2");
        }
    }

    /** An OVS bridge is also a network device: its name follows the kernel's rules. */
    private static String deviceName(String s) {
        String name = s.trim();
        if (!name.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,14}")) {
            throw new IllegalArgumentException("a device name: 1-15 letters, digits, '_', '.', '-'");
        }
        return name;
    }

    private static String addressWithPrefix(String s) {
        try {
            Ipv4Cidr.parse(s.trim());
            return s.trim();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("an IPv4 address with its prefix length, e.g. 10.33.74.138/24");
        }
    }

    private static int[] portRange(String s) {
        String[] parts = s.split("-", 2);
        try {
            int min = Integer.parseInt(parts[0].trim());
            int max = Integer.parseInt(parts[1].trim());
            if (min >= 1 && max <= 65535 && min <= max) {
                return new int[] {min, max};
            }
        } catch (RuntimeException e) {
            // reported below
        }
        throw new IllegalArgumentException("MIN-MAX ports, e.g. 30000-32767");
    }
}
