package io.kovn.sandbox.api;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Kubernetes' strategic merge patch, the subset kubectl's {@code apply}, {@code set}, {@code rollout} and
 * {@code edit} send, applied without the Go types' patch metadata. A list is merged by key when the patch says
 * by which key: its {@code $setElementOrder/<list>} entries hold only the merge key (kubectl adds them for
 * every merged list it changes), or an element carries {@code $patch: delete} next to one other field; merged
 * elements are then ordered as {@code $setElementOrder} says. A list the patch says nothing more about is
 * replaced, as in a JSON merge patch. Also understood: {@code $patch: replace|delete} on maps,
 * {@code $retainKeys}, {@code $deleteFromPrimitiveList/<list>}, and null deleting a field.
 */
final class StrategicMergePatch {
    private static final String ORDER = "$setElementOrder/";
    private static final String DELETE_PRIMITIVE = "$deleteFromPrimitiveList/";

    private StrategicMergePatch() {
    }

    /** {@code target} patched; {@code target} itself is not changed. */
    static JsonNode apply(JsonNode target, JsonNode patch) {
        if (!patch.isObject()) {
            return patch.deepCopy();
        }
        if (!target.isObject()) {
            return withoutDirectives((ObjectNode) patch);
        }
        return merge((ObjectNode) target.deepCopy(), (ObjectNode) patch);
    }

    private static JsonNode merge(ObjectNode target, ObjectNode patch) {
        String p = patch.path("$patch").asString("");
        if (p.equals("replace")) {
            return withoutDirectives(patch);
        }
        if (p.equals("delete")) {
            return null;
        }
        for (Map.Entry<String, JsonNode> e : patch.properties()) {
            String key = e.getKey();
            JsonNode value = e.getValue();
            if (key.startsWith("$")) {
                if (key.startsWith(DELETE_PRIMITIVE) && target.get(key.substring(DELETE_PRIMITIVE.length())) instanceof ArrayNode list) {
                    removeValues(list, value);
                }
                continue;
            }
            JsonNode current = target.get(key);
            if (value.isNull()) {
                target.remove(key);
            } else if (value.isObject() && current != null && current.isObject()) {
                JsonNode merged = merge((ObjectNode) current, (ObjectNode) value);
                if (merged == null) {
                    target.remove(key);
                } else {
                    target.set(key, merged);
                }
            } else if (value.isArray()) {
                target.set(key, mergeList(current, (ArrayNode) value, patch.get(ORDER + key)));
            } else if (value.isObject()) {
                if (!"delete".equals(value.path("$patch").asString(""))) {
                    target.set(key, withoutDirectives((ObjectNode) value));
                }
            } else {
                target.set(key, value.deepCopy());
            }
        }
        if (patch.get("$retainKeys") instanceof ArrayNode keep) {
            List<String> names = new ArrayList<>();
            keep.forEach(k -> names.add(k.asString("")));
            target.properties().removeIf(f -> !names.contains(f.getKey()));
        }
        return target;
    }

    private static JsonNode mergeList(JsonNode current, ArrayNode patch, JsonNode order) {
        String key = mergeKey(patch, order);
        boolean primitives = order != null && order.isArray() && order.size() > 0 && !order.get(0).isObject();
        if (current == null || !current.isArray() || (key == null && !primitives)) {
            ArrayNode out = JsonNodeFactory.instance.arrayNode();
            for (JsonNode e : patch) {
                if (!(e.isObject() && "delete".equals(e.path("$patch").asString("")))) {
                    out.add(e.isObject() ? withoutDirectives((ObjectNode) e) : e.deepCopy());
                }
            }
            return out;
        }
        if (primitives) {
            LinkedHashMap<String, JsonNode> all = new LinkedHashMap<>();
            current.forEach(e -> all.put(e.toString(), e));
            patch.forEach(e -> all.put(e.toString(), e));
            ArrayNode out = JsonNodeFactory.instance.arrayNode();
            order.forEach(e -> {
                JsonNode v = all.remove(e.toString());
                if (v != null) {
                    out.add(v.deepCopy());
                }
            });
            all.values().forEach(v -> out.add(v.deepCopy()));
            return out;
        }
        LinkedHashMap<String, JsonNode> byKey = new LinkedHashMap<>();
        for (JsonNode e : current) {
            byKey.put(e.path(key).toString(), e.deepCopy());
        }
        for (JsonNode e : patch) {
            String k = e.path(key).toString();
            if (e.isObject() && "delete".equals(e.path("$patch").asString(""))) {
                byKey.remove(k);
            } else if (e.isObject() && byKey.get(k) instanceof ObjectNode old) {
                byKey.put(k, merge(old, (ObjectNode) e));
            } else {
                byKey.put(k, e.isObject() ? withoutDirectives((ObjectNode) e) : e.deepCopy());
            }
        }
        ArrayNode out = JsonNodeFactory.instance.arrayNode();
        if (order != null && order.isArray()) {
            for (JsonNode o : order) {
                JsonNode v = byKey.remove(o.path(key).toString());
                if (v != null) {
                    out.add(v);
                }
            }
        }
        byKey.values().forEach(out::add);
        return out;
    }

    /** The merge key the patch shows for a list, or null. */
    private static String mergeKey(ArrayNode patch, JsonNode order) {
        if (order != null && order.isArray() && order.size() > 0 && order.get(0).isObject() && order.get(0).size() == 1) {
            return order.get(0).propertyNames().iterator().next();
        }
        for (JsonNode e : patch) {
            if (e.isObject() && e.size() == 2 && "delete".equals(e.path("$patch").asString(""))) {
                for (String name : e.propertyNames()) {
                    if (!name.equals("$patch")) {
                        return name;
                    }
                }
            }
        }
        return null;
    }

    private static void removeValues(ArrayNode list, JsonNode values) {
        List<String> gone = new ArrayList<>();
        values.forEach(v -> gone.add(v.toString()));
        for (Iterator<JsonNode> it = list.iterator(); it.hasNext(); ) {
            if (gone.contains(it.next().toString())) {
                it.remove();
            }
        }
    }

    private static ObjectNode withoutDirectives(ObjectNode o) {
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        for (Map.Entry<String, JsonNode> e : o.properties()) {
            if (e.getKey().startsWith("$")) {
                continue;
            }
            JsonNode v = e.getValue();
            if (v.isObject()) {
                out.set(e.getKey(), withoutDirectives((ObjectNode) v));
            } else if (v.isArray()) {
                ArrayNode a = out.putArray(e.getKey());
                v.forEach(x -> a.add(x.isObject() ? withoutDirectives((ObjectNode) x) : x.deepCopy()));
            } else {
                out.set(e.getKey(), v.deepCopy());
            }
        }
        return out;
    }
}
