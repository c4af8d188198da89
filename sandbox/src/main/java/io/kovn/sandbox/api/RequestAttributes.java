package io.kovn.sandbox.api;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One request as Kubernetes' authorizer sees it: who made it and, for a resource request, the verb, API group,
 * resource, subresource and namespace (kube-apiserver's {@code RequestInfoFactory}: GET of a collection is
 * {@code list}, with {@code watch=true} {@code watch}; POST {@code create}, PUT {@code update}, PATCH
 * {@code patch}, DELETE of a collection {@code deletecollection}; {@code namespaces/NS/status} and
 * {@code /finalize} are a namespace's subresources). Other paths ({@code /version}, {@code /apis}) are
 * non-resource requests: {@code resource} is null and {@code path} names them. Object names are not kept (no
 * kovn rule is limited to names of a URL's object), so the distinct requests of a long run stay few.
 */
public record RequestAttributes(String user, String verb, String group, String resource, String subresource,
                                String namespace, String path) {
    /** What a request without a bearer token is, as an API server that allows anonymous requests names it. */
    public static final String ANONYMOUS = "system:anonymous";
    /** Longer tokens are not taken as a name (the sandbox's tokens are user names, see {@link SandboxApiServer}). */
    static final int MAX_TOKEN = 253;
    private static final Set<String> NAMESPACE_SUBRESOURCES = Set.of("status", "finalize");

    /** {@code method} and {@code path} (without its query), {@code query} parameters, the Authorization header. */
    static RequestAttributes of(String method, String path, Map<String, List<String>> query, String authorization) {
        String user = user(authorization);
        List<String> parts = List.of(path.replaceAll("^/+|/+$", "").split("/+"));
        int start;
        String group;
        if (parts.size() >= 2 && parts.get(0).equals("api")) {
            group = "";
            start = 2;
        } else if (parts.size() >= 3 && parts.get(0).equals("apis")) {
            group = parts.get(1);
            start = 3;
        } else {
            return new RequestAttributes(user, method.toLowerCase(), null, null, null, null, path);
        }
        List<String> rest = parts.subList(start, parts.size());
        if (rest.isEmpty()) {
            return new RequestAttributes(user, method.toLowerCase(), null, null, null, null, path);
        }
        if (rest.get(0).equals("watch")) {
            return resource(user, "WATCH", false, group, rest.subList(1, rest.size()), path);
        }
        boolean watch = query.getOrDefault("watch", List.of()).stream().anyMatch(v -> v.equals("true")
                || v.equals("1"));
        return resource(user, method, watch, group, rest, path);
    }

    /** {@code watch}: the query asked for one, which makes a collection's GET a watch (an object's stays a get). */
    private static RequestAttributes resource(String user, String method, boolean watch, String group,
                                              List<String> rest, String path) {
        String namespace = null;
        List<String> r = rest;
        if (r.size() >= 2 && r.get(0).equals("namespaces")) {
            // a namespace's own requests (itself, its status and finalize) are in that namespace too
            namespace = r.get(1);
            if (r.size() > 2 && !NAMESPACE_SUBRESOURCES.contains(r.get(2))) {
                r = r.subList(2, r.size());
            }
        }
        if (r.isEmpty()) {
            return new RequestAttributes(user, method.toLowerCase(), null, null, null, null, path);
        }
        boolean named = r.size() >= 2;
        String subresource = r.size() >= 3 ? r.get(2) : null;
        String verb = watch && !named && method.equalsIgnoreCase("GET") ? "watch" : verb(method, named);
        return new RequestAttributes(user, verb, group, r.get(0), subresource, namespace, null);
    }

    private static String verb(String method, boolean named) {
        return switch (method.toUpperCase()) {
            case "WATCH" -> "watch";
            case "GET", "HEAD" -> named ? "get" : "list";
            case "POST" -> "create";
            case "PUT" -> "update";
            case "PATCH" -> "patch";
            case "DELETE" -> named ? "delete" : "deletecollection";
            default -> method.toLowerCase();
        };
    }

    private static String user(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return ANONYMOUS;
        }
        String token = authorization.substring(7).trim();
        return token.isEmpty() || token.length() > MAX_TOKEN || !token.matches("[A-Za-z0-9:._-]+") ? ANONYMOUS
                : token;
    }

    /** A resource request (as opposed to {@code /version}, {@code /apis} and the like). */
    public boolean isResource() {
        return resource != null;
    }

    /** The resource as an RBAC rule names it: {@code pods} or {@code pods/status}. */
    public String ruleResource() {
        return subresource == null ? resource : resource + "/" + subresource;
    }

    @Override
    public String toString() {
        return user + " " + verb + " " + (isResource() ? (group.isEmpty() ? "core" : group) + " " + ruleResource()
                + (namespace == null ? "" : " in " + namespace) : path);
    }
}
