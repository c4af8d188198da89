package io.kovn.controller;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.kovn.controller.alloc.AddressPool;
import io.kovn.controller.reconcile.ClusterState;
import io.kovn.controller.reconcile.ClusterTopology;
import io.kovn.controller.reconcile.GatewayTopology;
import io.kovn.controller.reconcile.NamespaceIsolationReconciler;
import io.kovn.controller.reconcile.NetworkPolicyReconciler;
import io.kovn.controller.reconcile.NodeReconciler;
import io.kovn.controller.reconcile.PodReconciler;
import io.kovn.controller.reconcile.Reconciler;
import io.kovn.controller.reconcile.RetryLater;
import io.kovn.controller.reconcile.ServiceReconciler;
import io.kovn.ovn.Owners;
import io.kovn.ovn.annotations.NodeSubnets;
import io.kovn.ovn.nb.LogicalRouterPort;
import io.kovn.ovn.nb.LogicalSwitch;
import io.kovn.ovn.nb.LogicalSwitchPort;
import io.kovn.ovn.net.Ipv4Cidr;
import io.kovn.ovn.ops.NbTxn;
import io.kovn.ovsdb.model.Table;
import io.kovn.ovsdb.model.TypedRow;
import io.kovn.ovsdb.replica.DatabaseReplica;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
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
        for (ObjectKey key : keys) {
            NbTxn.Checkpoint cp = txn.checkpoint();
            try {
                reconcilers.get(key.kind()).reconcile(key, txn);
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
        return new DryRun(txn, drifted, skipped);
    }

    /**
     * Rebuilds subnet allocations from the Node annotations and NB, and pod addresses from NB (from the pods'
     * annotations only when NB holds no Node or Pod row at all: {@link WipedNbRecovery}), so none is handed out twice.
     */
    static void rebuildAllocations(ClusterState s, PodReconciler pods, DatabaseReplica nb) {
        for (Node node : s.nodesList()) {
            String a = node.getMetadata().getAnnotations() == null ? null : node.getMetadata().getAnnotations().get(NodeSubnets.ANNOTATION);
            if (a != null) {
                try {
                    Ipv4Cidr subnet = NodeSubnets.parse(a).first();
                    if (!s.subnets().claim(node.getMetadata().getName(), subnet)) {
                        log.warn("node {}: subnet {} from its annotation is not usable; it will get a new one", node.getMetadata().getName(), subnet);
                    }
                } catch (IllegalArgumentException e) {
                    log.warn("node {}: ignoring bad annotation: {}", node.getMetadata().getName(), e.getMessage());
                }
            }
        }
        for (LogicalSwitch sw : nb.list(LogicalSwitch.TABLE)) {
            String owner = sw.externalIds().get(Owners.OWNER);
            String subnet = sw.otherConfig().get("subnet");
            if (Owners.TYPE_NODE.equals(sw.externalIds().get(Owners.OWNER_TYPE)) && owner != null && subnet != null) {
                s.subnets().claim(owner, Ipv4Cidr.parse(subnet));
            }
        }
        for (LogicalRouterPort p : nb.byExternalId(LogicalRouterPort.TABLE, Owners.OWNER_TYPE, Owners.TYPE_NODE)) {
            String owner = p.externalIds().get(Owners.OWNER);
            if (p.name().equals(GatewayTopology.joinPort(owner)) && !p.networks().isEmpty()) {
                String n = p.networks().iterator().next();
                s.joinIps().claim(owner, Ipv4Cidr.parseAddress(n.substring(0, n.indexOf('/'))));
            }
        }
        for (Node node : s.nodesList()) {
            s.subnets().get(node.getMetadata().getName()).ifPresent(subnet ->
                    s.podIps().computeIfAbsent(node.getMetadata().getName(), n -> new AddressPool(subnet)));
        }
        // pod addresses come from NB: an annotation is whatever the pod's creator wrote until the controller
        // replaced it, and must neither reserve nor take an address (unless NB is wholly lost: WipedNbRecovery)
        Map<String, Pod> byUid = new HashMap<>();
        s.podsList().forEach(p -> byUid.put(p.getMetadata().getUid(), p));
        for (LogicalSwitchPort p : nb.withExternalId(LogicalSwitchPort.TABLE, Owners.POD_UID)) {
            Map<String, String> ext = p.externalIds();
            Pod pod = byUid.get(ext.get(Owners.POD_UID));
            if (pod != null && ClusterState.networked(pod) && !p.addresses().isEmpty()) {
                String[] parts = p.addresses().iterator().next().split(" ");
                if (parts.length == 2) {
                    pods.claim(ObjectKey.pod(ext.get(Owners.NAMESPACE), ext.get(Owners.POD)),
                            pod.getMetadata().getUid(), pod.getSpec().getNodeName(), Ipv4Cidr.parseAddress(parts[1]));
                }
            }
        }
        if (WipedNbRecovery.nbHoldsNoAllocation(nb)) {
            // a wiped or new NB: the only record of the pods' addresses left is their annotations
            int kept = WipedNbRecovery.claimFromAnnotations(s, pods);
            if (kept > 0) {
                log.warn("NB holds no Node or Pod row (wiped): {} pods keep the addresses their annotations record", kept);
            }
        }
        log.info("full sync: {} node subnets and {} pod addresses rebuilt", s.subnets().allocatedCount(), pods.allocatedCount());
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
