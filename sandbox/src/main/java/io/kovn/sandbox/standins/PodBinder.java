package io.kovn.sandbox.standins;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stand-in for kube-scheduler: binds each pod without {@code spec.nodeName} to a Ready, schedulable node whose
 * labels match the pod's {@code nodeSelector}, round-robin. Nothing else of scheduling (resources, affinity,
 * taints) is emulated. The binding is a merge patch of spec.nodeName, the mock API having no binding
 * subresource.
 */
public final class PodBinder implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PodBinder.class);

    private final KubernetesClient client;
    private final SharedIndexInformer<Node> nodes;
    private final SharedIndexInformer<Pod> pods;
    private final KeyQueue<String> queue;
    private int next;

    public PodBinder(KubernetesClient client) {
        this.client = client;
        nodes = client.nodes().runnableInformer(0);
        pods = client.pods().inAnyNamespace().runnableInformer(0);
        queue = new KeyQueue<>("stand-in-pod-binder", this::bind);
        nodes.addEventHandler(new Handler<>(n -> pods.getStore().list().stream().filter(PodBinder::needsNode)
                .forEach(p -> queue.add(key(p)))));
        pods.addEventHandler(new Handler<>(p -> {
            if (needsNode(p)) {
                queue.add(key(p));
            }
        }));
        nodes.start();
        pods.start();
    }

    private static boolean needsNode(Pod p) {
        return (p.getSpec().getNodeName() == null || p.getSpec().getNodeName().isEmpty())
                && p.getMetadata().getDeletionTimestamp() == null;
    }

    private void bind(String key) {
        Pod pod = pods.getStore().getByKey(key);
        if (pod == null || !needsNode(pod)) {
            return;
        }
        Map<String, String> selector = pod.getSpec().getNodeSelector() == null ? Map.of() : pod.getSpec().getNodeSelector();
        List<Node> eligible = nodes.getStore().list().stream()
                .filter(n -> Nodes.ready(n) && !Boolean.TRUE.equals(n.getSpec() == null ? null : n.getSpec().getUnschedulable()))
                .filter(n -> selector.entrySet().stream().allMatch(e -> e.getValue().equals(labels(n).get(e.getKey()))))
                .sorted(Comparator.comparing(n -> n.getMetadata().getName()))
                .toList();
        if (eligible.isEmpty()) {
            log.info("pod {} waits: no ready node matches {}", key, selector);
            return; // a node event brings it back
        }
        String node = eligible.get(Math.floorMod(next++, eligible.size())).getMetadata().getName();
        client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName())
                .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"nodeName\":\"" + node + "\"}}");
        log.info("bound pod {} to {}", key, node);
    }

    private static Map<String, String> labels(Node n) {
        return n.getMetadata().getLabels() == null ? Map.of() : n.getMetadata().getLabels();
    }

    static String key(Pod p) {
        return p.getMetadata().getNamespace() + "/" + p.getMetadata().getName();
    }

    @Override
    public void close() {
        queue.close();
        pods.close();
        nodes.close();
    }
}
