package io.kovn.deploy.manifests;

import java.util.Objects;

/**
 * One kind of request a kovn component makes to the Kubernetes API, as RBAC sees it: verb, API group, resource
 * (with its subresource), optionally one object name; {@code namespaced} requests go to kovn's own namespace (a
 * Role there), the others are cluster-wide (a ClusterRole). {@code caller} names the code that makes it, so a
 * reviewer can check the table against the source; {@code tlsOnly} requests belong to the certificate flow and
 * are granted only by the {@code --tls} manifests.
 */
public record ApiRequest(String verb, String group, String resource, String subresource, String resourceName,
                         boolean namespaced, boolean tlsOnly, String caller) {
    public ApiRequest {
        Objects.requireNonNull(verb, "verb");
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(resource, "resource");
        Objects.requireNonNull(caller, "caller");
    }

    /** A cluster-wide request on {@code resource}, or {@code resource/subresource}. */
    static ApiRequest of(String verb, String group, String resource, String caller) {
        int slash = resource.indexOf('/');
        return slash < 0 ? new ApiRequest(verb, group, resource, null, null, false, false, caller)
                : new ApiRequest(verb, group, resource.substring(0, slash), resource.substring(slash + 1), null, false,
                        false, caller);
    }

    ApiRequest inKovnNamespace() {
        return new ApiRequest(verb, group, resource, subresource, resourceName, true, tlsOnly, caller);
    }

    ApiRequest named(String name) {
        return new ApiRequest(verb, group, resource, subresource, name, namespaced, tlsOnly, caller);
    }

    ApiRequest tls() {
        return new ApiRequest(verb, group, resource, subresource, resourceName, namespaced, true, caller);
    }

    /** The resource as an RBAC rule names it: {@code pods} or {@code certificatesigningrequests/approval}. */
    public String ruleResource() {
        return subresource == null ? resource : resource + "/" + subresource;
    }
}
