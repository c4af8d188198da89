package io.kovn.controller.reconcile;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Service;
import io.kovn.controller.ObjectKey;
import io.kovn.ovn.annotations.GatewayConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The keys a Node event maps to: the node's own key when its annotations (all the controller reads of a node)
 * changed, so the kubelet's status updates cost nothing; and when its gateway changed (the gateway annotations,
 * or a gateway node added or deleted), the services with load balancers or template variables per gateway
 * (externalTrafficPolicy Local, NodePorts: {@link ServiceReconciler#dependsOnGateways}) and the other gateways
 * (rampout subnets move egress routes between them).
 */
public final class NodeEvents {
    private NodeEvents() {
    }

    /** What the controller reads of a node: its annotations. */
    public static Object reads(Node node) {
        Map<String, String> a = node.getMetadata().getAnnotations();
        return a == null ? Map.of() : a;
    }

    /** {@code before} is null for an add, {@code after} null for a delete. */
    public static List<ObjectKey> keys(ClusterState state, Node before, Node after) {
        Node node = after != null ? after : before;
        List<ObjectKey> keys = new ArrayList<>(List.of(ObjectKey.node(node.getMetadata().getName())));
        if (Objects.equals(gateway(before), gateway(after))) {
            return keys;
        }
        for (Node other : state.nodesList()) {
            if (ClusterState.gateway(other).isPresent() && !other.getMetadata().getName().equals(node.getMetadata().getName())) {
                keys.add(ObjectKey.node(other.getMetadata().getName()));
            }
        }
        for (Service svc : state.servicesList()) {
            if (ServiceReconciler.dependsOnGateways(svc)) {
                keys.add(ObjectKey.service(svc.getMetadata().getNamespace(), svc.getMetadata().getName()));
            }
        }
        return keys;
    }

    /** The gateway annotations' text; a missing node (the other side of an add or delete) has none. */
    private static String gateway(Node node) {
        Map<String, String> a = node == null || node.getMetadata().getAnnotations() == null ? Map.of()
                : node.getMetadata().getAnnotations();
        return a.getOrDefault(GatewayConfig.ANNOTATION, "") + "\n" + a.getOrDefault(GatewayConfig.CHASSIS_ANNOTATION, "");
    }
}
