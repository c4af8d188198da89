package io.kovn.controller.reconcile;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.kovn.controller.ObjectKey;
import io.kovn.ovn.Names;
import io.kovn.ovn.Owners;
import io.kovn.ovn.nb.AddressSet;
import io.kovn.ovn.ops.NbTxn;
import io.kovn.ovn.ops.PolicyOps;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The address set of the pods a NetworkPolicy peer selects ({@link PolicyPeers#shared}), one per distinct peer
 * however many policies name it: twenty policies of a namespace admitting its frontends share one set of the
 * frontends' addresses, and a frontend created or deleted changes that set once instead of twenty policies each
 * reading every frontend again. The policies' ACLs name it; it is deleted once no policy does. A policy creates the
 * sets it names that do not exist yet (with the same content), so its ACLs never name a missing set.
 */
public final class PeerAddressSetReconciler implements Reconciler {
    private final ClusterState state;

    public PeerAddressSetReconciler(ClusterState state) {
        this.state = state;
    }

    @Override
    public AfterCommit reconcile(ObjectKey key, NbTxn txn) {
        String name = Names.peerAddressSet(key.name());
        for (NetworkPolicy np : state.policiesWithPeer(key.name())) {
            for (PolicyPeers.Shared peer : state.sharedPeers(np)) {
                if (peer.id().equals(key.name())) {
                    write(state, txn, peer);
                    return AfterCommit.NOTHING;
                }
            }
        }
        txn.nb().lookupOne(AddressSet.TABLE, AddressSet.NAME, name).ifPresent(as -> PolicyOps.deleteAddressSet(txn, as));
        return AfterCommit.NOTHING;
    }

    /** Writes the set of {@code peer} unless this transaction or NB has it; returns its name. */
    static String ensureExists(ClusterState state, NbTxn txn, PolicyPeers.Shared peer) {
        String name = Names.peerAddressSet(peer.id());
        if (!PolicyOps.addressSetExists(txn, name)) {
            write(state, txn, peer);
        }
        return name;
    }

    private static void write(ClusterState state, NbTxn txn, PolicyPeers.Shared peer) {
        Set<String> ips = new HashSet<>();
        for (Pod p : state.peerPods(peer.policyNamespace(), peer.peer())) {
            state.podIp(p).ifPresent(ips::add);
        }
        Map<String, String> ids = Owners.of(Owners.TYPE_POLICY_PEER, peer.id());
        ids.put(Owners.PEER, peer.description());
        PolicyOps.ensureAddressSet(txn, Names.peerAddressSet(peer.id()), ips, ids);
    }
}
