package io.kovn.ovn;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The external_ids by which kovn marks what it wrote into OVN: every row carries {@link #OWNER_TYPE} and
 * {@link #OWNER}, so a restart can tell its own rows from others' and map each to its Kubernetes object.
 */
public final class Owners {
    /** What kind of object the row belongs to: one of the TYPE_ constants. */
    public static final String OWNER_TYPE = "kovn.io/owner-type";
    /** The owning object: "namespace/name" for namespaced objects, "name" otherwise. */
    public static final String OWNER = "kovn.io/owner";

    public static final String TYPE_CLUSTER = "Cluster";
    public static final String TYPE_NODE = "Node";
    public static final String TYPE_POD = "Pod";
    public static final String TYPE_SERVICE = "Service";
    public static final String TYPE_NETWORK_POLICY = "NetworkPolicy";
    public static final String TYPE_NAMESPACE = "Namespace";
    /**
     * A NetworkPolicy peer's pods ({@code Names#peerAddressSet}), shared by the policies naming them: the owner is
     * the peer's identity, and {@link #PEER} says which pods it stands for.
     */
    public static final String TYPE_POLICY_PEER = "NetworkPolicyPeer";
    /** On a peer's address set: the pods it holds, as JSON (the namespace or namespaceSelector, the podSelector). */
    public static final String PEER = "kovn.io/peer";

    /**
     * On ACLs: which part of the owner the ACL stands for, so a verdict (ovn-trace, ACL logs) names it: a policy's
     * rule as {@code ingress/<index>} or {@code egress/<index>} (the index in the policy's spec), a namespace's
     * {@link #RULE_DEFAULT_DENY_INGRESS}, {@link #RULE_DEFAULT_DENY_EGRESS} or {@link #RULE_NODE_MANAGEMENT}. On a
     * policy's named-port address sets: {@code egress/<index>}, or {@code ingress} (all ingress rules resolve named
     * ports on the same pods and share the sets).
     */
    public static final String RULE = "kovn.io/rule";
    public static final String RULE_DEFAULT_DENY_INGRESS = "default-deny-ingress";
    public static final String RULE_DEFAULT_DENY_EGRESS = "default-deny-egress";
    /** The allow of the nodes' management ports (kubelet probes) into isolated pods. */
    public static final String RULE_NODE_MANAGEMENT = "node-management";
    /**
     * On a NetworkPolicy's address set of a named port (with {@link #RULE}): the port's name, protocol and the number
     * it resolved to on the set's pods, as {@code http tcp/8080}.
     */
    public static final String NAMED_PORT = "kovn.io/named-port";

    /** Extra keys on pod ports. */
    public static final String NAMESPACE = "namespace";
    public static final String POD = "pod";
    public static final String POD_UID = "pod-uid";

    private Owners() {
    }

    public static Map<String, String> of(String type, String owner) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(OWNER_TYPE, type);
        m.put(OWNER, owner);
        return m;
    }

    /** {@code owner} with the {@link #RULE} key. */
    public static Map<String, String> rule(Map<String, String> owner, String rule) {
        Map<String, String> m = new LinkedHashMap<>(owner);
        m.put(RULE, rule);
        return m;
    }

    public static Map<String, String> pod(String namespace, String name, String uid) {
        Map<String, String> m = of(TYPE_POD, namespace + "/" + name);
        m.put(NAMESPACE, namespace);
        m.put(POD, name);
        m.put(POD_UID, uid);
        return m;
    }
}
