package io.kovn.ovn;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Names of the logical network's parts. They are those ovn-kubernetes uses, so what users know carries over.
 */
public final class Names {
    public static final String CLUSTER_ROUTER = "ovn_cluster_router";
    public static final String JOIN_SWITCH = "join";
    /** The OVS internal interface on each node bound to the node's management LSP. */
    public static final String MANAGEMENT_INTERFACE = "ovn-k8s-mp0";
    public static final String INTEGRATION_BRIDGE = "br-int";

    private Names() {
    }

    /** The logical switch of a node: named after the node. */
    public static String nodeSwitch(String node) {
        return node;
    }

    /** Router port on ovn_cluster_router facing the node's switch. */
    public static String routerToSwitchPort(String node) {
        return "rtos-" + node;
    }

    /** Switch port on the node's switch facing ovn_cluster_router. */
    public static String switchToRouterPort(String node) {
        return "stor-" + node;
    }

    /** The node's management port (host to pod reachability). */
    public static String managementPort(String node) {
        return "k8s-" + node;
    }

    /** A pod's logical switch port, also the OVS interface's external_ids:iface-id. */
    public static String podPort(String namespace, String pod) {
        return namespace + "_" + pod;
    }

    public static String gatewayRouter(String node) {
        return "GR_" + node;
    }

    public static String externalSwitch(String node) {
        return "ext_" + node;
    }

    /**
     * An address set of a NetworkPolicy ({@code policy} as "namespace/name"): {@code part} says what it stands for
     * within the policy (a rule's named port resolved to one number). Hashed: NB names are bounded
     * and Kubernetes names are not.
     */
    public static String policyAddressSet(String policy, String part) {
        return "kovn_as_" + hash(policy + "/" + part);
    }

    /**
     * The address set of every pod address in {@code namespace}: what a NetworkPolicy peer naming namespaces (and
     * every pod in them) matches, shared by every policy instead of one copy per policy and peer.
     */
    public static String namespaceAddressSet(String namespace) {
        return "kovn_ns_as_" + hash(namespace);
    }

    /**
     * The address set of a NetworkPolicy peer that selects pods ({@code peer}: its identity, the hash of its
     * namespace or namespaceSelector and its podSelector): shared by every policy with a peer selecting the same
     * pods, so a pod event changes one set, not one per policy naming those pods.
     */
    public static String peerAddressSet(String peer) {
        return "kovn_peer_as_" + peer;
    }

    private static String hash(String text) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
