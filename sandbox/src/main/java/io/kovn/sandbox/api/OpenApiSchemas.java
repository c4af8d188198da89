package io.kovn.sandbox.api;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The component schemas of the OpenAPI v3 documents, derived from Kubernetes' own {@code generated.proto} files
 * ({@link ProtoSchema}): each message becomes an object schema named as kube-apiserver names it
 * ({@code io.k8s.api.core.v1.Pod}), each field a property with the field's documentation, and the kinds the
 * sandbox serves carry {@code x-kubernetes-group-version-kind}, which is what {@code kubectl explain} looks up.
 * The types whose JSON is not their message's are described as kube-apiserver describes them (Time as a
 * date-time string, IntOrString, Quantity).
 */
final class OpenApiSchemas {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String META = "k8s.io.apimachinery.pkg.apis.meta.v1.";

    private final ProtoSchema proto;

    OpenApiSchemas(ProtoSchema proto) {
        this.proto = proto;
    }

    /** kube-apiserver's name of a message: k8s.io.api.core.v1.Pod is io.k8s.api.core.v1.Pod. */
    static String name(String message) {
        return message.startsWith("k8s.io.") ? "io.k8s." + message.substring("k8s.io.".length()) : message;
    }

    /** The schemas of the kinds of {@code gv} and of every message they use. */
    ObjectNode components(String gv, List<ServedKinds.Kind> kinds) {
        String pkg = ProtobufBody.GROUP_PACKAGES.get(gv);
        Map<String, ObjectNode> out = new TreeMap<>();
        Deque<String> todo = new ArrayDeque<>();
        for (ServedKinds.Kind k : kinds) {
            String message = k.kind().equals("Scale") ? null : pkg + "." + k.kind();
            if (message != null && proto.message(message) != null && !out.containsKey(name(message))) {
                ObjectNode s = object(message, todo);
                s.withObject("properties").putObject("apiVersion").put("type", "string")
                        .put("description", "APIVersion defines the versioned schema of this representation of an object.");
                s.withObject("properties").putObject("kind").put("type", "string")
                        .put("description", "Kind is a string value representing the REST resource this object represents.");
                s.putArray("x-kubernetes-group-version-kind").addObject().put("group", ServedKinds.group(gv))
                        .put("version", ServedKinds.version(gv)).put("kind", k.kind());
                out.put(name(message), s);
            }
        }
        while (!todo.isEmpty()) {
            String message = todo.pop();
            if (!out.containsKey(name(message))) {
                out.put(name(message), special(message) != null ? special(message) : object(message, todo));
            }
        }
        ObjectNode schemas = JSON.createObjectNode();
        out.forEach(schemas::set);
        return schemas;
    }

    private ObjectNode object(String message, Deque<String> todo) {
        ObjectNode s = JSON.createObjectNode().put("type", "object").put("description", proto.description(message));
        ObjectNode props = s.putObject("properties");
        for (ProtoSchema.Field f : proto.message(message).values()) {
            ObjectNode p;
            if (f.isMap()) {
                p = JSON.createObjectNode().put("type", "object");
                p.set("additionalProperties", type(f.valueType(), todo));
            } else if (f.repeated()) {
                p = JSON.createObjectNode().put("type", "array");
                p.set("items", type(f.type(), todo));
            } else {
                p = type(f.type(), todo);
            }
            if (!f.description().isEmpty()) {
                p.put("description", f.description());
            }
            props.set(f.name(), p);
        }
        return s;
    }

    private ObjectNode type(String type, Deque<String> todo) {
        switch (type) {
            case "string":
                return JSON.createObjectNode().put("type", "string");
            case "bytes":
                return JSON.createObjectNode().put("type", "string").put("format", "byte");
            case "bool":
                return JSON.createObjectNode().put("type", "boolean");
            case "int32", "int64":
                return JSON.createObjectNode().put("type", "integer").put("format", type);
            case "double":
                return JSON.createObjectNode().put("type", "number").put("format", "double");
            default:
                todo.push(type);
                ObjectNode ref = JSON.createObjectNode();
                ref.putArray("allOf").addObject().put("$ref", "#/components/schemas/" + name(type));
                return ref;
        }
    }

    /** The schema of a message whose JSON form is not an object of its fields, or null. */
    private ObjectNode special(String message) {
        String doc = proto.description(message);
        return switch (message) {
            case META + "Time", META + "MicroTime" ->
                    JSON.createObjectNode().put("type", "string").put("format", "date-time").put("description", doc);
            case META + "Duration" -> JSON.createObjectNode().put("type", "string").put("description", doc);
            case "k8s.io.apimachinery.pkg.api.resource.Quantity", "k8s.io.apimachinery.pkg.util.intstr.IntOrString" ->
                    JSON.createObjectNode().put("type", "string").put("format",
                            message.endsWith("Quantity") ? "quantity" : "int-or-string")
                            .put("x-kubernetes-int-or-string", true).put("description", doc);
            case "k8s.io.apimachinery.pkg.runtime.RawExtension", META + "FieldsV1" ->
                    JSON.createObjectNode().put("type", "object").put("description", doc);
            default -> null;
        };
    }
}
