package io.kovn.controller.reconcile;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.kovn.controller.ObjectKey;
import io.kovn.controller.alloc.AddressPool;
import io.kovn.ovn.Names;
import io.kovn.ovn.Owners;
import io.kovn.ovn.annotations.PodNetwork;
import io.kovn.ovn.nb.LogicalSwitchPort;
import io.kovn.ovn.net.Ipv4Cidr;
import io.kovn.ovn.net.MacAddress;
import io.kovn.ovn.ops.NbTxn;
import io.kovn.ovn.ops.PolicyOps;
import io.kovn.ovn.ops.SwitchOps;
import io.kovn.ovsdb.replica.DatabaseReplica;
import io.kovn.ovsdb.wire.Uuid;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A networked pod gets an address of its node's subnet, a logical switch port {@code <namespace>_<pod>} and the
 * {@code k8s.ovn.org/pod-networks} annotation; a deleted or finished pod releases both. The controller owns the
 * annotation: whoever creates a pod may write one, so an address comes only from the pool or from the pod's own
 * NB port (options:iface-id-ver = its uid), never from the annotation, and an annotation that is not what the
 * controller would write is replaced, with an {@value #INVALID_ANNOTATION} Event on the pod.
 */
public final class PodReconciler implements Reconciler {
    private static final Logger log = LoggerFactory.getLogger(PodReconciler.class);
    /** The Event reason when a pod's annotation was not written by the controller. */
    public static final String INVALID_ANNOTATION = "InvalidPodNetworkAnnotation";
    private static final String IFACE_ID_VER = "iface-id-ver";

    /** Which pod (uid) on which node holds an address, by pod key. */
    record Allocation(String uid, String node) {
    }

    private final ClusterState state;
    /**
     * By the pod's "namespace/name", interned: the pods' store keys the pod by the same instance, where an
     * {@link ObjectKey} each would be 24 bytes a pod more.
     */
    private final Map<String, Allocation> allocations = new ConcurrentHashMap<>();

    public PodReconciler(ClusterState state) {
        this.state = state;
    }

    /** Records an address found in an annotation or in NB at start-up, so it is never handed out twice. */
    public boolean claim(ObjectKey key, String uid, String node, int ip) {
        AddressPool pool = state.podIps.get(node);
        if (pool == null || !pool.claim(uid, ip)) {
            return false;
        }
        allocations.put(key.ref().intern(), new Allocation(uid, node));
        return true;
    }

    public int allocatedCount() {
        return allocations.size();
    }

    /**
     * Pod addresses from NB (each pod's port with its uid); from the pods' annotations only when NB holds no Node or
     * Pod row at all ({@link WipedNbRecovery}): an annotation is whatever the pod's creator wrote until the
     * controller replaced it, and must neither reserve nor take an address otherwise.
     */
    @Override
    public void rebuildAllocations(DatabaseReplica nb) {
        Map<String, Pod> byUid = new HashMap<>();
        state.podsList().forEach(p -> byUid.put(p.getMetadata().getUid(), p));
        for (LogicalSwitchPort p : nb.withExternalId(LogicalSwitchPort.TABLE, Owners.POD_UID)) {
            Map<String, String> ext = p.externalIds();
            Pod pod = byUid.get(ext.get(Owners.POD_UID));
            if (pod != null && ClusterState.networked(pod) && !p.addresses().isEmpty()) {
                String[] parts = p.addresses().iterator().next().split(" ");
                if (parts.length == 2) {
                    claim(ObjectKey.pod(ext.get(Owners.NAMESPACE), ext.get(Owners.POD)),
                            pod.getMetadata().getUid(), pod.getSpec().getNodeName(), Ipv4Cidr.parseAddress(parts[1]));
                }
            }
        }
        if (WipedNbRecovery.nbHoldsNoAllocation(nb)) {
            // a wiped or new NB: the only record of the pods' addresses left is their annotations
            int kept = WipedNbRecovery.claimFromAnnotations(state, this);
            if (kept > 0) {
                log.warn("NB holds no Node or Pod row (wiped): {} pods keep the addresses their annotations record", kept);
            }
        }
        log.info("full sync: {} pod addresses rebuilt", allocatedCount());
    }

    @Override
    public AfterCommit reconcile(ObjectKey key, NbTxn txn) throws Exception {
        Pod pod = state.pod(key.namespace(), key.name());
        String portName = Names.podPort(key.namespace(), key.name());
        Optional<LogicalSwitchPort> port = txn.nb().lookupOne(LogicalSwitchPort.TABLE, LogicalSwitchPort.NAME, portName);
        if (!ClusterState.networked(pod)) {
            Allocation held = allocations.get(key.ref());
            port.filter(p -> ClusterTopology.ownedBy(p.externalIds(), Owners.TYPE_POD, key.ref()))
                    .ifPresent(p -> SwitchOps.deletePort(txn, p, held == null ? null : Names.nodeSwitch(held.node())));
            leaveNamespace(txn, key, held);
            return () -> release(key);
        }
        String uid = pod.getMetadata().getUid();
        String node = pod.getSpec().getNodeName();
        AddressPool pool = state.podIps.get(node);
        if (pool == null || SwitchOps.ref(txn, Names.nodeSwitch(node)).isEmpty()) {
            throw new RetryLater("node " + node + " has no subnet and logical switch yet");
        }
        Allocation prior = allocations.get(key.ref());
        if (prior != null && (!prior.uid().equals(uid) || !prior.node().equals(node))) {
            leaveNamespace(txn, key, prior);
            release(key); // the pod was recreated under the same name: it gets a fresh address
        }
        int ip = addressOf(key, pod, pool, port);
        allocations.put(key.ref().intern(), new Allocation(uid, node));

        String ipText = Ipv4Cidr.format(ip);
        String address = MacAddress.fromIpv4(ip) + " " + ipText;
        SwitchOps.ensurePort(txn, Names.nodeSwitch(node), new SwitchOps.PortSpec(portName, "", Set.of(address),
                Set.of(address), Map.of(IFACE_ID_VER, uid), Owners.pod(key.namespace(), key.name(), uid)));
        Uuid portRef = PolicyOps.portRef(txn, portName)
                .orElseThrow(() -> new IllegalStateException("port " + portName + " neither in NB nor in the transaction"));
        List<NetworkPolicy> selecting = PolicyMembers.selecting(state, pod); // matched once for both
        NamespaceIsolationReconciler.join(txn, pod, selecting, ipText, portRef);
        PolicyMembers.join(state, txn, pod, selecting, ipText, portRef);

        PodNetwork desired = PodNetwork.of(pool.subnet(), ip);
        String readyMessage = "logical port " + portName + " (" + ipText + ") committed to NB on switch "
                + Names.nodeSwitch(node) + ", annotation published";
        String published = annotation(pod);
        if (published != null) {
            String wrong = notOurs(published, desired);
            if (wrong == null) {
                return PodNetworkCondition.patch(pod, true, PodNetworkCondition.READY, readyMessage).isEmpty()
                        ? AfterCommit.NOTHING
                        : () -> PodNetworkCondition.set(state.api, pod, true, PodNetworkCondition.READY, readyMessage);
            }
            String message = PodNetwork.ANNOTATION + " " + wrong + "; the controller replaces it with its own ("
                    + desired.describe() + ")";
            log.warn("pod {}: {}", key.ref(), message);
            state.events.warning(pod, INVALID_ANNOTATION, message);
        }
        return () -> {
            Pod patched = state.api.annotatePod(key.namespace(), key.name(), Map.of(PodNetwork.ANNOTATION, desired.toJson()));
            PodNetworkCondition.set(state.api, patched, true, PodNetworkCondition.READY, readyMessage);
        };
    }

    /** Why {@code published} is not the annotation the controller writes for {@code desired}, or null if it is. */
    static String notOurs(String published, PodNetwork desired) {
        if (published.equals(desired.toJson())) {
            return null; // the controller's own text: most echoes, read without parsing
        }
        try {
            PodNetwork p = PodNetwork.parse(published);
            return p.equals(desired) ? null : "(" + p.describe() + ") is not the pod's allocation in NB";
        } catch (IllegalArgumentException e) {
            return "is unreadable (" + e.getMessage() + ")";
        }
    }

    /**
     * The address this pod holds, the one of its own NB port (after a restart), or a new one; never the one its
     * annotation names, which anyone who creates a pod can choose.
     */
    private int addressOf(ObjectKey key, Pod pod, AddressPool pool, Optional<LogicalSwitchPort> port) throws Exception {
        String uid = pod.getMetadata().getUid();
        Optional<Integer> held = pool.get(uid);
        if (held.isPresent()) {
            return held.get();
        }
        Optional<Integer> inNb = port.flatMap(p -> nbAddress(p, uid));
        if (inNb.isPresent() && pool.claim(uid, inNb.get())) {
            return inNb.get();
        }
        int ip;
        try {
            ip = pool.allocate(uid);
        } catch (io.kovn.controller.alloc.ExhaustedException e) {
            throw new io.kovn.controller.alloc.ExhaustedException("node " + pod.getSpec().getNodeName() + ": subnet "
                    + pool.subnet() + " has no free pod address left");
        }
        log.debug("pod {}: allocated {}", key.ref(), Ipv4Cidr.format(ip));
        return ip;
    }

    /** The address {@code held} (if any) out of the namespace's address set ({@link NamespaceIsolationReconciler#leave}). */
    private void leaveNamespace(NbTxn txn, ObjectKey key, Allocation held) {
        AddressPool pool = held == null ? null : state.podIps.get(held.node());
        if (pool != null) {
            pool.get(held.uid()).ifPresent(ip -> {
                NamespaceIsolationReconciler.leave(txn, key.namespace(), Ipv4Cidr.format(ip));
                PolicyMembers.leave(state, txn, key.namespace(), Ipv4Cidr.format(ip));
            });
        }
    }

    private void release(ObjectKey key) {
        Allocation a = allocations.remove(key.ref());
        if (a != null) {
            AddressPool pool = state.podIps.get(a.node());
            if (pool != null) {
                pool.release(a.uid());
            }
        }
    }

    static String annotation(Pod pod) {
        Map<String, String> a = pod.getMetadata().getAnnotations();
        return a == null ? null : a.get(PodNetwork.ANNOTATION);
    }

    /** The IP of a pod port the controller made for the pod with {@code uid} ("MAC IP" addresses), if it is one. */
    public static Optional<Integer> nbAddress(LogicalSwitchPort p, String uid) {
        if (!uid.equals(p.options().get(IFACE_ID_VER)) || !uid.equals(p.externalIds().get(Owners.POD_UID))
                || p.addresses().size() != 1) {
            return Optional.empty();
        }
        String[] parts = p.addresses().iterator().next().split(" ", -1);
        try {
            return parts.length == 2 ? Optional.of(Ipv4Cidr.parseAddress(parts[1])) : Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
