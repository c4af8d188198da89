package io.kovn.controller;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.kovn.controller.reconcile.PodNetworkCondition;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the pods informer keeps of a pod: everything the controller reads (its identity and resource version, labels,
 * annotations, node, host network, the containers' ports, phase, addresses, the status and reason of kovn's condition
 * and the other conditions' types, and the kind for Events),
 * nothing else. A real API server sends pods of 5-20 KB (managed fields, containers with their images, environment
 * and resources, volumes, container statuses, the last-applied annotation) and the controller holds every pod of the
 * cluster; the copy also leaves out the empty lists and maps fabric8's model allocates for every absent field.
 * {@code PodEvents.reads} on a copy equals it on the pod (tested), so comparing the stored pod with a new one drops
 * the same no-op updates.
 */
final class StoredPod {
    /** kubectl's copy of the whole object it applied: often the largest part of a pod, never read here. */
    static final String LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";
    /** Label sets: the pods of a Deployment (or a ReplicaSet, with its pod-template-hash) share one. */
    private static final SharedValues<Map<String, String>> LABELS = new SharedValues<>();
    /** Specs as copied (node, host network, containers' names and ports): the like pods of a node share one. */
    private static final SharedValues<PodSpec> SPECS = new SharedValues<>();
    /** Conditions as copied, and the lists of them: all ready pods show the same. */
    private static final SharedValues<PodCondition> CONDITIONS = new SharedValues<>();
    private static final SharedValues<List<PodCondition>> CONDITION_LISTS = new SharedValues<>();

    private StoredPod() {
    }

    static Pod of(Pod pod) {
        Pod out = new Pod();
        out.setApiVersion(pod.getApiVersion());
        out.setKind(pod.getKind());
        out.setAdditionalProperties(null);
        out.setMetadata(metadata(pod.getMetadata()));
        out.setSpec(pod.getSpec() == null ? null : spec(pod.getSpec()));
        out.setStatus(pod.getStatus() == null ? null : status(pod.getStatus()));
        return out;
    }

    private static ObjectMeta metadata(ObjectMeta m) {
        if (m == null) {
            return null;
        }
        ObjectMeta out = new ObjectMeta();
        out.setName(shared(m.getName()));
        out.setNamespace(shared(m.getNamespace()));
        out.setUid(shared(m.getUid()));
        out.setResourceVersion(m.getResourceVersion());
        out.setCreationTimestamp(m.getCreationTimestamp());
        out.setDeletionTimestamp(m.getDeletionTimestamp());
        out.setLabels(labels(m.getLabels()));
        Map<String, String> annotations = m.getAnnotations();
        if (annotations != null && annotations.containsKey(LAST_APPLIED)) {
            annotations = new LinkedHashMap<>(annotations);
            annotations.remove(LAST_APPLIED);
        }
        out.setAnnotations(compact(annotations));
        out.setFinalizers(null);
        out.setManagedFields(null);
        out.setOwnerReferences(null);
        out.setAdditionalProperties(null);
        return out;
    }

    private static Map<String, String> labels(Map<String, String> labels) {
        if (labels == null) {
            return null;
        }
        Map<String, String> out = new LinkedHashMap<>();
        labels.forEach((k, v) -> out.put(shared(k), shared(v)));
        return LABELS.share(Collections.unmodifiableMap(out));
    }

    /**
     * {@code m} in an immutable map of its size (a pod's annotations are mostly kovn's one; a hash map costs 176
     * bytes for it, an immutable one 24), kovn's own value as its numbers ({@link NetworkAnnotations}), or {@code m}
     * itself where it holds a null.
     */
    private static Map<String, String> compact(Map<String, String> m) {
        if (m == null || m.containsKey(null) || m.containsValue(null)) {
            return m;
        }
        Map<String, String> copy = Map.copyOf(m);
        Map<String, String> network = NetworkAnnotations.of(copy);
        return network != null ? network : copy;
    }

    private static PodSpec spec(PodSpec s) {
        PodSpec out = new PodSpec();
        out.setNodeName(shared(s.getNodeName()));
        out.setHostNetwork(s.getHostNetwork());
        out.setContainers(s.getContainers() == null ? null : s.getContainers().stream().map(StoredPod::container).toList());
        out.setEphemeralContainers(null);
        out.setEvictionResponders(null);
        out.setHostAliases(null);
        out.setImagePullSecrets(null);
        out.setInitContainers(null);
        out.setNodeSelector(null);
        out.setOverhead(null);
        out.setReadinessGates(null);
        out.setResourceClaims(null);
        out.setSchedulingGates(null);
        out.setTolerations(null);
        out.setTopologySpreadConstraints(null);
        out.setVolumes(null);
        out.setAdditionalProperties(null);
        return SPECS.share(out);
    }

    private static Container container(Container c) {
        Container out = new Container();
        out.setName(c.getName());
        out.setPorts(c.getPorts() == null || c.getPorts().isEmpty() ? List.of() : List.copyOf(c.getPorts()));
        out.setArgs(null);
        out.setCommand(null);
        out.setEnv(null);
        out.setEnvFrom(null);
        out.setResizePolicy(null);
        out.setRestartPolicyRules(null);
        out.setVolumeDevices(null);
        out.setVolumeMounts(null);
        out.setAdditionalProperties(null);
        return out;
    }

    /**
     * Of kovn's own condition its type, status and reason (what {@link PodEvents} and the condition patch compare:
     * its message and times are written, never read); of the others their type alone (a condition patch names its
     * index among them). Ready pods share one condition, and pods with the same kinds of conditions one list.
     */
    private static PodCondition condition(PodCondition c) {
        PodCondition out = new PodCondition();
        out.setType(shared(c.getType()));
        if (PodNetworkCondition.TYPE.equals(c.getType())) {
            out.setStatus(shared(c.getStatus()));
            out.setReason(shared(c.getReason()));
        }
        out.setAdditionalProperties(null);
        return CONDITIONS.share(out);
    }

    /**
     * One instance of a string many pods hold (namespaces, nodes, label keys and values, condition types), or that
     * NB's replica holds too (a pod's name and uid stand in its port's external_ids, which the replica interns).
     */
    private static String shared(String s) {
        return s == null ? null : s.intern();
    }

    private static PodStatus status(PodStatus s) {
        PodStatus out = new PodStatus();
        out.setPhase(shared(s.getPhase()));
        out.setPodIP(s.getPodIP());
        out.setPodIPs(s.getPodIPs() == null ? null : List.copyOf(s.getPodIPs()));
        out.setConditions(s.getConditions() == null ? null
                : CONDITION_LISTS.share(List.of(s.getConditions().stream().map(StoredPod::condition).toArray(PodCondition[]::new))));
        out.setContainerStatuses(null);
        out.setEphemeralContainerStatuses(null);
        out.setHostIPs(null);
        out.setInitContainerStatuses(null);
        out.setNodeAllocatableResourceClaimStatuses(null);
        out.setResourceClaimStatuses(null);
        out.setVolumeHealth(null);
        out.setAllocatedResources(null);
        out.setAdditionalProperties(null);
        return out;
    }
}
