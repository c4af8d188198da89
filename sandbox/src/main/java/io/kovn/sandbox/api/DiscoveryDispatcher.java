package io.kovn.sandbox.api;

import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Answers the discovery requests kubectl makes before anything else ({@code /version}, {@code /api},
 * {@code /apis}, {@code /api/v1}, {@code /apis/GROUP/VERSION}), turns lists into the tables {@code kubectl get}
 * asks for ({@link Tables}), and hands every other request to the CRUD dispatcher. Only the kinds the sandbox
 * deals in are listed.
 */
final class DiscoveryDispatcher extends Dispatcher {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final List<String> ALL_VERBS = List.of("create", "delete", "deletecollection", "get", "list",
            "patch", "update", "watch");

    private final Dispatcher crud;
    private final OpenApiV3 openApi;

    DiscoveryDispatcher(Dispatcher crud, OpenApiV3 openApi) {
        this.crud = crud;
        this.openApi = openApi;
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
        String path = request.getPath();
        int q = path.indexOf('?');
        if (q >= 0) {
            path = path.substring(0, q);
        }
        if (path.length() > 1 && path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        if ("GET".equals(request.getMethod())) {
            ObjectNode doc = document(path);
            if (doc != null) {
                return new MockResponse().setResponseCode(200).setHeader("Content-Type", "application/json")
                        .setBody(doc.toString());
            }
            String openApi = this.openApi.document(path);
            if (openApi != null) {
                return new MockResponse().setResponseCode(200).setHeader("Content-Type", "application/json")
                        .setBody(openApi);
            }
            if (path.startsWith("/openapi/")) {
                return new MockResponse().setResponseCode(404).setHeader("Content-Type", "application/json")
                        .setBody(ApiStatus.failure(404, "NotFound", "the kovn sandbox serves OpenAPI v3 documents "
                                + "only (" + OpenApiV3.ROOT + ")").toString());
            }
            String accept = request.getHeader("Accept");
            if (accept != null && accept.contains("as=Table") && !isWatch(request.getPath())) {
                MockResponse r = crud.dispatch(request);
                if (r.code() == 200 && r.getBody() != null) {
                    String body = new String(r.getBody().getBytes(), StandardCharsets.UTF_8);
                    return Tables.of(body, path).map(t -> new MockResponse().setResponseCode(200)
                            .setHeader("Content-Type", "application/json").setBody(t)).orElse(r);
                }
                return r;
            }
            if (!isWatch(request.getPath())) {
                return typedList(crud.dispatch(request), path);
            }
        }
        return crud.dispatch(request);
    }

    /**
     * A list answered as a real API server does, with its kind ({@code PodList}, ...) and group/version instead of
     * the mock's {@code v1 List}: typed clients (kubectl's describe, rollout history) decode nothing else.
     */
    private static MockResponse typedList(MockResponse r, String path) {
        if (r.code() != 200 || r.getBody() == null) {
            return r;
        }
        String[] parts = path.split("/");
        String resource = parts[parts.length - 1];
        String gv = path.startsWith("/api/") && parts.length > 2 ? parts[2]
                : path.startsWith("/apis/") && parts.length > 3 ? parts[2] + "/" + parts[3] : null;
        List<ServedKinds.Kind> kinds = gv == null ? null : ServedKinds.GROUPS.get(gv);
        ServedKinds.Kind kind = kinds == null ? null
                : kinds.stream().filter(k -> k.name().equals(resource)).findFirst().orElse(null);
        if (kind == null) {
            return r;
        }
        JsonNode body;
        try {
            body = JSON.readTree(r.getBody().getBytes());
        } catch (RuntimeException e) {
            return r;
        }
        if (!(body instanceof ObjectNode list) || !"List".equals(list.path("kind").asString(""))) {
            return r;
        }
        list.put("kind", kind.kind() + "List").put("apiVersion", gv);
        return new MockResponse().setResponseCode(200).setHeader("Content-Type", "application/json")
                .setBody(list.toString());
    }

    private static boolean isWatch(String path) {
        return path.contains("watch=true") || path.contains("watch=1");
    }

    @Override
    public void shutdown() {
        crud.shutdown();
    }

    private static ObjectNode document(String path) {
        switch (path) {
            case "/version":
                return JSON.createObjectNode().put("major", "1").put("minor", "32")
                        .put("gitVersion", "v1.32.0-kovn-sandbox").put("platform", "linux/amd64");
            case "/api": {
                ObjectNode doc = JSON.createObjectNode().put("kind", "APIVersions");
                doc.putArray("versions").add("v1");
                doc.putArray("serverAddressByClientCIDRs");
                return doc;
            }
            case "/apis": {
                ObjectNode doc = JSON.createObjectNode().put("kind", "APIGroupList").put("apiVersion", "v1");
                ArrayNode groups = doc.putArray("groups");
                ServedKinds.GROUPS.keySet().stream().filter(gv -> gv.contains("/")).forEach(gv -> {
                    String[] g = gv.split("/");
                    ObjectNode group = groups.addObject().put("name", g[0]);
                    group.putArray("versions").addObject().put("groupVersion", gv).put("version", g[1]);
                    group.putObject("preferredVersion").put("groupVersion", gv).put("version", g[1]);
                });
                return doc;
            }
            default:
                String gv = path.startsWith("/api/") ? path.substring(5)
                        : path.startsWith("/apis/") ? path.substring(6) : null;
                List<ServedKinds.Kind> kinds = gv == null ? null : ServedKinds.GROUPS.get(gv);
                return kinds == null ? null : resourceList(gv, kinds);
        }
    }

    private static ObjectNode resourceList(String groupVersion, List<ServedKinds.Kind> kinds) {
        ObjectNode doc = JSON.createObjectNode().put("kind", "APIResourceList").put("apiVersion", "v1")
                .put("groupVersion", groupVersion);
        ArrayNode resources = doc.putArray("resources");
        for (ServedKinds.Kind k : kinds) {
            ObjectNode r = resources.addObject().put("name", k.name()).put("singularName", "")
                    .put("namespaced", k.namespaced()).put("kind", k.kind());
            ArrayNode verbs = r.putArray("verbs");
            if (k.isSubresource()) {
                List.of("get", "patch", "update").forEach(verbs::add);
            } else {
                ALL_VERBS.forEach(verbs::add);
            }
            if (ServedKinds.ALL_CATEGORY.contains(k.name())) {
                r.putArray("categories").add("all");
            }
            if (k.kind().equals("Scale")) {
                r.put("group", "autoscaling").put("version", "v1");
            }
            if (!k.shortNames().isEmpty()) {
                ArrayNode s = r.putArray("shortNames");
                k.shortNames().forEach(s::add);
            }
        }
        return doc;
    }
}
