package io.kovn.controller.reconcile;

import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.kovn.ovsdb.wire.OvsdbJson;
import tools.jackson.databind.node.ObjectNode;

/** Annotations are published with a JSON merge patch: it touches only that key and works on every API server. */
final class AnnotationPatch {
    static final PatchContext MERGE = PatchContext.of(PatchType.JSON_MERGE);

    private AnnotationPatch() {
    }

    static String of(String key, String value) {
        return of(java.util.Map.of(key, value));
    }

    static String of(java.util.Map<String, String> annotations) {
        ObjectNode root = OvsdbJson.NODES.objectNode();
        ObjectNode a = root.putObject("metadata").putObject("annotations");
        annotations.forEach(a::put);
        return root.toString();
    }
}
