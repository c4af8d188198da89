package io.kovn.controller.reconcile;

import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.kovn.controller.ObjectKey;
import io.kovn.controller.alloc.AddressPool;
import io.kovn.ovn.annotations.PodNetwork;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The keys a pod event maps to. The pod's own key, unless nothing the controller reads changed (a new
 * resourceVersion, status the kubelet writes) or the change is the echo of the controller's own write (its
 * annotation for the address it holds, its Ready condition); and when what policies read changed (labels, named ports, whether it
 * is networked), the NetworkPolicies that select it before or after, the shared address sets of the peers admitting
 * it, and on a label change its namespace's isolation, found through the indexes: the policies of its namespace and those naming other
 * namespaces, each checked against the pod instead of reconciled.
 */
public final class PodEvents {
    private static final String READY_CONDITION = "True/" + PodNetworkCondition.READY;

    private PodEvents() {
    }

    /** {@code before} is null for an add, {@code after} null for a delete. */
    public static List<ObjectKey> keys(ClusterState state, Pod before, Pod after) {
        Pod pod = after != null ? after : before;
        List<ObjectKey> keys = new ArrayList<>();
        boolean both = before != null && after != null;
        if (!both || podChanged(before, after) && (state == null || !ownWrite(state.podIps, before, after))) {
            keys.add(ObjectKey.pod(pod.getMetadata().getNamespace(), pod.getMetadata().getName()));
        }
        if (state != null && (!both || policyInputsChanged(before, after))) {
            Set<ObjectKey> policies = new LinkedHashSet<>();
            if (both) {
                // new labels or ports: the policies selecting it before or after computed whole, and the namespace's
                // rows (isolation may change)
                policies.addAll(policyKeys(state, before));
                policies.addAll(policyKeys(state, after));
                policies.add(ObjectKey.namespace(pod.getMetadata().getNamespace()));
            } else {
                // a pod created or deleted joins or leaves its namespace's rows and those of the policies selecting
                // it in its own reconcile (NamespaceIsolationReconciler.join, PolicyMembers.join)
                policies.addAll(admittingKeys(state, pod));
            }
            keys.addAll(policies);
        }
        return keys;
    }

    /**
     * What a pod's labels, ports or address concern: the policies that select it (their port groups, named ports of
     * ingress rules) or resolve an egress named port on it, and the shared address sets of the peers that admit it.
     * Its namespace's rows (isolation, address set) it joins and leaves in its own reconcile.
     */
    public static Set<ObjectKey> policyKeys(ClusterState state, Pod pod) {
        Set<ObjectKey> keys = new LinkedHashSet<>();
        String ns = pod.getMetadata().getNamespace();
        for (NetworkPolicy np : state.policiesIn(ns)) {
            if (np.getSpec() != null && LabelSelectors.matches(np.getSpec().getPodSelector(), pod.getMetadata().getLabels())) {
                keys.add(key(np));
            }
        }
        keys.addAll(admittingKeys(state, pod));
        return keys;
    }

    /**
     * Of {@link #policyKeys}, what admits the pod rather than selects it: the shared address sets of the peers
     * admitting it, the policies resolving an egress named port on it. A pod created or deleted changes these
     * through their own reconcile; the rows of the policies selecting it it joins itself ({@link PolicyMembers}).
     */
    public static Set<ObjectKey> admittingKeys(ClusterState state, Pod pod) {
        Set<ObjectKey> keys = new LinkedHashSet<>();
        String ns = pod.getMetadata().getNamespace();
        Map<String, String> labels = pod.getMetadata().getLabels();
        for (NetworkPolicy np : state.policiesIn(ns)) {
            if (np.getSpec() == null) {
                continue;
            }
            for (PolicyPeers.Shared peer : state.sharedPeers(np)) {
                if (peer.peer().getNamespaceSelector() == null && LabelSelectors.matches(peer.peer().getPodSelector(), labels)) {
                    keys.add(ObjectKey.policyPeer(peer.id()));
                }
            }
            for (NetworkPolicyPeer peer : PolicyPeers.namedPortPeers(np)) {
                if (peer.getNamespaceSelector() == null && LabelSelectors.matches(peer.getPodSelector(), labels)) {
                    keys.add(key(np));
                }
            }
        }
        Namespace namespace = state.namespace(ns);
        if (namespace != null) {
            Map<String, String> nsLabels = namespace.getMetadata().getLabels();
            for (NetworkPolicy np : state.policiesWithPodDependentNamespacePeers()) {
                for (PolicyPeers.Shared peer : state.sharedPeers(np)) {
                    if (admits(peer.peer(), nsLabels, labels)) {
                        keys.add(ObjectKey.policyPeer(peer.id()));
                    }
                }
                for (NetworkPolicyPeer peer : PolicyPeers.namedPortPeers(np)) {
                    if (admits(peer, nsLabels, labels)) {
                        keys.add(key(np));
                    }
                }
            }
        }
        state.policiesNamingAnyPod().forEach(np -> keys.add(key(np)));
        return keys;
    }

