package io.kovn.controller;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodStatus;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the pods informer keeps of a pod: everything the controller reads (its identity and resource version, labels,
 * annotations, node, host network, the containers' ports, phase, addresses and conditions, and the kind for Events),
 * nothing else. A real API server sends pods of 5-20 KB (managed fields, containers with their images, environment
 * and resources, volumes, container statuses, the last-applied annotation) and the controller holds every pod of the
 * cluster; the copy also leaves out the empty lists and maps fabric8's model allocates for every absent field.
 * {@code PodEvents.reads} on a copy equals it on the pod (tested), so comparing the stored pod with a new one drops
 * the same no-op updates.
 */
final class StoredPod {
    /** kubectl's copy of the whole object it applied: often the largest part of a pod, never read here. */
    static final String LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

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
        out.setName(m.getName());
        out.setNamespace(m.getNamespace());
        out.setUid(m.getUid());
        out.setResourceVersion(m.getResourceVersion());
        out.setCreationTimestamp(m.getCreationTimestamp());
        out.setDeletionTimestamp(m.getDeletionTimestamp());
        out.setLabels(m.getLabels());
        Map<String, String> annotations = m.getAnnotations();
        if (annotations != null && annotations.containsKey(LAST_APPLIED)) {
            annotations = new LinkedHashMap<>(annotations);
            annotations.remove(LAST_APPLIED);
        }
        out.setAnnotations(annotations);
        out.setFinalizers(null);
        out.setManagedFields(null);
        out.setOwnerReferences(null);
        out.setAdditionalProperties(null);
        return out;
    }

    private static PodSpec spec(PodSpec s) {
        PodSpec out = new PodSpec();
        out.setNodeName(s.getNodeName());
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
        return out;
    }

    private static Container container(Container c) {
        Container out = new Container();
        out.setName(c.getName());
        out.setPorts(c.getPorts() == null || c.getPorts().isEmpty() ? List.of() : c.getPorts());
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

    private static PodStatus status(PodStatus s) {
        PodStatus out = new PodStatus();
        out.setPhase(s.getPhase());
        out.setPodIP(s.getPodIP());
        out.setPodIPs(s.getPodIPs());
        out.setConditions(s.getConditions());
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
