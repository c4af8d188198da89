package io.kovn.node.kube;

import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientTimeoutException;
import io.kovn.ovn.annotations.NodeSubnets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** Reads this node's Node object: its InternalIP and the subnet the controller gave it. */
public final class NodeWatcher {
    private final KubernetesClient client;
    private final String nodeName;

    public NodeWatcher(KubernetesClient client, String nodeName) {
        this.client = client;
        this.nodeName = nodeName;
    }

    /** Waits until the Node exists (kubelet registers it). */
    public AgentNode awaitNode(Duration timeout) {
        return await(n -> true, timeout, "Node " + nodeName + " does not exist (has kubelet registered it?)");
    }

    /** Waits until the controller has annotated the Node with k8s.ovn.org/node-subnets and parses it. */
    public NodeSubnets awaitSubnets(Duration timeout) {
        AgentNode n = await(x -> annotation(x).isPresent(), timeout, "Node " + nodeName + " has no "
                + NodeSubnets.ANNOTATION + " annotation (is the kovn controller running?)");
        return NodeSubnets.parse(annotation(n).orElseThrow());
    }

    public static Optional<String> internalIp(AgentNode n) {
        if (n.getStatus() == null || n.getStatus().getAddresses() == null) {
            return Optional.empty();
        }
        return n.getStatus().getAddresses().stream().filter(a -> "InternalIP".equals(a.getType()))
                .map(NodeAddress::getAddress).filter(a -> a.indexOf(':') < 0).findFirst();
    }

    private static Optional<String> annotation(AgentNode n) {
        Map<String, String> a = n.getMetadata().getAnnotations();
        return Optional.ofNullable(a == null ? null : a.get(NodeSubnets.ANNOTATION));
    }

    private AgentNode await(Predicate<AgentNode> ready, Duration timeout, String failure) {
        try {
            return client.resources(AgentNode.class).withName(nodeName)
                    .waitUntilCondition(n -> n != null && ready.test(n), timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (KubernetesClientTimeoutException e) {
            throw new IllegalStateException(failure + " after " + timeout.toSeconds() + " s");
        }
    }
}
