package io.kovn.controller.reconcile;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Service;
import io.kovn.controller.ObjectKey;
import io.kovn.ovn.annotations.GatewayConfig;
import io.kovn.ovn.annotations.NodeSubnets;
import io.kovn.ovn.net.Ipv4Cidr;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The keys a Node event maps to: the node's own key when its annotations (all the controller reads of a node)
 * changed, so the kubelet's status updates cost nothing, unless the change is the echo of the controller's own
 * annotations ({@link #ownWrite}); and when its gateway changed (the gateway annotations,
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
        if (before != null && after != null && ownWrite(state, before, after)) {
            return List.of();
        }
        List<ObjectKey> keys = new ArrayList<>(List.of(ObjectKey.node(node.getMetadata().getName())));
        if (Objects.equals(gateway(before), gateway(after))) {
            return keys;
        }
        for (Node other : state.gatewayNodes()) {
            if (!other.getMetadata().getName().equals(node.getMetadata().getName())) {
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

    /**
     * Whether the update is the echo of the controller's own writes to the node: only its subnet annotation or its
     * gateway's join address changed, each to the value for what the controller holds for the node. Reconciling
     * the node again would write nothing: at a cold start, a second pass over every node.
     */
    static boolean ownWrite(ClusterState state, Node before, Node after) {
        String name = after.getMetadata().getName();
        Map<String, String> was = annotations(before);
        Map<String, String> now = annotations(after);
        Set<String> keys = new HashSet<>(was.keySet());
        keys.addAll(now.keySet());
        boolean changed = false;
        for (String key : keys) {
            String value = now.get(key);
            if (Objects.equals(was.get(key), value)) {
                continue;
            }
            if (value == null) {
                return false;
            }
            if (key.equals(NodeSubnets.ANNOTATION)) {
                Optional<Ipv4Cidr> held = state.subnets.get(name);
                if (held.isEmpty() || !NodeReconciler.announces(value, held.get())) {
                    return false;
                }
            } else if (key.equals(GatewayConfig.JOIN_ADDRESS_ANNOTATION)) {
                Optional<Integer> held = state.joinIps.get(name);
                if (held.isEmpty() || !NodeReconciler.joinJson(Ipv4Cidr.format(held.get()), state.config.joinSubnet()).equals(value)) {
                    return false;
                }
            } else {
                return false;
            }
            changed = true;
        }
        return changed;
    }

    private static Map<String, String> annotations(Node node) {
        Map<String, String> a = node.getMetadata().getAnnotations();
        return a == null ? Map.of() : a;
    }

    /** The gateway annotations' text; a missing node (the other side of an add or delete) has none. */
    private static String gateway(Node node) {
        Map<String, String> a = node == null || node.getMetadata().getAnnotations() == null ? Map.of()
                : node.getMetadata().getAnnotations();
        return a.getOrDefault(GatewayConfig.ANNOTATION, "") + "\n" + a.getOrDefault(GatewayConfig.CHASSIS_ANNOTATION, "");
    }
}
