package io.kovn.controller.reconcile;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.kovn.controller.ClusterApi;
import io.kovn.ovn.status.ConditionPatch;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pod condition {@value #TYPE}: True once the pod's logical port is committed to NB and its annotation
 * published, False with the step it waits for ({@code NodeHasNoSubnet}, {@code AddressesExhausted},
 * {@code NBWriteFailed}). Written with a JSON patch of the status subresource that touches only this condition
 * (a {@code test} of its index guards the replace; creating the list or the status, which would replace what the
 * kubelet wrote since the pod was read, is guarded by a {@code test} of the resourceVersion read), so the kubelet's
 * conditions are never overwritten, and only when the status or reason changes.
 */
public final class PodNetworkCondition {
    private static final Logger log = LoggerFactory.getLogger(PodNetworkCondition.class);
    public static final String TYPE = "kovn.io/NetworkReady";
    public static final String READY = "PortCommitted";
    public static final String NO_SUBNET = "NodeHasNoSubnet";
    public static final String EXHAUSTED = "AddressesExhausted";
    public static final String NB_FAILED = "NBWriteFailed";

    private PodNetworkCondition() {
    }

    /** The JSON patch that sets the condition, or empty when the pod already shows this status and reason. */
    static Optional<String> patch(Pod pod, boolean ready, String reason, String message) {
        List<PodCondition> conditions = pod.getStatus() == null ? null : pod.getStatus().getConditions();
        if (conditions != null && conditions.stream().anyMatch(c -> TYPE.equals(c.getType())
                && (ready ? "True" : "False").equals(c.getStatus()) && reason.equals(c.getReason()))) {
            return Optional.empty();
        }
        return Optional.of(ConditionPatch.set(pod.getMetadata().getResourceVersion(), pod.getStatus() != null,
                conditions == null ? null : conditions.stream().map(PodCondition::getType).toList(),
                ConditionPatch.condition(TYPE, ready, reason, message, Instant.now().toString())));
    }

    /**
     * Sets the condition if it differs. A patch refused because the pod changed since it was read (a kubelet status
     * write between) is computed once more from the pod as the API has it now: the echo of the controller's own
     * annotation does not reconcile the pod again ({@link PodEvents}), so nothing else would retry it. A pod gone
     * or changed again is left to the next reconcile.
     */
    public static void set(ClusterApi api, Pod pod, boolean ready, String reason, String message) {
        String ns = pod.getMetadata().getNamespace();
        String name = pod.getMetadata().getName();
        try {
            apply(api, pod, ready, reason, message);
        } catch (KubernetesClientException first) {
            try {
                Pod now = api.pod(ns, name);
                if (now != null && Objects.equals(now.getMetadata().getUid(), pod.getMetadata().getUid())) {
                    apply(api, now, ready, reason, message);
                }
            } catch (KubernetesClientException e) {
                log.debug("pod {}/{}: condition {} not set: {}", ns, name, TYPE, e.getMessage());
            }
        }
    }

    private static void apply(ClusterApi api, Pod pod, boolean ready, String reason, String message) {
        Optional<String> p = patch(pod, ready, reason, message);
        if (p.isPresent()) {
            api.patchPodStatus(pod.getMetadata().getNamespace(), pod.getMetadata().getName(), p.get());
        }
    }
}
