package io.kovn.sandbox.e2e;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import io.kovn.sandbox.api.RequestAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * What the RBAC objects of a manifest grant one user, evaluated as Kubernetes' RBAC authorizer does: a
 * ClusterRole bound by a ClusterRoleBinding applies in every namespace and to cluster-scoped resources, a Role
 * bound by a RoleBinding only in its namespace; a rule matches when its verbs, API groups and resources
 * ({@code resource/subresource}) contain the request's (or {@code *}), and a rule limited to resourceNames never
 * matches a request without a name (this log keeps none). Non-resource requests to the discovery paths are
 * allowed to every authenticated user by the cluster's own {@code system:discovery} and
 * {@code system:public-info-viewer} roles.
 */
final class RbacGrants {
    /** The paths kube-apiserver's default discovery roles open to every authenticated user. */
    private static final Set<String> DISCOVERY = Set.of("/api", "/apis", "/version", "/healthz", "/livez", "/readyz",
            "/openapi");

    /** One rule as applied: the role it comes from, and the namespace it is limited to (null: cluster-wide). */
    record Grant(String role, String namespace, PolicyRule rule) {
        /** Each verb of the rule on each resource and group: what can be used, or not. */
        List<String> permissions() {
            List<String> out = new ArrayList<>();
            for (String g : rule.getApiGroups()) {
                for (String r : rule.getResources()) {
                    for (String v : rule.getVerbs()) {
                        out.add(permission(v, g, r, rule.getResourceNames()));
                    }
                }
            }
            return out;
        }

        boolean allows(RequestAttributes a) {
            return (namespace == null || namespace.equals(a.namespace()))
                    && (rule.getResourceNames() == null || rule.getResourceNames().isEmpty())
                    && matches(rule.getVerbs(), a.verb()) && matches(rule.getApiGroups(), a.group())
                    && matches(rule.getResources(), a.ruleResource());
        }

        /** The permission of this rule that {@code a} uses. */
        String used(RequestAttributes a) {
            return permission(a.verb(), a.group(), a.ruleResource(), rule.getResourceNames());
        }

        private static boolean matches(List<String> values, String value) {
            return values.contains("*") || values.contains(value);
        }
    }

    private final List<Grant> grants;

    private RbacGrants(List<Grant> grants) {
        this.grants = grants;
    }

    /** The grants of {@code objects}' roles bound to {@code user} ({@code system:serviceaccount:NS:NAME}). */
    static RbacGrants of(List<HasMetadata> objects, String user) {
        List<Grant> out = new ArrayList<>();
        for (HasMetadata o : objects) {
            if (o instanceof ClusterRoleBinding b && bound(b.getSubjects(), user)) {
                rules(objects, ClusterRole.class, b.getRoleRef().getName(), null)
                        .forEach(r -> out.add(new Grant("ClusterRole/" + b.getRoleRef().getName(), null, r)));
            } else if (o instanceof RoleBinding b && bound(b.getSubjects(), user)) {
                String ns = b.getMetadata().getNamespace();
                List<PolicyRule> rules = "ClusterRole".equals(b.getRoleRef().getKind())
                        ? rules(objects, ClusterRole.class, b.getRoleRef().getName(), null)
                        : rules(objects, Role.class, b.getRoleRef().getName(), ns);
                rules.forEach(r -> out.add(new Grant(b.getRoleRef().getKind() + "/" + ns + "/"
                        + b.getRoleRef().getName(), ns, r)));
            }
        }
        return new RbacGrants(out);
    }

    List<Grant> grants() {
        return grants;
    }

    /** Whether a grant allows {@code a}; discovery paths count as allowed (see the class comment). */
    boolean allows(RequestAttributes a) {
        if (!a.isResource()) {
            return DISCOVERY.stream().anyMatch(p -> a.path().equals(p) || a.path().startsWith(p + "/"));
        }
        return grants.stream().anyMatch(g -> g.allows(a));
    }

    /** {@code verb group resource[ names]}, e.g. {@code patch core pods/status}. */
    static String permission(String verb, String group, String resource, List<String> names) {
        return verb + " " + (group.isEmpty() ? "core" : group) + " " + resource
                + (names == null || names.isEmpty() ? "" : " " + names);
    }

    private static boolean bound(List<Subject> subjects, String user) {
        return subjects != null && subjects.stream().anyMatch(s -> "ServiceAccount".equals(s.getKind())
                && user.equals("system:serviceaccount:" + s.getNamespace() + ":" + s.getName()));
    }

    private static <T extends HasMetadata> List<PolicyRule> rules(List<HasMetadata> objects, Class<T> kind,
                                                                  String name, String namespace) {
        return objects.stream().filter(kind::isInstance).filter(o -> o.getMetadata().getName().equals(name))
                .filter(o -> namespace == null || namespace.equals(o.getMetadata().getNamespace()))
                .flatMap(o -> (o instanceof ClusterRole c ? c.getRules() : ((Role) o).getRules()).stream()).toList();
    }
}
