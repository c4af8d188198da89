package io.kovn.ovn.status;

import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * A JSON patch (RFC 6902) of an object's status subresource that sets one condition and touches no other: it appends
 * the condition, or replaces it at its index behind a {@code test} of that index's type, so a list that changed
 * since it was read fails the patch instead of overwriting someone else's condition. Where the object had no list
 * (or no status) when it was read, the patch that creates one would replace whatever the kubelet wrote since: it is
 * guarded by a {@code test} of the resourceVersion that was read, and fails (to be retried on a fresh read) instead.
 * Built as a JSON tree from typed values: nothing read from the API is pasted into the patch's text. One builder for
 * the controller's pod condition and the node agent's pod and Node conditions.
 */
public final class ConditionPatch {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private ConditionPatch() {
    }

    /**
     * @param resourceVersion the object's resourceVersion as read (guards creating the status or the list)
     * @param statusPresent  whether the object has a status at all
     * @param conditionTypes the types of its conditions in order, null when it has no list
     * @param condition      the condition to set; its {@code type} names which one
     */
    public static String set(String resourceVersion, boolean statusPresent, List<String> conditionTypes, ObjectNode condition) {
        String type = condition.path("type").asString();
        ArrayNode patch = JSON.createArrayNode();
        if ((!statusPresent || conditionTypes == null || conditionTypes.isEmpty()) && resourceVersion != null) {
            patch.add(op("test", "/metadata/resourceVersion", JsonNodeFactory.instance.stringNode(resourceVersion)));
        }
        if (!statusPresent) {
            ObjectNode status = JSON.createObjectNode();
            status.putArray("conditions").add(condition);
            patch.add(op("add", "/status", status));
        } else if (conditionTypes == null || conditionTypes.isEmpty()) {
            patch.add(op("add", "/status/conditions", JSON.createArrayNode().add(condition)));
        } else {
            int i = conditionTypes.indexOf(type);
            if (i < 0) {
                patch.add(op("add", "/status/conditions/-", condition));
            } else {
                patch.add(op("test", "/status/conditions/" + i + "/type", JsonNodeFactory.instance.stringNode(type)));
                patch.add(op("replace", "/status/conditions/" + i, condition));
            }
        }
        return JSON.writeValueAsString(patch);
    }

    public static ObjectNode condition(String type, boolean status, String reason, String message, String time) {
        ObjectNode c = JSON.createObjectNode();
        c.put("type", type);
        c.put("status", status ? "True" : "False");
        c.put("reason", reason);
        c.put("message", message);
        c.put("lastTransitionTime", time);
        return c;
    }

    private static ObjectNode op(String op, String path, JsonNode value) {
        ObjectNode o = JSON.createObjectNode();
        o.put("op", op);
        o.put("path", path);
        o.set("value", value);
        return o;
    }
}
