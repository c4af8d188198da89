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

    public static Map<String, String> pod(String namespace, String name, String uid) {
        Map<String, String> m = of(TYPE_POD, namespace + "/" + name);
        m.put(NAMESPACE, namespace);
        m.put(POD, name);
        m.put(POD_UID, uid);
        return m;
    }
}