    /** A peer naming namespaces, admitting a pod with {@code labels} in a namespace with {@code nsLabels}. */
    private static boolean admits(NetworkPolicyPeer peer, Map<String, String> nsLabels, Map<String, String> labels) {
        return peer.getNamespaceSelector() != null && LabelSelectors.matches(peer.getNamespaceSelector(), nsLabels)
                && LabelSelectors.matches(peer.getPodSelector(), labels);
    }

    private static ObjectKey key(NetworkPolicy np) {
        return ObjectKey.networkPolicy(np.getMetadata().getNamespace(), np.getMetadata().getName());
    }

    /**
     * Everything of a pod that {@link #keys} compares: two pods with equal reads map to no key, so an update that
     * changes nothing else (a new resourceVersion, the kubelet's status) is dropped before the queue.
     */
    public static Object reads(Pod p) {
        return List.of(podReads(p), policyReads(p));
    }

    /** What the pod's own reconcile reads: where it runs, whether networked, its annotation and condition. */
    private static List<Object> podReads(Pod p) {
        return Arrays.asList(p.getMetadata().getUid(), ClusterState.networked(p),
                p.getSpec() == null ? null : p.getSpec().getNodeName(), PodReconciler.annotation(p), condition(p));
    }

    /** What policies read of a pod: labels, named ports, whether it is networked (and so has an address). */
    private static List<Object> policyReads(Pod p) {
        return Arrays.asList(p.getMetadata().getUid(), ClusterState.networked(p), p.getMetadata().getLabels(), ports(p));
    }

    static boolean podChanged(Pod a, Pod b) {
        return !podReads(a).equals(podReads(b));
    }

    /**
     * Whether the event is the echo of what the controller wrote after committing the pod's port: only the
     * annotation and the condition changed, the annotation is the one for the address the controller holds for
     * this pod, and the condition is Ready or, for the annotation's own echo, as before (the same after-commit
     * step sets it next). Reconciling the pod again would write nothing: at a cold start that is a second pass
     * over every pod. Anything else in the annotation or condition (someone else's value, a removal) is reconciled.
     */
    static boolean ownWrite(Map<String, AddressPool> podIps, Pod before, Pod after) {
        if (!Objects.equals(before.getMetadata().getUid(), after.getMetadata().getUid())
                || ClusterState.networked(before) != ClusterState.networked(after) || !ClusterState.networked(after)
                || !Objects.equals(before.getSpec().getNodeName(), after.getSpec().getNodeName())) {
            return false;
        }
        String annotation = PodReconciler.annotation(after);
        AddressPool pool = podIps.get(after.getSpec().getNodeName());
        Optional<Integer> ip = pool == null ? Optional.empty() : pool.get(after.getMetadata().getUid());
        if (annotation == null || ip.isEmpty() || PodReconciler.notOurs(annotation, PodNetwork.of(pool.subnet(), ip.get())) != null) {
            return false;
        }
        String condition = condition(after);
        return READY_CONDITION.equals(condition)
                || Objects.equals(condition, condition(before)) && !annotation.equals(PodReconciler.annotation(before));
    }

    static boolean policyInputsChanged(Pod a, Pod b) {
        return !policyReads(a).equals(policyReads(b));
    }

    private static String condition(Pod p) {
        if (p.getStatus() == null || p.getStatus().getConditions() == null) {
            return null;
        }
        for (PodCondition c : p.getStatus().getConditions()) {
            if (PodNetworkCondition.TYPE.equals(c.getType())) {
                return c.getStatus() + "/" + c.getReason();
            }
        }
        return null;
    }

    private static List<ContainerPort> ports(Pod p) {
        List<ContainerPort> out = new ArrayList<>();
        if (p.getSpec() != null && p.getSpec().getContainers() != null) {
            p.getSpec().getContainers().forEach(c -> {
                if (c.getPorts() != null) {
                    out.addAll(c.getPorts());
                }
            });
        }
        return out;
    }
}
