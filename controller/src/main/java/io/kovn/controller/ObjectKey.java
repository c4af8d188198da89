package io.kovn.controller;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.kovn.ovn.Owners;
import io.kovn.ovn.nb.AddressSet;
import io.kovn.ovn.nb.ChassisTemplateVar;
import io.kovn.ovn.nb.LoadBalancer;
import io.kovn.ovn.nb.LogicalRouter;
import io.kovn.ovn.nb.LogicalRouterPort;
import io.kovn.ovn.nb.LogicalSwitch;
import io.kovn.ovn.nb.LogicalSwitchPort;
import io.kovn.ovn.nb.PortGroup;
import io.kovn.ovsdb.model.Table;
import io.kovn.ovsdb.model.TypedRow;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** Identifies a Kubernetes object the controller reconciles; namespace is "" for cluster-scoped kinds. */
public record ObjectKey(Kind kind, String namespace, String name) implements Comparable<ObjectKey> {

    /**
     * The kinds the controller reconciles, each declared once with what names it in NB: the owner type its rows
     * carry ({@link Owners#OWNER_TYPE}) and the tables those rows are in, so a full sync finds the owners of rows
     * whose object is gone. In the order a batch handles them: nodes before the pods that need their switch, pods
     * before the policies whose port groups hold their ports. NAMESPACE stands for a namespace's network isolation and
     * its address set; POLICY_PEER for the address set of the pods a NetworkPolicy peer selects, shared by every
     * policy naming those pods (no object of its own: its name is the peer's id), before the policies whose ACLs
     * name it.
     */
    public enum Kind {
        NODE(Owners.TYPE_NODE, false, LogicalSwitch.TABLE, LogicalRouterPort.TABLE, LogicalRouter.TABLE,
                ChassisTemplateVar.TABLE),
        POD(Owners.TYPE_POD, true, LogicalSwitchPort.TABLE),
        SERVICE(Owners.TYPE_SERVICE, true, LoadBalancer.TABLE),
        NAMESPACE(Owners.TYPE_NAMESPACE, false, PortGroup.TABLE, AddressSet.TABLE),
        POLICY_PEER(Owners.TYPE_POLICY_PEER, false, AddressSet.TABLE),
        NETWORK_POLICY(Owners.TYPE_NETWORK_POLICY, true, PortGroup.TABLE, AddressSet.TABLE);

        private final String ownerType;
        private final boolean namespaced;
        private final List<Table<? extends TypedRow>> ownedTables;

        @SafeVarargs
        Kind(String ownerType, boolean namespaced, Table<? extends TypedRow>... ownedTables) {
            this.ownerType = ownerType;
            this.namespaced = namespaced;
            this.ownedTables = List.of(ownedTables);
        }

        /** The value of {@link Owners#OWNER_TYPE} on the NB rows objects of this kind own. */
        public String ownerType() {
            return ownerType;
        }

        /** The NB tables holding rows that objects of this kind own. */
        public List<Table<? extends TypedRow>> ownedTables() {
            return ownedTables;
        }

        /** The key of {@code obj}, an object of this kind. */
        public ObjectKey key(HasMetadata obj) {
            return new ObjectKey(this, namespaced ? obj.getMetadata().getNamespace() : "", obj.getMetadata().getName());
        }

        /**
         * The key an {@link Owners#OWNER} value names ("namespace/name" or "name"); empty if it is not one of this
         * kind (an NB row someone else edited: such a row is neither explained nor deleted by kovn).
         */
        public Optional<ObjectKey> keyOfOwner(String owner) {
            if (owner == null || owner.isEmpty()) {
                return Optional.empty();
            }
            int slash = owner.indexOf('/');
            if (!namespaced) {
                return slash < 0 ? Optional.of(new ObjectKey(this, "", owner)) : Optional.empty();
            }
            if (slash <= 0 || slash == owner.length() - 1 || owner.indexOf('/', slash + 1) >= 0) {
                return Optional.empty();
            }
            return Optional.of(new ObjectKey(this, owner.substring(0, slash), owner.substring(slash + 1)));
        }

        /** The kind whose rows carry {@code ownerType}, if kovn reconciles one. */
        public static Optional<Kind> ofOwnerType(String ownerType) {
            return Arrays.stream(values()).filter(k -> k.ownerType.equals(ownerType)).findFirst();
        }
    }

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

    /** The address set of a policy peer's pods, by the peer's id. */
    public static ObjectKey policyPeer(String id) {
        return new ObjectKey(Kind.POLICY_PEER, "", id);
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
        if (kind != o.kind) {
            return kind.compareTo(o.kind);
        }
        int byNamespace = namespace.compareTo(o.namespace);
        return byNamespace != 0 ? byNamespace : name.compareTo(o.name);
    }

    @Override
    public String toString() {
        return kind.name().toLowerCase().replace('_', ' ') + " " + ref();
    }
}
