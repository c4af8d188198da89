package io.kovn.node.kube;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.WatchEvent;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The agent's client reads a kubeconfig as fabric8 does, watch events arrive as the agent's kinds, and no model
 * class of a kind the agent does not read is loaded (checked in a JVM of its own, as the agent runs).
 */
class AgentKubernetesClientTest {
    static final String KUBECONFIG = """
            apiVersion: v1
            kind: Config
            clusters:
            - name: other
              cluster:
                server: https://198.51.100.1:6443
            - name: lab
              cluster:
                server: https://192.0.2.10:6443
                certificate-authority-data: Y2EtYnl0ZXM=
            contexts:
            - name: other
              context: {cluster: other, user: other}
            - name: lab
              context: {cluster: lab, user: agent, namespace: kovn-system}
            current-context: lab
            users:
            - name: other
              user: {token: not-this-one}
            - name: agent
              user:
                token: agent-token
                client-certificate-data: Y2VydA==
                client-key-data: a2V5
            """;

    /** The sandbox's kind of kubeconfig: plain http, a token. */
    static final String PLAIN_KUBECONFIG = """
            apiVersion: v1
            kind: Config
            clusters: [{name: lab, cluster: {server: "http://192.0.2.10:8080"}}]
            contexts: [{name: lab, context: {cluster: lab, user: agent}}]
            current-context: lab
            users: [{name: agent, user: {token: agent-token}}]
            """;

    static final String POD_EVENT = """
            {"type":"ADDED","object":{"apiVersion":"v1","kind":"Pod",
             "metadata":{"name":"p1","namespace":"ns","resourceVersion":"7"},"spec":{"nodeName":"n1"}}}""";

    static final String DEPLOYMENT_EVENT = """
            {"type":"ADDED","object":{"apiVersion":"apps/v1","kind":"Deployment",
             "metadata":{"name":"d1","namespace":"ns"}}}""";

    @Test
    void readsAKubeconfigAsFabric8Does() {
        Config ours = AgentKubernetesClient.fromKubeconfig(KUBECONFIG, AgentKubernetesClient.serialization());
        Config theirs = Config.fromKubeconfig(KUBECONFIG);
        assertThat(ours.getMasterUrl()).isEqualTo("https://192.0.2.10:6443/").isEqualTo(theirs.getMasterUrl());
        assertThat(ours.getNamespace()).isEqualTo("kovn-system").isEqualTo(theirs.getNamespace());
        assertThat(ours.getCaCertData()).isEqualTo("Y2EtYnl0ZXM=").isEqualTo(theirs.getCaCertData());
        assertThat(ours.getClientCertData()).isEqualTo("Y2VydA==").isEqualTo(theirs.getClientCertData());
        assertThat(ours.getClientKeyData()).isEqualTo("a2V5").isEqualTo(theirs.getClientKeyData());
        assertThat(ours.getAutoOAuthToken()).isEqualTo("agent-token").isEqualTo(theirs.getAutoOAuthToken());
        assertThat(ours.getCurrentContext().getName()).isEqualTo("lab");
    }

    @Test
    void watchEventsOfTheAgentsKindsArriveTyped() {
        KubernetesSerialization s = AgentKubernetesClient.serialization();
        assertThat(s.getRegisteredKubernetesResource("v1", "Pod")).isEqualTo(AgentPod.class);
        assertThat(s.getRegisteredKubernetesResource("v1", "Node")).isEqualTo(AgentNode.class);
        assertThat(s.getRegisteredKubernetesResource("certificates.k8s.io/v1", "CertificateSigningRequest"))
                .isEqualTo(CertificateSigningRequest.class);
        // what fabric8's class-loader search would have registered
        assertThat(s.getRegisteredKubernetesResource("apps/v1", "Deployment")).isNull();
        assertThat(s.getRegisteredKubernetesResource("gateway.networking.k8s.io/v1", "Gateway")).isNull();

        WatchEvent pod = s.unmarshal(POD_EVENT, WatchEvent.class);
        assertThat(pod.getObject()).isInstanceOfSatisfying(AgentPod.class,
                p -> assertThat(p.getMetadata().getName()).isEqualTo("p1"));
        assertThat(s.unmarshal(DEPLOYMENT_EVENT, WatchEvent.class).getObject())
                .isInstanceOf(GenericKubernetesResource.class);
    }

    @Test
    void loadsNoModelClassOfAKindTheAgentDoesNotRead() throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "-Xshare:auto", "-verbose:class", "-cp",
                System.getProperty("java.class.path"), Probe.class.getName()).redirectErrorStream(true).start();
        List<String> out;
        try (var lines = p.inputReader().lines()) {
            out = lines.collect(Collectors.toList());
        }
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join("\n", out.subList(Math.max(0, out.size() - 20), out.size())))
                .isZero();
        assertThat(out).contains("probe: AgentPod, master http://192.0.2.10:8080/");
        List<String> models = out.stream().filter(l -> l.contains("io.fabric8.kubernetes.api.model.")).toList();
        assertThat(models).anyMatch(l -> l.contains("io.fabric8.kubernetes.api.model.ObjectMeta "));
        // the agent reads its pods and Node as AgentPod and AgentNode: fabric8 loads the Pod class for its handlers,
        // but none of its graph or the Node's
        assertThat(models).noneMatch(l -> l.contains("io.fabric8.kubernetes.api.model.PodSpec")
                || l.contains("io.fabric8.kubernetes.api.model.PodStatus") || l.contains(".Container ")
                || l.contains("io.fabric8.kubernetes.api.model.Node ")
                || l.contains("io.fabric8.kubernetes.api.model.NodeStatus"));
        // fabric8's client itself loads a few kinds (Deployment, Job...) for its handlers, but none of these
        assertThat(models).noneMatch(l -> l.contains(".gatewayapi.") || l.contains(".admissionregistration.")
                || l.contains(".flowcontrol.") || l.contains(".storage.") || l.contains(".resource.")
                || l.contains(".networking."));
    }

    /** What the agent does first: reads its kubeconfig, makes its client and reads a watch event. */
    static final class Probe {
        public static void main(String[] args) {
            KubernetesSerialization s = AgentKubernetesClient.serialization();
            Config config = AgentKubernetesClient.fromKubeconfig(PLAIN_KUBECONFIG, s);
            try (KubernetesClient client = AgentKubernetesClient.build(config, s)) {
                Object o = client.getKubernetesSerialization().unmarshal(POD_EVENT, WatchEvent.class).getObject();
                System.out.println("probe: " + o.getClass().getSimpleName() + ", master " + config.getMasterUrl());
            }
        }
    }
}
