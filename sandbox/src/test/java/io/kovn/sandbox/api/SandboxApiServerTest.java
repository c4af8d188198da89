package io.kovn.sandbox.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the sandbox teaches the mock API: the spec.nodeName field selector, discovery and tables for kubectl. */
class SandboxApiServerTest {
    private SandboxApiServer api;
    private KubernetesClient client;

    @BeforeEach
    void start() {
        api = SandboxApiServer.start(0);
        client = api.newClient();
    }

    @AfterEach
    void stop() {
        client.close();
        api.close();
    }

    @Test
    void podsCanBeSelectedByNodeName() {
        for (String[] p : new String[][] {{"a", "n1"}, {"b", "n2"}, {"c", "n1"}}) {
            client.pods().inNamespace("default").resource(new PodBuilder().withNewMetadata().withName(p[0]).endMetadata()
                    .withNewSpec().withNodeName(p[1]).addNewContainer().withName("c").endContainer().endSpec().build())
                    .create();
        }
        assertThat(client.pods().inAnyNamespace().withField("spec.nodeName", "n1").list().getItems())
                .extracting(p -> p.getMetadata().getName()).containsExactlyInAnyOrder("a", "c");
    }

    @Test
    void answersDiscovery() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        assertThat(get(http, "/version")).contains("\"major\":\"1\"");
        assertThat(get(http, "/api")).contains("\"versions\":[\"v1\"]");
        assertThat(get(http, "/apis")).contains("discovery.k8s.io/v1");
        assertThat(get(http, "/api/v1")).contains("\"name\":\"pods\"").contains("\"shortNames\":[\"po\"]");
        assertThat(get(http, "/apis/discovery.k8s.io/v1")).contains("endpointslices");
    }

    @Test
    void kubectlCreatesListsAndDeletes(@TempDir Path dir) throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/kubectl")) || Files.isExecutable(Path.of("/usr/local/bin/kubectl")),
                "kubectl is not installed");
        Path kubeconfig = api.writeKubeconfig(dir.resolve("kubeconfig"));
        Path pod = Files.writeString(dir.resolve("pod.yaml"), """
                apiVersion: v1
                kind: Pod
                metadata: {name: from-kubectl}
                spec:
                  containers: [{name: c}]
                """);
        assertThat(kubectl(kubeconfig, "create", "--validate=false", "-f", pod.toString())).contains("created");
        assertThat(kubectl(kubeconfig, "get", "pods", "-o", "name")).contains("pod/from-kubectl");
        client.pods().inNamespace("default").withName("from-kubectl").editStatus(p -> {
            p.setStatus(new io.fabric8.kubernetes.api.model.PodStatusBuilder().withPodIP("10.244.0.9").build());
            return p;
        });
        assertThat(kubectl(kubeconfig, "get", "pods", "-o", "wide")).contains("IP").contains("10.244.0.9");
        assertThat(client.pods().inNamespace("default").withName("from-kubectl").get()).isNotNull();
        assertThat(kubectl(kubeconfig, "delete", "pod", "from-kubectl")).contains("deleted");
    }

    private String get(HttpClient http, String path) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(api.url() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(path).isEqualTo(200);
        return r.body();
    }

    private static String kubectl(Path kubeconfig, String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("kubectl", "--kubeconfig", kubeconfig.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("kubectl %s: %s", String.join(" ", args), out).isZero();
        return out;
    }
}
