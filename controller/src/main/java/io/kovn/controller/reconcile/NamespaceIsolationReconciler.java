package io.kovn.controller.reconcile;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.kovn.controller.ObjectKey;
import io.kovn.ovn.Names;
import io.kovn.ovn.Owners;
import io.kovn.ovn.nb.AddressSet;
import io.kovn.ovn.nb.PortGroup;
import io.kovn.ovn.ops.NbTxn;
import io.kovn.ovn.ops.PolicyOps;
import io.kovn.ovsdb.wire.Uuid;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Default deny, as ovn-kubernetes does it: per namespace, a port group of the pods some policy isolates for
 * ingress (and one for egress), with a drop ACL below every policy's allow ACLs, and an allow for traffic from
 * the nodes' management ports (kubelet probes). And the namespace's address set ({@link Names#namespaceAddressSet}),
 * which the policies' peers that name namespaces match.
 */
public final class NamespaceIsolationReconciler implements Reconciler {
    static final long DENY_PRIORITY = 1000;
    /** Cluster-wide address set of the nodes' management port addresses, kept by {@link NodeReconciler}. */
    public static final String NODE_MANAGEMENT_SET = "kovn_node_mgmt";

    private final ClusterState state;

    public NamespaceIsolationReconciler(ClusterState state) {
        this.state = state;
    }

    public static String ingressGroup(String namespace) {
        return "kovn_ns_in_" + NetworkPolicyReconciler.hash(namespace);
    }

    public static String egressGroup(String namespace) {
        return "kovn_ns_out_" + NetworkPolicyReconciler.hash(namespace);
    }

    @Override
    public AfterCommit reconcile(ObjectKey key, NbTxn txn) {
        String ns = key.name();
        Map<String, Pod> ingress = new LinkedHashMap<>();
        Map<String, Pod> egress = new LinkedHashMap<>();
        for (NetworkPolicy np : state.policiesIn(ns)) {
            Set<String> types = NetworkPolicyReconciler.policyTypes(np);
            for (Pod p : NetworkPolicyReconciler.selectedPods(state, np)) {
                if (types.contains("Ingress")) {
                    ingress.put(p.getMetadata().getName(), p);
                }
                if (types.contains("Egress")) {
                    egress.put(p.getMetadata().getName(), p);
                }
            }
        }
        Namespace namespace = state.namespace(ns);
        Optional<String> denyLog = NetworkPolicyReconciler.logSeverity(namespace, "deny");
        Optional<String> allowLog = NetworkPolicyReconciler.logSeverity(namespace, "allow");
        Map<String, String> owner = Owners.of(Owners.TYPE_NAMESPACE, ns);
        String in = ingressGroup(ns);
        String out = egressGroup(ns);
        Optional<String> logName = Optional.of(ns.length() > 63 ? ns.substring(0, 63) : ns);
        group(txn, in, ingress, Set.of(
                new PolicyOps.AclSpec("to-lport", DENY_PRIORITY, "outport == @" + in + " && ip4", "drop", denyLog,
                        denyLog.flatMap(s -> logName), Owners.rule(owner, Owners.RULE_DEFAULT_DENY_INGRESS)),
                new PolicyOps.AclSpec("to-lport", NetworkPolicyReconciler.ALLOW_PRIORITY, "outport == @" + in
                        + " && ip4.src == $" + NODE_MANAGEMENT_SET, "allow-related", allowLog, allowLog.flatMap(s -> logName),
                        Owners.rule(owner, Owners.RULE_NODE_MANAGEMENT))),
                owner);
        // the allow-related ACL also makes the pods' switches stateful: without one, OVN does not track
        // connections there and would drop the replies of an egress-isolated pod to connections others opened
        group(txn, out, egress, Set.of(
                new PolicyOps.AclSpec("from-lport", DENY_PRIORITY, "inport == @" + out + " && ip4", "drop", denyLog,
                        denyLog.flatMap(s -> logName), Owners.rule(owner, Owners.RULE_DEFAULT_DENY_EGRESS)),
                new PolicyOps.AclSpec("to-lport", NetworkPolicyReconciler.ALLOW_PRIORITY, "outport == @" + out
                        + " && ip4.src == $" + NODE_MANAGEMENT_SET, "allow-related", allowLog, allowLog.flatMap(s -> logName),
                        Owners.rule(owner, Owners.RULE_NODE_MANAGEMENT))),
                owner);
        addresses(txn, ns, namespace, owner);
        return AfterCommit.NOTHING;
    }

    /** The namespace's address set: every networked pod's address in it; none once the namespace is gone. */
    private void addresses(NbTxn txn, String ns, Namespace namespace, Map<String, String> owner) {
        String name = Names.namespaceAddressSet(ns);
        if (namespace == null) {
            txn.nb().lookupOne(AddressSet.TABLE, AddressSet.NAME, name).ifPresent(as -> PolicyOps.deleteAddressSet(txn, as));
            return;
        }
        Set<String> ips = new HashSet<>();
        for (Pod p : state.selectPods(ns, null)) {
            state.podIp(p).ifPresent(ips::add);
        }
        PolicyOps.ensureAddressSet(txn, name, ips, owner);
    }

    /**
     * A networked pod's own place in its namespace's rows, kept by the pod's reconcile one element at a time: its
     * address in the namespace's address set, its port in the isolation port groups of the policies selecting it.
     * Pods created and deleted then cost a mutate of one element each, instead of the namespace's rows computed again
     * from its every pod; the rows are created, and computed whole, by the namespace's own reconcile (namespace and
     * policy changes, a pod's label change, the full sync and the audit). A row that does not exist yet is left to it.
     */
    static void join(NbTxn txn, Pod pod, List<NetworkPolicy> selecting, String ip, Uuid port) {
        String ns = pod.getMetadata().getNamespace();
        addressMember(txn, ns, ip, true);
        boolean ingress = false;
        boolean egress = false;
        for (NetworkPolicy np : selecting) {
            Set<String> types = NetworkPolicyReconciler.policyTypes(np);
            ingress |= types.contains("Ingress");
            egress |= types.contains("Egress");
        }
        member(txn, ingressGroup(ns), port, ingress);
        member(txn, egressGroup(ns), port, egress);
    }

    /**
     * A pod that held {@code ip} leaves its namespace (deleted, finished, recreated): the address out of the
     * namespace's set; its port leaves the isolation groups with the port itself (they reference it weakly).
     */
    static void leave(NbTxn txn, String namespace, String ip) {
        addressMember(txn, namespace, ip, false);
    }

    private static void addressMember(NbTxn txn, String namespace, String ip, boolean member) {
        txn.nb().lookupOne(AddressSet.TABLE, AddressSet.NAME, Names.namespaceAddressSet(namespace)).ifPresent(as ->
                PolicyOps.setMember(txn, AddressSet.TABLE, as.uuid(), AddressSet.ADDRESSES, as.addresses(), ip, member));
    }

    private static void member(NbTxn txn, String group, Uuid port, boolean member) {
        txn.nb().lookupOne(PortGroup.TABLE, PortGroup.NAME, group).ifPresent(pg ->
                PolicyOps.setMember(txn, PortGroup.TABLE, pg.uuid(), PortGroup.PORTS, pg.ports(), port, member));
    }

    private void group(NbTxn txn, String name, Map<String, Pod> pods, Set<PolicyOps.AclSpec> acls, Map<String, String> owner) {
        Set<Uuid> ports = new LinkedHashSet<>();
        pods.values().forEach(p -> PolicyOps.portRef(txn, Names.podPort(p.getMetadata().getNamespace(), p.getMetadata().getName()))
                .ifPresent(ports::add));
        if (ports.isEmpty()) {
            txn.nb().lookupOne(PortGroup.TABLE, PortGroup.NAME, name).ifPresent(pg -> PolicyOps.deletePortGroup(txn, pg));
        } else {
            PolicyOps.ensurePortGroup(txn, name, ports, acls, owner);
        }
    }
}
