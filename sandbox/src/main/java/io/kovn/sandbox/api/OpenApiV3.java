package io.kovn.sandbox.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The OpenAPI v3 documents kubectl fetches before {@code create -f} and {@code apply -f} with validation on:
 * the index ({@code /openapi/v3}) and one document per group/version, generated from {@link ServedKinds}. They
 * describe the sandbox API's operations as they are (each path, its verbs, the group/version/kind it acts on,
 * and that it takes the {@code fieldValidation} parameter, so kubectl leaves validation to the server) and
 * the kinds' schemas, derived from Kubernetes' protobuf definitions ({@link OpenApiSchemas}), for
 * {@code kubectl explain}. The emulated API itself validates nothing (it keeps unknown fields). Strategic
 * merge patch is not listed among the patch types, so kubectl computes its apply patches from its own built-in
 * types. The documents are made once.
 */
final class OpenApiV3 {
    static final String ROOT = "/openapi/v3";
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final List<String> PARAMETERS = List.of("fieldValidation", "fieldManager", "dryRun", "pretty");

    private final OpenApiSchemas schemas;
    private final Map<String, String> documents = new HashMap<>();

    OpenApiV3(OpenApiSchemas schemas) {
        this.schemas = schemas;
        for (String gv : ServedKinds.GROUPS.keySet()) {
            documents.put(ROOT + ServedKinds.prefix(gv), groupVersion(gv).toString());
        }
        ObjectNode root = JSON.createObjectNode();
        ObjectNode paths = root.putObject("paths");
        for (String gv : ServedKinds.GROUPS.keySet()) {
            String rel = ServedKinds.prefix(gv).substring(1);
            paths.putObject(rel).put("serverRelativeURL", ROOT + "/" + rel + "?hash="
                    + hash(documents.get(ROOT + ServedKinds.prefix(gv))));
        }
        documents.put(ROOT, root.toString());
    }

    /** The document at {@code path} (without its query), or null if there is none. */
    String document(String path) {
        return documents.get(path);
    }

    private ObjectNode groupVersion(String gv) {
        ObjectNode doc = JSON.createObjectNode().put("openapi", "3.0.0");
        doc.putObject("info").put("title", "kovn sandbox (emulated Kubernetes API)").put("version", "v1.32.0");
        ObjectNode paths = doc.putObject("paths");
        for (ServedKinds.Kind k : ServedKinds.GROUPS.get(gv)) {
            String base = ServedKinds.prefix(gv) + (k.namespaced() ? "/namespaces/{namespace}/" : "/");
            String[] parts = k.name().split("/");
            String group = k.kind().equals("Scale") ? "autoscaling" : ServedKinds.group(gv);
            String version = k.kind().equals("Scale") ? "v1" : ServedKinds.version(gv);
            Map<String, String> gvk = Map.of("group", group, "version", version, "kind", k.kind());
            if (!k.isSubresource()) {
                ObjectNode collection = paths.putObject(base + parts[0]);
                operation(collection, "get", "list", gvk);
                operation(collection, "post", "post", gvk);
                operation(collection, "delete", "deletecollection", gvk);
            }
            String item = base + parts[0] + "/{name}" + (k.isSubresource() ? "/" + parts[1] : "");
            ObjectNode one = paths.putObject(item);
            operation(one, "get", "get", gvk);
            operation(one, "put", "put", gvk);
            operation(one, "patch", "patch", gvk);
            if (!k.isSubresource()) {
                operation(one, "delete", "delete", gvk);
            }
        }
        doc.putObject("components").set("schemas", schemas.components(gv, ServedKinds.GROUPS.get(gv)));
        return doc;
    }

    private static void operation(ObjectNode path, String method, String action, Map<String, String> gvk) {
        ObjectNode op = path.putObject(method).put("x-kubernetes-action", action);
        ObjectNode ext = op.putObject("x-kubernetes-group-version-kind");
        gvk.forEach(ext::put);
        ArrayNode params = op.putArray("parameters");
        if (!method.equals("get")) {
            PARAMETERS.forEach(p -> params.addObject().put("name", p).put("in", "query").putObject("schema")
                    .put("type", "string"));
        }
        if (method.equals("patch")) {
            ObjectNode content = op.putObject("requestBody").putObject("content");
            List.of("application/json-patch+json", "application/merge-patch+json")
                    .forEach(t -> content.putObject(t).putObject("schema").put("type", "object"));
        }
        op.putObject("responses").putObject("200").put("description", "OK");
    }

    private static String hash(String doc) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(doc.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 16).toUpperCase();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
