package io.kovn.controller;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.Map;

/**
 * Everything the reconcile loop reads from and writes to the Kubernetes API: the informers it is fed by, and the
 * few writes it makes (annotations, the pod condition, Events). In production this is the API server through
 * fabric8 ({@link FabricClusterApi}); the scale benchmark feeds the same informer handlers from memory, so that
 * the controller can be measured at a size no test API server reaches. Leader election and CSR signing are not
 * part of it: they need a real API server.
 */
public interface ClusterApi {
    /** A not yet started informer over every object of {@code type}, in every namespace. */
    <T extends HasMetadata> SharedIndexInformer<T> informer(Class<T> type, long resyncMillis);

    /** The pod as the API server has it now (not from a cache); null if there is none. */
    Pod pod(String namespace, String name);

    /** Sets these annotations on the pod (a merge patch: other keys stay); returns the pod as patched. */
    Pod annotatePod(String namespace, String name, Map<String, String> annotations);

    /** Sets these annotations on the node (a merge patch: other keys stay). */
    Node annotateNode(String name, Map<String, String> annotations);

    /** Applies a JSON patch (RFC 6902) to the pod's status subresource. */
    void patchPodStatus(String namespace, String name, String jsonPatch);

    void createEvent(Event event);
}
