package io.kovn.sandbox.api;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The resources the sandbox's API serves, by group/version: what discovery lists ({@link DiscoveryDispatcher})
 * and the OpenAPI documents describe ({@link OpenApiV3}). Other kinds can be stored (the mock keeps anything)
 * but kubectl does not know them.
 */
final class ServedKinds {
    /** A resource: {@code name} with a slash is a subresource. */
    record Kind(String name, String kind, boolean namespaced, List<String> shortNames) {
        boolean isSubresource() {
            return name.contains("/");
        }
    }

    /** The resources {@code kubectl get all} lists (the "all" category of a real cluster, of these kinds). */
    static final List<String> ALL_CATEGORY = List.of("pods", "services", "deployments", "replicasets");

    static final Map<String, List<Kind>> GROUPS = new LinkedHashMap<>();

    static {
        GROUPS.put("v1", List.of(
                new Kind("pods", "Pod", true, List.of("po")),
                new Kind("pods/status", "Pod", true, List.of()),
                new Kind("services", "Service", true, List.of("svc")),
                new Kind("endpoints", "Endpoints", true, List.of("ep")),
                new Kind("namespaces", "Namespace", false, List.of("ns")),
                new Kind("nodes", "Node", false, List.of("no")),
                new Kind("nodes/status", "Node", false, List.of()),
                new Kind("events", "Event", true, List.of("ev")),
                new Kind("configmaps", "ConfigMap", true, List.of("cm")),
                new Kind("secrets", "Secret", true, List.of()),
                new Kind("serviceaccounts", "ServiceAccount", true, List.of("sa"))));
        GROUPS.put("apps/v1", List.of(
                new Kind("deployments", "Deployment", true, List.of("deploy")),
                new Kind("deployments/status", "Deployment", true, List.of()),
                new Kind("deployments/scale", "Scale", true, List.of()),
                new Kind("replicasets", "ReplicaSet", true, List.of("rs")),
                new Kind("replicasets/status", "ReplicaSet", true, List.of()),
                new Kind("replicasets/scale", "Scale", true, List.of())));
        GROUPS.put("discovery.k8s.io/v1", List.of(new Kind("endpointslices", "EndpointSlice", true, List.of())));
        GROUPS.put("networking.k8s.io/v1", List.of(new Kind("networkpolicies", "NetworkPolicy", true,
                List.of("netpol"))));
        GROUPS.put("coordination.k8s.io/v1", List.of(new Kind("leases", "Lease", true, List.of())));
        GROUPS.put("events.k8s.io/v1", List.of(new Kind("events", "Event", true, List.of("ev"))));
    }

    private ServedKinds() {
    }

    /** The group of a group/version ("" for the core group). */
    static String group(String groupVersion) {
        int slash = groupVersion.indexOf('/');
        return slash < 0 ? "" : groupVersion.substring(0, slash);
    }

    static String version(String groupVersion) {
        return groupVersion.substring(groupVersion.indexOf('/') + 1);
    }

    /** The path prefix of a group/version: /api/v1 or /apis/GROUP/VERSION. */
    static String prefix(String groupVersion) {
        return groupVersion.contains("/") ? "/apis/" + groupVersion : "/api/" + groupVersion;
    }
}
