package io.kovn.node.status;

import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.kovn.node.kube.AgentPod;
import io.kovn.ovn.status.ConditionPatch;
import java.time.Instant;
import java.util.List;

/**
 * The pod condition {@value #TYPE}, True with reason {@value #REASON} once ovn-controller on the pod's chassis has
 * marked its OVS interface {@code ovn-installed} (its flows are in br-int); the transition time is when the agent
 * saw it. The node agent writes it, not the controller: the agent sees the mark first-hand during CNI ADD, on its
 * own node only, while the controller would have to follow every Port_Binding of the Southbound. It is a condition
 * of its own beside the controller's {@code kovn.io/NetworkReady}, so each condition has one writer.
 */
public final class PodInstalledCondition {
    public static final String TYPE = "kovn.io/OvnInstalled";
    public static final String REASON = "OvnInstalledOnChassis";

    private PodInstalledCondition() {
    }

    /** Whether {@code pod} already shows the condition True. */
    static boolean shown(AgentPod pod) {
        return conditions(pod).stream().anyMatch(c -> TYPE.equals(c.getType()) && "True".equals(c.getStatus())
                && REASON.equals(c.getReason()));
    }

    /** The JSON patch setting the condition on {@code pod} as it was last seen. */
    static String patch(AgentPod pod, String message, Instant seenAt) {
        List<PodCondition> cs = pod.getStatus() == null ? null : pod.getStatus().getConditions();
        return ConditionPatch.set(pod.getMetadata().getResourceVersion(), pod.getStatus() != null, cs == null ? null : cs.stream().map(PodCondition::getType)
                .toList(), ConditionPatch.condition(TYPE, true, REASON, message, seenAt.toString()));
    }

    /** One PATCH of the pod's status subresource; throws the client's exception when the API refuses it. */
    static void write(KubernetesClient kube, AgentPod pod, String message, Instant seenAt) {
        kube.resources(AgentPod.class).inNamespace(pod.getMetadata().getNamespace())
                .withName(pod.getMetadata().getName())
                .subresource("status").patch(PatchContext.of(PatchType.JSON), patch(pod, message, seenAt));
    }

    private static List<PodCondition> conditions(AgentPod pod) {
        return pod.getStatus() == null || pod.getStatus().getConditions() == null ? List.of()
                : pod.getStatus().getConditions();
    }
}
