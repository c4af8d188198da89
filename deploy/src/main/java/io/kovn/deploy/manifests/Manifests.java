package io.kovn.deploy.manifests;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.kovn.deploy.DeployResources;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every object kovn needs on a cluster, in the order {@code kubectl apply -f} should create them (the namespace,
 * then accounts and roles, the config, the databases' Services before the pods that read their addresses from
 * the environment, the workloads, the admission policy), and their YAML.
 */
public final class Manifests {
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    private Manifests() {
    }

    public static List<HasMetadata> objects(ManifestSettings s) {
        List<HasMetadata> out = new ArrayList<>();
        out.add(new NamespaceBuilder().withNewMetadata().withName(DeployNames.NAMESPACE)
                .withLabels(namespaceLabels()).endMetadata().build());
        out.addAll(RbacObjects.build(s));
        Map<String, String> files = new LinkedHashMap<>();
        files.put(DeployNames.CONTROLLER_CONFIG, ConfigFiles.controller(s));
        files.put(DeployNames.NODE_CONFIG, ConfigFiles.node(s));
        out.add(new ConfigMapBuilder().withNewMetadata().withName(DeployNames.CONFIG_MAP)
                .withNamespace(DeployNames.NAMESPACE).withLabels(DeployNames.labels("config")).endMetadata()
                .withData(files).build());
        out.addAll(OvnDatabaseObjects.build(s));
        out.addAll(ControllerObjects.build(s));
        out.addAll(NodeObjects.build(s));
        out.addAll(admissionPolicy());
        return out;
    }

    /** The objects as one multi-document YAML file, with a header saying how it was made. */
    public static String yaml(ManifestSettings s) {
        StringBuilder b = new StringBuilder("# kovn on Kubernetes, made by: kovn manifests").append(flags(s))
                .append("\n# Do not edit: regenerate (docs/install.md). Needs Kubernetes >= 1.30 and kube-proxy.\n");
        for (HasMetadata o : objects(s)) {
            String doc = SERIALIZATION.asYaml(o);
            b.append(doc.startsWith("---") ? doc : "---\n" + doc);
            if (!doc.endsWith("\n")) {
                b.append('\n');
            }
        }
        return b.toString();
    }

    private static String flags(ManifestSettings s) {
        ManifestSettings d = ManifestSettings.defaults();
        StringBuilder b = new StringBuilder();
        if (!s.image().equals(d.image())) {
            b.append(" --image ").append(s.image());
        }
        if (!s.clusterSubnet().equals(d.clusterSubnet())) {
            b.append(" --cluster-subnet ").append(s.clusterSubnet());
        }
        if (s.nodeSubnetPrefix() != d.nodeSubnetPrefix()) {
            b.append(" --node-subnet-prefix ").append(s.nodeSubnetPrefix());
        }
        if (!s.serviceCidr().equals(d.serviceCidr())) {
            b.append(" --service-cidr ").append(s.serviceCidr());
        }
        if (s.mtu() != d.mtu()) {
            b.append(" --mtu ").append(s.mtu());
        }
        b.append(s.ha() ? " --ha" : "").append(s.tls() ? " --tls" : "");
        return b.toString();
    }

    /** kovn's pods need the host network and capabilities: the namespace admits them (Pod Security "privileged"). */
    private static Map<String, String> namespaceLabels() {
        Map<String, String> m = new LinkedHashMap<>(DeployNames.labels("namespace"));
        m.put("pod-security.kubernetes.io/enforce", "privileged");
        return m;
    }

    /** The admission policy, shipped as a resource (docs/admission.md), read into typed objects. */
    private static List<HasMetadata> admissionPolicy() {
        Object parsed = SERIALIZATION.unmarshal(new ByteArrayInputStream(
                DeployResources.read(DeployResources.ANNOTATION_POLICY).getBytes(StandardCharsets.UTF_8)));
        List<?> docs = parsed instanceof List<?> l ? l : List.of(parsed);
        return docs.stream().map(HasMetadata.class::cast).toList();
    }
}
