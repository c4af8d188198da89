package io.kovn.controller;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.kovn.ovsdb.wire.OvsdbJson;
import java.util.Map;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@link ClusterApi} on a real API server through fabric8. Annotations are published with a JSON merge patch: it
 * touches only those keys and works on every API server.
 */
public final class FabricClusterApi implements ClusterApi {
    private static final PatchContext MERGE = PatchContext.of(PatchType.JSON_MERGE);
    private static final PatchContext JSON = PatchContext.of(PatchType.JSON);

    private final KubernetesClient kube;

    public FabricClusterApi(KubernetesClient kube) {
        this.kube = kube;
    }

    @Override
    public <T extends HasMetadata> SharedIndexInformer<T> informer(Class<T> type, long resyncMillis) {
        return kube.resources(type).inAnyNamespace().runnableInformer(resyncMillis);
    }

    @Override
    public Pod pod(String namespace, String name) {
        return kube.pods().inNamespace(namespace).withName(name).get();
    }

    @Override
    public Pod annotatePod(String namespace, String name, Map<String, String> annotations) {
        return kube.pods().inNamespace(namespace).withName(name).patch(MERGE, mergePatch(annotations));
    }

    @Override
    public Node annotateNode(String name, Map<String, String> annotations) {
        return kube.nodes().withName(name).patch(MERGE, mergePatch(annotations));
    }

    @Override
    public void patchPodStatus(String namespace, String name, String jsonPatch) {
        kube.pods().inNamespace(namespace).withName(name).subresource("status").patch(JSON, jsonPatch);
    }

    @Override
    public void createEvent(Event event) {
        kube.v1().events().inNamespace(event.getMetadata().getNamespace()).resource(event).create();
    }

    static String mergePatch(Map<String, String> annotations) {
        ObjectNode root = OvsdbJson.NODES.objectNode();
        ObjectNode a = root.putObject("metadata").putObject("annotations");
        annotations.forEach(a::put);
        return root.toString();
    }
}
