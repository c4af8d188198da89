package io.kovn.node;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.kovn.node.kube.AgentKubernetesClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How the node reaches the API server. As in the original guides, the Open_vSwitch database keeps
 * k8s-api-server, k8s-api-token and k8s-ca-certificate: values given as flags are stored there, and what is
 * stored there is the default when no flag is given. Without a scheme the server is reached over plain http.
 */
record KubernetesSettings(String apiServer, String apiToken, String caCertificate) {
    static final String API_SERVER = "k8s-api-server";
    static final String API_TOKEN = "k8s-api-token";
    static final String CA_CERTIFICATE = "k8s-ca-certificate";

    /** Where the guides also let a self-signed CA certificate be. */
    static final java.nio.file.Path CA_FILE = java.nio.file.Path.of("/etc/openvswitch/k8s-ca.crt");

    /** Flags first, then what OVSDB holds (and for the CA, then {@link #CA_FILE}). */
    static KubernetesSettings resolve(NodeAgentConfig cfg, Map<String, String> stored) {
        String ca = cfg.caCertificate() != null ? cfg.caCertificate() : stored.get(CA_CERTIFICATE);
        if (ca == null && Files.isReadable(CA_FILE)) {
            try {
                ca = Files.readString(CA_FILE, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + CA_FILE, e);
            }
        }
        return new KubernetesSettings(
                cfg.apiServer() != null ? cfg.apiServer() : stored.get(API_SERVER),
                cfg.apiToken() != null ? cfg.apiToken() : stored.get(API_TOKEN), ca);
    }

    /** The external_ids to store: only those given as flags. */
    static Map<String, String> toStore(NodeAgentConfig cfg) {
        Map<String, String> m = new LinkedHashMap<>();
        if (cfg.apiServer() != null) {
            m.put(API_SERVER, cfg.apiServer());
        }
        if (cfg.apiToken() != null) {
            m.put(API_TOKEN, cfg.apiToken());
        }
        if (cfg.caCertificate() != null) {
            m.put(CA_CERTIFICATE, cfg.caCertificate());
        }
        return m;
    }

    /**
     * A client from the kubeconfig, else from these settings, else fabric8's auto-configuration; with the agent's
     * lean serialization ({@link AgentKubernetesClient}).
     */
    KubernetesClient newClient(NodeAgentConfig cfg) {
        KubernetesSerialization serialization = AgentKubernetesClient.serialization();
        Config config;
        if (cfg.kubeconfig() != null) {
            try {
                config = AgentKubernetesClient.fromKubeconfig(Files.readString(cfg.kubeconfig(), StandardCharsets.UTF_8),
                        serialization);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the kubeconfig " + cfg.kubeconfig(), e);
            }
        } else if (apiServer != null) {
            // the guides: "if no protocol is specified in external_ids:k8s-api-server, insecure http is used"
            String url = apiServer.contains("://") ? apiServer : "http://" + apiServer;
            ConfigBuilder b = new ConfigBuilder(Config.empty()).withMasterUrl(url);
            if (apiToken != null) {
                b.withOauthToken(apiToken);
            }
            if (caCertificate != null) {
                b.withCaCertData(Base64.getEncoder().encodeToString(caCertificate.getBytes(StandardCharsets.UTF_8)));
            }
            config = b.build();
        } else {
            config = Config.autoConfigure(null);
        }
        return AgentKubernetesClient.build(config, serialization);
    }
}
