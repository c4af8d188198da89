package io.kovn.controller.reconcile;

import io.fabric8.kubernetes.api.model.Pod;
import io.kovn.controller.ObjectKey;
import io.kovn.controller.alloc.AddressPool;
import io.kovn.ovn.Names;
import io.kovn.ovn.Owners;
import io.kovn.ovn.annotations.PodNetwork;
import io.kovn.ovn.nb.LogicalSwitchPort;
import io.kovn.ovn.net.Ipv4Cidr;
import io.kovn.ovn.net.MacAddress;
import io.kovn.ovn.ops.NbTxn;
import io.kovn.ovn.ops.SwitchOps;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A networked pod gets an address of its node's subnet, a logical switch port {@code <namespace>_<pod>} and the
 * {@code k8s.ovn.org/pod-networks} annotation; a deleted or finished pod releases both.
 */
public final class PodReconciler implements Reconciler {
    private static final Logger log = LoggerFactory.getLogger(PodReconciler.class);

    /** Which pod (uid) on which node holds an address, by pod key. */
    record Allocation(String uid, String node) {
    }

    private final ClusterState state;
    private final Map<ObjectKey, Allocation> allocations = new ConcurrentHashMap<>();

    public PodReconciler(ClusterState state) {
        this.state = state;
    }

    /** Records an address found in an annotation or in NB at start-up, so it is never handed out twice. */
    public boolean claim(ObjectKey key, String uid, String node, int ip) {
        AddressPool pool = state.podIps.get(node);
        if (pool == null || !pool.claim(uid, ip)) {
            return false;
        }
        allocations.put(key, new Allocation(uid, node));
        return true;
    }

    public int allocatedCount() {
        return allocations.size();
    }

    @Override
    public AfterCommit reconcile(ObjectKey key, NbTxn txn) throws Exception {
        Pod pod = state.pod(key.namespace(), key.name());
        String portName = Names.podPort(key.namespace(), key.name());
        Optional<LogicalSwitchPort> port = txn.nb().lookupOne(LogicalSwitchPort.TABLE, LogicalSwitchPort.NAME, portName);
        if (!ClusterState.networked(pod)) {
            port.filter(p -> ClusterTopology.ownedBy(p.externalIds(), Owners.TYPE_POD, key.ref()))
                    .ifPresent(p -> SwitchOps.deletePort(txn, p));
            return () -> release(key);
        }
        String uid = pod.getMetadata().getUid();
        String node = pod.getSpec().getNodeName();
        AddressPool pool = state.podIps.get(node);
        if (pool == null || SwitchOps.ref(txn, Names.nodeSwitch(node)).isEmpty()) {
            throw new RetryLater("node " + node + " has no logical switch yet");
        }
        Allocation prior = allocations.get(key);
        if (prior != null && (!prior.uid().equals(uid) || !prior.node().equals(node))) {
            release(key); // the pod was recreated under the same name: it gets a fresh address
        }
        int ip = addressOf(key, pod, pool);
        allocations.put(key, new Allocation(uid, node));

        Ipv4Cidr subnet = pool.subnet();
        String mac = MacAddress.fromIpv4(ip);
        String address = mac + " " + Ipv4Cidr.format(ip);
        SwitchOps.ensurePort(txn, Names.nodeSwitch(node), new SwitchOps.PortSpec(portName, "", Set.of(address),
                Set.of(address), Map.of("iface-id-ver", uid), Owners.pod(key.namespace(), key.name(), uid)));

        PodNetwork desired = new PodNetwork(List.of(subnet.withPrefix(ip)), mac, List.of(subnet.gateway()));
        String published = annotation(pod);
        if (published != null && parses(published).filter(desired::equals).isPresent()) {
            return AfterCommit.NOTHING;
        }
        return () -> state.kube.pods().inNamespace(key.namespace()).withName(key.name())
                .patch(AnnotationPatch.MERGE, AnnotationPatch.of(PodNetwork.ANNOTATION, desired.toJson()));
    }

    /** The address this pod holds, the one its annotation names (if still free), or a new one. */
    private int addressOf(ObjectKey key, Pod pod, AddressPool pool) throws Exception {
        String uid = pod.getMetadata().getUid();
        Optional<Integer> held = pool.get(uid);
        if (held.isPresent()) {
            return held.get();
        }
        String published = annotation(pod);
        if (published != null) {
            Optional<PodNetwork> parsed = parses(published);
            if (parsed.isPresent()) {
                int ip = Ipv4Cidr.parseAddress(parsed.get().ip());
                if (pool.claim(uid, ip)) {
                    return ip;
                }
            }
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

    private void release(ObjectKey key) {
        Allocation a = allocations.remove(key);
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

    static Optional<PodNetwork> parses(String json) {
        try {
            return Optional.of(PodNetwork.parse(json));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
