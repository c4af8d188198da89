package io.kovn.node.kube;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.internal.KubeConfigUtils;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.kubernetes.model.jackson.Jackson2JdkTypesModule;
import java.util.List;
import tools.jackson.databind.json.JsonMapper;

/**
 * The node agent's fabric8 client, made so that it loads only the model classes the agent reads. fabric8's default
 * {@link KubernetesSerialization}, the first time it reads a field typed as any Kubernetes resource (each watch
 * event's object, a kubeconfig's extensions), loads every resource class of every model jar on the class path
 * through the service loader (about 600 classes: admission, Gateway API, flow control, storage...), 4-5 MiB of
 * native memory on every node for kinds the agent never sees. Here the serialization does not search the class
 * loaders and knows the agent's {@link #KINDS} instead (a kind missing from them would still be read, as a generic
 * resource converted to its type, only more slowly), and the kubeconfig is read with it rather than through
 * fabric8's static {@code Serialization}, which searches them.
 */
public final class AgentKubernetesClient {
    /** What the agent watches or reads: its pods, its Node, the CA ConfigMap and its CSRs (enrolment). */
    public static final List<Class<? extends KubernetesResource>> KINDS = List.of(AgentPod.class, AgentNode.class,
            ConfigMap.class, CertificateSigningRequest.class);

    private AgentKubernetesClient() {
    }

    /** fabric8's own mapper and settings, without the class-loader search, with {@link #KINDS} registered. */
    public static KubernetesSerialization serialization() {
        KubernetesSerialization s = new KubernetesSerialization(
                JsonMapper.builderWithJackson2Defaults().addModule(new Jackson2JdkTypesModule()).build(), false);
        KINDS.forEach(s::registerKubernetesResource);
        return s;
    }

    /** A client of {@code config} with {@code serialization}. */
    public static KubernetesClient build(Config config, KubernetesSerialization serialization) {
        return new KubernetesClientBuilder().withConfig(config).withKubernetesSerialization(serialization).build();
    }

    /**
     * {@code client} if it reads the agent's kinds as the agent does (a client of {@link #serialization()}), else a
     * new client of its configuration that does, which the caller closes. A client of fabric8's default
     * serialization would hand the agent's pods informer fabric8's {@code Pod} where it reads {@link AgentPod}.
     */
    public static KubernetesClient adopt(KubernetesClient client) {
        if (client.getKubernetesSerialization().getRegisteredKubernetesResource("v1", "Pod") == AgentPod.class) {
            return client;
        }
        return build(client.getConfiguration(), serialization());
    }

    /**
     * The client configuration a kubeconfig's current context gives, as {@link Config#fromKubeconfig(String)}
     * makes it, the kubeconfig read with {@code serialization}.
     */
    public static Config fromKubeconfig(String kubeconfig, KubernetesSerialization serialization) {
        io.fabric8.kubernetes.api.model.Config parsed =
                serialization.unmarshal(kubeconfig, io.fabric8.kubernetes.api.model.Config.class);
        Config config = Config.empty();
        KubeConfigUtils.merge(config, null, parsed);
        return config;
    }
}
