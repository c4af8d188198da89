package io.kovn.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.kovn.node.kube.AgentPod;
import io.kovn.node.kube.NodeWatcher;
import io.kovn.node.kube.PodWatcher;
import io.kovn.ovn.net.Ipv4Cidr;
import io.kovn.testing.k8s.MockApiServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KubernetesSettingsTest {
    private static NodeAgentConfig.Builder base() {
        return NodeAgentConfig.builder("n1").clusterSubnets(List.of(Ipv4Cidr.parse("10.244.0.0/16")));
    }

    @Test
    void flagsWinOverWhatOvsdbHoldsAndOnlyFlagsAreStored() {
        Map<String, String> stored = Map.of("k8s-api-server", "192.0.2.1:8080", "k8s-api-token", "old");
        NodeAgentConfig cfg = base().apiToken("new").build();
        KubernetesSettings s = KubernetesSettings.resolve(cfg, stored);
        assertThat(s.apiServer()).isEqualTo("192.0.2.1:8080");
        assertThat(s.apiToken()).isEqualTo("new");
        assertThat(KubernetesSettings.toStore(cfg)).isEqualTo(Map.of("k8s-api-token", "new"));
        try (KubernetesClient c = s.newClient(cfg)) {
            // the guides: no scheme means plain http
            assertThat(c.getConfiguration().getMasterUrl()).startsWith("http://192.0.2.1:8080");
            assertThat(c.getConfiguration().getOauthToken()).isEqualTo("new");
        }
    }

    /**
     * The client the agent makes from its kubeconfig (the agent's own serialization) against fabric8's mock API: it
     * waits for its Node, its pods informer sees a pod scheduled to it after it started, and its Node patch lands.
     */
    @Test
    void theClientFromTheKubeconfigWatchesAndPatches(@TempDir Path dir) throws Exception {
        try (MockApiServer api = new MockApiServer()) {
            Path kubeconfig = dir.resolve("kubeconfig");
            Files.writeString(kubeconfig, """
                    apiVersion: v1
                    kind: Config
                    clusters: [{name: mock, cluster: {server: "%s"}}]
                    contexts: [{name: mock, context: {cluster: mock, user: agent}}]
                    current-context: mock
                    users: [{name: agent, user: {token: agent-token}}]
                    """.formatted(api.client().getMasterUrl()));
            NodeAgentConfig cfg = base().kubeconfig(kubeconfig).build();
            api.client().nodes().resource(new NodeBuilder().withNewMetadata().withName("n1").endMetadata().build())
                    .create();
            try (KubernetesClient c = KubernetesSettings.resolve(cfg, Map.of()).newClient(cfg);
                 PodWatcher pods = new PodWatcher(c, "n1")) {
                assertThat(c.getConfiguration().getAutoOAuthToken()).isEqualTo("agent-token");
                assertThat(new NodeWatcher(c, "n1").awaitNode(Duration.ofSeconds(10)).getMetadata().getName())
                        .isEqualTo("n1");
                api.client().pods().inNamespace("ns").resource(new PodBuilder().withNewMetadata().withName("p1")
                        .withNamespace("ns").endMetadata().withNewSpec().withNodeName("n1").endSpec().build()).create();
                AgentPod seen = pods.await("ns", "p1", null, p -> true).get(10, TimeUnit.SECONDS);
                assertThat(seen.getMetadata().getNamespace()).isEqualTo("ns");
                c.nodes().withName("n1").patch(PatchContext.of(PatchType.JSON_MERGE),
                        "{\"metadata\":{\"annotations\":{\"k8s.ovn.org/test\":\"x\"}}}");
                assertThat(api.client().nodes().withName("n1").get().getMetadata().getAnnotations())
                        .containsEntry("k8s.ovn.org/test", "x");
            }
        }
    }

    @Test
    void badSettingsAreRefusedWithTheReason() {
        assertThatThrownBy(() -> base().encapType("gre").build()).hasMessageContaining("geneve, vxlan, stt");
        assertThatThrownBy(() -> base().datapathType("dpdk").build()).hasMessageContaining("system or netdev");
        assertThatThrownBy(() -> NodeAgentConfig.builder("n1").clusterSubnets(List.of()).build())
                .hasMessageContaining("cluster subnet");
        assertThat(NodeAgentConfig.builder("n1").build().clusterSubnets()).containsExactly(Ipv4Cidr.parse("10.244.0.0/16"));
        assertThat(base().datapathType("netdev").build().txChecksumOffloadOff()).isTrue();
    }
}
