package io.kovn.sandbox.api;

import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The {@code scale} subresource of Deployments and ReplicaSets ({@code kubectl scale}), which the mock store
 * does not have: reading it gives an autoscaling/v1 Scale made from the object; writing it (PUT, or a merge,
 * strategic or JSON patch of {@code spec.replicas}) patches the object's {@code spec.replicas}.
 */
final class ScaleSubresource extends Dispatcher {
    private static final Pattern PATH = Pattern.compile(
            "(/apis/apps/v1/namespaces/[a-z0-9][-a-z0-9]*/(deployments|replicasets)/[a-z0-9][-.a-z0-9]*)/scale");
    private final Dispatcher store;

    ScaleSubresource(Dispatcher store) {
        this.store = store;
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
        Matcher m = PATH.matcher(Requests.path(request));
        if (!m.matches()) {
            return store.dispatch(request);
        }
        String parent = m.group(1);
        MockResponse current = store.dispatch(Requests.make(HttpMethod.GET, parent, null, null));
        if (current.code() != 200) {
            return current;
        }
        switch (request.getMethod()) {
            case "GET":
                return Requests.json(200, scale(Requests.json(current)));
            case "PUT", "PATCH": {
                Integer replicas;
                try {
                    replicas = replicas(Requests.JSON.readTree(request.getUtf8Body()));
                } catch (RuntimeException e) {
                    return Requests.status(400, "BadRequest", "cannot read the scale: " + e.getMessage());
                }
                if (replicas == null || replicas < 0) {
                    return Requests.status(422, "Invalid", "the scale request sets no valid spec.replicas");
                }
                MockResponse r = store.dispatch(Requests.make(HttpMethod.PATCH, parent,
                        "application/merge-patch+json", "{\"spec\":{\"replicas\":" + replicas + "}}"));
                return r.code() / 100 == 2 ? Requests.json(200, scale(Requests.json(r))) : r;
            }
            default:
                return Requests.status(405, "MethodNotAllowed", request.getMethod() + " on a scale subresource");
        }
    }

    /** The replicas a Scale, a merge patch or a JSON patch asks for, or null. */
    private static Integer replicas(JsonNode body) {
        if (body.isArray()) {
            for (JsonNode op : body) {
                if (op.path("path").asString("").equals("/spec/replicas") && op.path("value").isInt()) {
                    return op.path("value").asInt();
                }
            }
            return null;
        }
        JsonNode r = body.path("spec").path("replicas");
        return r.isInt() ? r.asInt() : null;
    }

    private static ObjectNode scale(JsonNode object) {
        ObjectNode s = Requests.JSON.createObjectNode().put("kind", "Scale").put("apiVersion", "autoscaling/v1");
        ObjectNode meta = s.putObject("metadata");
        for (String f : List.of("name", "namespace", "uid", "resourceVersion", "creationTimestamp")) {
            if (object.path("metadata").has(f)) {
                meta.set(f, object.path("metadata").get(f));
            }
        }
        s.putObject("spec").put("replicas", object.path("spec").path("replicas").asInt(1));
        List<String> selector = new ArrayList<>();
        object.path("spec").path("selector").path("matchLabels").properties()
                .forEach(e -> selector.add(e.getKey() + "=" + e.getValue().asString("")));
        s.putObject("status").put("replicas", object.path("status").path("replicas").asInt(0))
                .put("selector", String.join(",", selector));
        return s;
    }

    @Override
    public void shutdown() {
        store.shutdown();
    }
}
