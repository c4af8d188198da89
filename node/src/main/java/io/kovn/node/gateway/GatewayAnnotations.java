package io.kovn.node.gateway;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.kovn.node.kube.AgentNode;
import io.kovn.ovn.annotations.GatewayConfig;
import io.kovn.ovsdb.wire.OvsdbJson;
import java.util.Map;
import java.util.Objects;
import tools.jackson.databind.node.ObjectNode;

/**
 * Publishes a gateway on its Node: {@value GatewayConfig#ANNOTATION} and {@value GatewayConfig#CHASSIS_ANNOTATION},
 * from which the controller builds the node's gateway router. A JSON merge patch touches only those keys.
 */
public final class GatewayAnnotations {
    private GatewayAnnotations() {
    }

    /** Patches the Node if either annotation differs; returns whether it did. */
    public static boolean publish(KubernetesClient client, String nodeName, LocalGateway gw) {
        AgentNode node = client.resources(AgentNode.class).withName(nodeName).get();
        if (node == null) {
            throw new IllegalStateException("Node " + nodeName + " does not exist (has kubelet registered it?)");
        }
        Map<String, String> current = node.getMetadata().getAnnotations() == null ? Map.of()
                : node.getMetadata().getAnnotations();
        String config = gw.config().toJson();
        if (sameConfig(current.get(GatewayConfig.ANNOTATION), gw.config())
                && Objects.equals(current.get(GatewayConfig.CHASSIS_ANNOTATION), gw.chassisId())) {
            return false;
        }
        ObjectNode patch = OvsdbJson.NODES.objectNode();
        patch.putObject("metadata").putObject("annotations").put(GatewayConfig.ANNOTATION, config)
                .put(GatewayConfig.CHASSIS_ANNOTATION, gw.chassisId());
        client.resources(AgentNode.class).withName(nodeName)
                .patch(PatchContext.of(PatchType.JSON_MERGE), patch.toString());
        return true;
    }

    private static boolean sameConfig(String published, GatewayConfig wanted) {
        try {
            return published != null && GatewayConfig.parse(published).equals(wanted);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
