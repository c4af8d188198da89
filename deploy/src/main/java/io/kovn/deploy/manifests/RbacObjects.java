package io.kovn.deploy.manifests;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Service accounts and their roles: one ClusterRole per component with exactly the requests of
 * {@link KubernetesApiUse}, and for the controller a Role in kovn-system for its Lease (it needs no Lease
 * elsewhere). Rules are grouped by API group, resource and object name, verbs sorted, so the YAML is stable.
 */
final class RbacObjects {
    private static final String RBAC_GROUP = "rbac.authorization.k8s.io";

    private RbacObjects() {
    }

    static List<HasMetadata> build(ManifestSettings s) {
        List<HasMetadata> out = new ArrayList<>();
        for (String sa : List.of(DeployNames.CONTROLLER, DeployNames.NODE)) {
            out.add(new ServiceAccountBuilder().withNewMetadata().withName(sa).withNamespace(DeployNames.NAMESPACE)
                    .withLabels(DeployNames.labels(component(sa))).endMetadata().build());
        }
        out.addAll(roles(DeployNames.CONTROLLER, KubernetesApiUse.CONTROLLER, s.tls()));
        out.addAll(roles(DeployNames.NODE, KubernetesApiUse.NODE, s.tls()));
        return out;
    }

    private static String component(String account) {
        return account.substring("kovn-".length());
    }

    private static List<HasMetadata> roles(String account, List<ApiRequest> requests, boolean tls) {
        List<HasMetadata> out = new ArrayList<>();
        List<ApiRequest> granted = KubernetesApiUse.granted(requests, tls).toList();
        List<PolicyRule> cluster = rules(granted.stream().filter(r -> !r.namespaced()).toList());
        List<PolicyRule> namespaced = rules(granted.stream().filter(ApiRequest::namespaced).toList());
        Map<String, String> labels = DeployNames.labels(component(account));
        out.add(new ClusterRoleBuilder().withNewMetadata().withName(account).withLabels(labels).endMetadata()
                .withRules(cluster).build());
        out.add(new ClusterRoleBindingBuilder().withNewMetadata().withName(account).withLabels(labels).endMetadata()
                .withNewRoleRef(RBAC_GROUP, "ClusterRole", account)
                .addNewSubject().withKind("ServiceAccount").withName(account).withNamespace(DeployNames.NAMESPACE)
                .endSubject().build());
        if (!namespaced.isEmpty()) {
            out.add(new RoleBuilder().withNewMetadata().withName(account).withNamespace(DeployNames.NAMESPACE)
                    .withLabels(labels).endMetadata().withRules(namespaced).build());
            out.add(new RoleBindingBuilder().withNewMetadata().withName(account).withNamespace(DeployNames.NAMESPACE)
                    .withLabels(labels).endMetadata()
                    .withNewRoleRef(RBAC_GROUP, "Role", account)
                    .addNewSubject().withKind("ServiceAccount").withName(account).withNamespace(DeployNames.NAMESPACE)
                    .endSubject().build());
        }
        return out;
    }

    /** One rule per (group, resource, object name), its verbs sorted; rules in that order. */
    private static List<PolicyRule> rules(List<ApiRequest> requests) {
        Map<String, TreeSet<String>> verbs = new TreeMap<>();
        Map<String, ApiRequest> sample = new TreeMap<>();
        for (ApiRequest r : requests) {
            String key = r.group() + "\0" + r.ruleResource() + "\0" + (r.resourceName() == null ? "" : r.resourceName());
            verbs.computeIfAbsent(key, k -> new TreeSet<>()).add(r.verb());
            sample.putIfAbsent(key, r);
        }
        return verbs.entrySet().stream().map(e -> {
            ApiRequest r = sample.get(e.getKey());
            PolicyRuleBuilder b = new PolicyRuleBuilder().withApiGroups(r.group()).withResources(r.ruleResource())
                    .withVerbs(List.copyOf(e.getValue()));
            if (r.resourceName() != null) {
                b.withResourceNames(r.resourceName());
            }
            return b.build();
        }).collect(Collectors.toList());
    }
}
