package io.kovn.node.status;

import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.kovn.node.kube.AgentNode;
import io.kovn.ovn.status.ConditionPatch;
import java.time.Instant;
import java.util.List;

/**
 * The Node condition {@value #TYPE}: what the agent's CNI STATUS answers now. True ({@value #OK}) when an ADD could
 * be served; False ({@value #FAILED}) with STATUS's own reasons (the local OVSDB, the pods informer) otherwise. A
 * Node's conditions are mostly the kubelet's: this one is only added or replaced at its own index.
 */
public final class NodeCniCondition {
    public static final String TYPE = "kovn.io/CNIReady";
    public static final String OK = "CNIStatusOK";
    public static final String FAILED = "CNIStatusFailed";

    private NodeCniCondition() {
    }

    /** The condition's status, reason and message for STATUS's list of problems (empty: ready). */
    record State(boolean ready, String reason, String message) {
        static State of(List<String> problems) {
            return problems.isEmpty()
                    ? new State(true, OK, "CNI STATUS: the kovn node agent can set up pods")
                    : new State(false, FAILED, "CNI STATUS: the kovn node agent cannot set up pods now: "
                    + String.join("; ", problems));
        }
    }

    /** Reads the Node, then one PATCH of its status subresource; throws the client's exception on a refusal. */
    static void write(KubernetesClient kube, String nodeName, State state, Instant now) {
        AgentNode node = kube.resources(AgentNode.class).withName(nodeName).get();
        if (node == null) {
            throw new IllegalStateException("Node " + nodeName + " does not exist");
        }
        List<NodeCondition> cs = node.getStatus() == null ? null : node.getStatus().getConditions();
        String patch = ConditionPatch.set(node.getMetadata().getResourceVersion(), node.getStatus() != null, cs == null ? null
                : cs.stream().map(NodeCondition::getType).toList(),
                ConditionPatch.condition(TYPE, state.ready(), state.reason(), state.message(), now.toString()));
        kube.resources(AgentNode.class).withName(nodeName).subresource("status")
                .patch(PatchContext.of(PatchType.JSON), patch);
    }
}
