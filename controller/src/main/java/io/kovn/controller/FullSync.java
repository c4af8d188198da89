package io.kovn.controller;

import io.kovn.controller.reconcile.ClusterState;
import io.kovn.controller.reconcile.ClusterTopology;
import io.kovn.controller.reconcile.NamespaceIsolationReconciler;
import io.kovn.controller.reconcile.NetworkPolicyReconciler;
import io.kovn.controller.reconcile.NodeReconciler;
import io.kovn.controller.reconcile.PeerAddressSetReconciler;
import io.kovn.controller.reconcile.PodReconciler;
import io.kovn.controller.reconcile.Reconciler;
import io.kovn.controller.reconcile.RetryLater;
import io.kovn.controller.reconcile.ServiceReconciler;
import io.kovn.ovn.Owners;
import io.kovn.ovn.net.Ipv4Cidr;
import io.kovn.ovn.ops.NbTxn;
import io.kovn.ovsdb.model.Table;
import io.kovn.ovsdb.model.TypedRow;
import io.kovn.ovsdb.replica.DatabaseReplica;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The parts of a full sync, shared by a new leader (which commits what they produce) and the audit (which only
 * reads it, {@link #dryRun}): the reconcilers, the allocations rebuilt from annotations and NB, and every key
 * to reconcile, those of the objects and those of the owners named in kovn's NB rows (rows nothing explains are
 * deleted).
 */
final class FullSync {
    private static final Logger log = LoggerFactory.getLogger(FullSync.class);

    private FullSync() {
    }

    static Map<ObjectKey.Kind, Reconciler> reconcilers(ClusterState state, PodReconciler pods) {
        Map<ObjectKey.Kind, Reconciler> r = new EnumMap<>(ObjectKey.Kind.class);
        r.put(ObjectKey.Kind.NODE, new NodeReconciler(state));
        r.put(ObjectKey.Kind.POD, pods);
        r.put(ObjectKey.Kind.SERVICE, new ServiceReconciler(state));
        r.put(ObjectKey.Kind.NAMESPACE, new NamespaceIsolationReconciler(state));
        r.put(ObjectKey.Kind.POLICY_PEER, new PeerAddressSetReconciler(state));
        r.put(ObjectKey.Kind.NETWORK_POLICY, new NetworkPolicyReconciler(state));
        return r;
    }

    /**
     * What a full sync would write, without writing it: the cluster topology and every key reconciled into one
     * transaction against the replica, as a batch is, and which keys added to it. A key that cannot be
     * reconciled yet (its node has no switch) or fails is left out and named in {@code skipped}.
     */
    record DryRun(NbTxn txn, Set<ObjectKey> drifted, Map<ObjectKey, String> skipped) {
    }

    static DryRun dryRun(ClusterState state, Map<ObjectKey.Kind, Reconciler> reconcilers, DatabaseReplica nb,
                         Ipv4Cidr joinSubnet) {
        NbTxn txn = new NbTxn(nb);
        ClusterTopology.ensureCluster(txn, joinSubnet);
        Set<ObjectKey> drifted = new LinkedHashSet<>();
        Map<ObjectKey, String> skipped = new LinkedHashMap<>();
        List<ObjectKey> keys = new ArrayList<>(keys(state, nb));
        keys.sort(null);
        // who registered a row written once at the end (NbTxn.onFinish): queued to repair it if that row differs
        Set<ObjectKey> finishing = new LinkedHashSet<>();
        for (ObjectKey key : keys) {
            NbTxn.Checkpoint cp = txn.checkpoint();
            try {
                int registered = txn.finishers();
                reconcilers.get(key.kind()).reconcile(key, txn);
                if (txn.finishers() > registered) {
                    finishing.add(key);
                }
                if (txn.checkpoint().size() > cp.size()) {
                    drifted.add(key);
                }
            } catch (RetryLater e) {
                txn.rollback(cp);
                skipped.put(key, e.getMessage());
            } catch (Exception e) {
                txn.rollback(cp);
                skipped.put(key, e.getMessage() == null ? e.toString() : e.getMessage());
            }
        }
        int beforeFinish = txn.checkpoint().size();
        txn.finish();
        if (txn.checkpoint().size() > beforeFinish) {
            drifted.addAll(finishing);
        }
        return new DryRun(txn, drifted, skipped);
    }

    /**
     * Rebuilds what each kind allocates ({@link Reconciler#rebuildAllocations}), in kind order (node subnets before
     * the pods' addresses in them), so nothing is handed out twice.
     */
    static void rebuildAllocations(Map<ObjectKey.Kind, Reconciler> reconcilers, DatabaseReplica nb) {
        for (ObjectKey.Kind kind : ObjectKey.Kind.values()) {
            reconcilers.get(kind).rebuildAllocations(nb);
        }
    }

    /**
     * Every object, and every owner named by a kovn row in NB (each kind's {@link ObjectKey.Kind#ownedTables}):
     * rows nothing explains get deleted.
     */
    static Set<ObjectKey> keys(ClusterState s, DatabaseReplica nb) {
        Set<ObjectKey> keys = new LinkedHashSet<>();
        for (ObjectKey.Kind kind : ObjectKey.Kind.values()) {
            keys.addAll(s.keys(kind));
            for (Table<? extends TypedRow> table : kind.ownedTables()) {
                for (TypedRow row : nb.byExternalId(table, Owners.OWNER_TYPE, kind.ownerType())) {
                    Object owner = row.row().get("external_ids") instanceof Map<?, ?> ids ? ids.get(Owners.OWNER) : null;
                    kind.keyOfOwner(owner instanceof String o ? o : null).ifPresentOrElse(keys::add, () -> log.warn(
                            "{} row {} names no {} as its owner ({}); leaving it", table.name(), row.uuid(), kind, owner));
                }
            }
        }
        return keys;
    }
}
