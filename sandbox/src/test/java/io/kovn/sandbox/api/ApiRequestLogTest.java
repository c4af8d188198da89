package io.kovn.sandbox.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The API's request log: a client given {@link SandboxApiServer#writeKubeconfigAs} is logged as that user, each
 * request as Kubernetes' authorizer sees it.
 */
class ApiRequestLogTest {
    private static final String USER = SandboxApiServer.CONTROLLER_USER;

    @Test
    void aComponentsRequestsAreLoggedAsItsUserWithTheAuthorizersAttributes(@TempDir Path dir) throws Exception {
        try (SandboxApiServer api = SandboxApiServer.start(0)) {
            Path kubeconfig = api.writeKubeconfigAs(dir.resolve("controller"), USER);
            try (KubernetesClient admin = api.newClient();
                 KubernetesClient c = new KubernetesClientBuilder()
                         .withConfig(Config.fromKubeconfig(Files.readString(kubeconfig))).build()) {
                admin.nodes().resource(new NodeBuilder().withNewMetadata().withName("n1").endMetadata().build())
                        .create();
                admin.pods().inNamespace("a").resource(new PodBuilder().withNewMetadata().withName("p").endMetadata()
                        .build()).create();
                try (SharedIndexInformer<Pod> informer = c.pods().inAnyNamespace().inform()) {
                    await().atMost(Duration.ofSeconds(20)).until(() -> api.requests().requests().stream()
                            .anyMatch(r -> r.toString().equals(USER + " watch core pods")));
                }
                c.nodes().withName("n1").get();
                c.pods().inNamespace("a").withName("p").subresource("status")
                        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"status\":{\"phase\":\"Running\"}}");
                c.v1().events().inNamespace("a").resource(new EventBuilder().withNewMetadata().withName("e")
                        .endMetadata().build()).create();
            }
            assertThat(api.requests().requests()).filteredOn(r -> r.user().equals(USER))
                    .extracting(RequestAttributes::toString).contains(
                            USER + " list core pods",
                            USER + " watch core pods",
                            USER + " get core nodes",
                            USER + " patch core pods/status in a",
                            USER + " create core events in a");
            assertThat(api.requests().requests()).filteredOn(r -> r.user().equals(RequestAttributes.ANONYMOUS))
                    .extracting(RequestAttributes::toString)
                    .contains(RequestAttributes.ANONYMOUS + " create core nodes");
        }
    }

    @Test
    void pathsMapAsKubeApiserverMapsThem() {
        assertThat(of("GET", "/apis/coordination.k8s.io/v1/namespaces/kovn-system/leases/kovn-controller", Map.of()))
                .isEqualTo("u get coordination.k8s.io leases in kovn-system");
        assertThat(of("PUT", "/apis/certificates.k8s.io/v1/certificatesigningrequests/csr-1/approval", Map.of()))
                .isEqualTo("u update certificates.k8s.io certificatesigningrequests/approval");
        assertThat(of("GET", "/api/v1/pods", Map.of("watch", List.of("true"))))
                .isEqualTo("u watch core pods");
        assertThat(of("GET", "/api/v1/namespaces/a/pods/p", Map.of("watch", List.of("true"))))
                .as("an object's GET stays a get").isEqualTo("u get core pods in a");
        assertThat(of("GET", "/api/v1/watch/namespaces/a/pods", Map.of())).isEqualTo("u watch core pods in a");
        assertThat(of("POST", "/api/v1/namespaces/a/pods/p/binding", Map.of()))
                .isEqualTo("u create core pods/binding in a");
        assertThat(of("PUT", "/api/v1/namespaces/a/finalize", Map.of()))
                .isEqualTo("u update core namespaces/finalize in a");
        assertThat(of("GET", "/api/v1/namespaces/a", Map.of())).isEqualTo("u get core namespaces in a");
        assertThat(of("DELETE", "/api/v1/namespaces/a/pods", Map.of())).isEqualTo("u deletecollection core pods in a");
        assertThat(of("POST", "/apis/events.k8s.io/v1/namespaces/a/events", Map.of()))
                .isEqualTo("u create events.k8s.io events in a");
        assertThat(of("GET", "/version", Map.of())).isEqualTo("u get /version");
        assertThat(RequestAttributes.of("GET", "/api/v1/pods", Map.of(), null).user())
                .isEqualTo(RequestAttributes.ANONYMOUS);
        assertThat(RequestAttributes.of("GET", "/api/v1/pods", Map.of(), "Bearer a b").user())
                .as("not a name").isEqualTo(RequestAttributes.ANONYMOUS);
    }

    private static String of(String method, String path, Map<String, List<String>> query) {
        return RequestAttributes.of(method, path, query, "Bearer u").toString();
    }
}
