package io.kovn.controller.reconcile;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.kovn.controller.ObjectKey;
import io.kovn.ovn.Owners;
import io.kovn.ovn.nb.AddressSet;
import io.kovn.ovn.nb.PortGroup;
import io.kovn.ovn.ops.NbTxn;
import io.kovn.ovn.ops.PolicyOps;
import io.kovn.ovsdb.wire.Uuid;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A pod's own place in the rows of the NetworkPolicies of its namespace that select it, kept by the pod's reconcile
 * one element at a time, as {@link NamespaceIsolationReconciler#join} keeps its namespace's: its port in each such
 * policy's port group, its address in the set of each ingress named port it exposes, for the number it has. A pod
 * created or deleted then costs a mutate of one element per row instead of each selecting policy computed again
 * from all the pods it selects (the larger part of the worker's time in the 100,000-pod churn). What it cannot do
 * alone goes to the policy's own reconcile: a policy not written yet, a named port number no selected pod had (a new
 * match term: {@link ClusterState#followUp}), the last address leaving a number's set (a term to drop: known once the
 * transaction is committed, since the pods of one batch leave the set together:
 * {@link ClusterState#followUpIfEmptied}). Label and port changes, policy changes, the full sync and the audit still compute the policies whole.
 */
final class PolicyMembers {
    private PolicyMembers() {
    }

    /** The policies of the pod's namespace whose podSelector selects it. */
    static List<NetworkPolicy> selecting(ClusterState state, Pod pod) {
        List<NetworkPolicy> out = new ArrayList<>();
        for (NetworkPolicy np : state.policiesIn(pod.getMetadata().getNamespace())) {
            if (np.getSpec() != null && LabelSelectors.matches(np.getSpec().getPodSelector(), pod.getMetadata().getLabels())) {
                out.add(np);
            }
        }
        return out;
    }

    static void join(ClusterState state, NbTxn txn, Pod pod, List<NetworkPolicy> selecting, String ip, Uuid port) {
        String ns = pod.getMetadata().getNamespace();
        for (NetworkPolicy np : selecting) {
            ObjectKey key = ObjectKey.networkPolicy(ns, np.getMetadata().getName());
            Optional<PortGroup> pg = txn.nb().lookupOne(PortGroup.TABLE, PortGroup.NAME, NetworkPolicyReconciler.portGroupName(key));
            if (pg.isEmpty()) {
                state.followUp(key);
                continue;
            }
            PolicyOps.setMember(txn, PortGroup.TABLE, pg.get().uuid(), PortGroup.PORTS, pg.get().ports(), port, true);
            for (NetworkPolicyReconciler.NamedPort p : NetworkPolicyReconciler.ingressNamedPorts(np)) {
                Optional<Integer> number = NetworkPolicyReconciler.namedPort(pod, p.name(), p.protocol());
                if (number.isEmpty()) {
                    continue;
                }
                Optional<AddressSet> set = txn.nb().lookupOne(AddressSet.TABLE, AddressSet.NAME,
                        NetworkPolicyReconciler.namedPortSet(key, NetworkPolicyReconciler.INGRESS_SCOPE, p, number.get()));
                if (set.isEmpty()) {
                    state.followUp(key);
                } else {
                    PolicyOps.setMember(txn, AddressSet.TABLE, set.get().uuid(), AddressSet.ADDRESSES, set.get().addresses(),
                            ip, true);
                }
            }
        }
    }

    /**
     * A pod that held {@code ip} leaves the policies of {@code namespace}: its address out of their ingress named
     * port sets (its port leaves their port groups with the port itself: they reference it weakly).
     */
    static void leave(ClusterState state, NbTxn txn, String namespace, String ip) {
        for (NetworkPolicy np : state.policiesIn(namespace)) {
            ObjectKey key = ObjectKey.networkPolicy(namespace, np.getMetadata().getName());
            for (AddressSet as : txn.nb().byExternalId(AddressSet.TABLE, Owners.OWNER, key.ref())) {
                if (Owners.TYPE_NETWORK_POLICY.equals(as.externalIds().get(Owners.OWNER_TYPE))
                        && NetworkPolicyReconciler.INGRESS_SCOPE.equals(as.externalIds().get(Owners.RULE))
                        && as.externalIds().containsKey(Owners.NAMED_PORT) && as.addresses().contains(ip)) {
                    PolicyOps.setMember(txn, AddressSet.TABLE, as.uuid(), AddressSet.ADDRESSES, as.addresses(), ip, false);
                    state.followUpIfEmptied(key, as.name());
                }
            }
        }
    }
}
