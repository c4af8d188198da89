package io.kovn.controller.reconcile;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.kovn.controller.ClusterApi;
import io.kovn.ovn.status.ConditionPatch;
import java.time.Instant;
import java.util.List;
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

    /** Sets the condition if it differs; a failed patch (the pod changed or went away) is retried by the next reconcile. */
    public static void set(ClusterApi api, Pod pod, boolean ready, String reason, String message) {
        Optional<String> p = patch(pod, ready, reason, message);
        if (p.isEmpty()) {
            return;
        }
        try {
            api.patchPodStatus(pod.getMetadata().getNamespace(), pod.getMetadata().getName(), p.get());
        } catch (KubernetesClientException e) {
            log.debug("pod {}/{}: condition {} not set: {}", pod.getMetadata().getNamespace(), pod.getMetadata().getName(),
                    TYPE, e.getMessage());
        }
    }
}
