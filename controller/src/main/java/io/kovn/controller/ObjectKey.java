package io.kovn.controller;

/** Identifies a Kubernetes object the controller reconciles; namespace is "" for cluster-scoped kinds. */
public record ObjectKey(Kind kind, String namespace, String name) implements Comparable<ObjectKey> {

    /**
     * Kinds in the order a batch handles them: nodes before the pods that need their switch, pods before the
     * policies whose port groups hold their ports. NAMESPACE stands for a namespace's network isolation.
     */
    public enum Kind { NODE, POD, SERVICE, NAMESPACE, NETWORK_POLICY }

    public static ObjectKey node(String name) {
        return new ObjectKey(Kind.NODE, "", name);
    }

    public static ObjectKey pod(String namespace, String name) {
        return new ObjectKey(Kind.POD, namespace, name);
    }

    public static ObjectKey service(String namespace, String name) {
        return new ObjectKey(Kind.SERVICE, namespace, name);
    }

    public static ObjectKey namespace(String name) {
        return new ObjectKey(Kind.NAMESPACE, "", name);
    }

    public static ObjectKey networkPolicy(String namespace, String name) {
        return new ObjectKey(Kind.NETWORK_POLICY, namespace, name);
    }

    /** "namespace/name", or "name" for cluster-scoped objects: the value of the owner external_id. */
    public String ref() {
        return namespace.isEmpty() ? name : namespace + "/" + name;
    }

    @Override
    public int compareTo(ObjectKey o) {
        return kind != o.kind ? kind.compareTo(o.kind) : ref().compareTo(o.ref());
    }

    @Override
    public String toString() {
        return kind.name().toLowerCase().replace('_', ' ') + " " + ref();
    }
}
