package io.kovn.sandbox.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the sandbox teaches the mock API, tried with the real kubectl (/usr/bin/kubectl, with its defaults): the
 * spec.nodeName field selector, discovery, OpenAPI and tables, protobuf bodies, watches, strategic merge patch,
 * scale, logs and exec.
 */
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
        Path kubeconfig = api.writeKubeconfig(dir.resolve("kubeconfig"));
        Path pod = Files.writeString(dir.resolve("pod.yaml"), """
                apiVersion: v1
                kind: Pod
                metadata: {name: from-kubectl}
                spec:
                  containers: [{name: c}]
                """);
        assertThat(kubectl(kubeconfig, "create", "-f", pod.toString())).contains("created");
        assertThat(kubectl(kubeconfig, "get", "pods", "-o", "name")).contains("pod/from-kubectl");
        client.pods().inNamespace("default").withName("from-kubectl").editStatus(p -> {
            p.setStatus(new PodStatusBuilder().withPodIP("10.244.0.9").build());
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

    @Test
    void kubectlCreatesScalesAndAppliesWithItsDefaults(@TempDir Path dir) throws Exception {
        Path kubeconfig = api.writeKubeconfig(dir.resolve("kubeconfig"));
        assertThat(kubectl(kubeconfig, "create", "namespace", "foo")).contains("namespace/foo created");
        assertThat(client.namespaces().withName("foo").get()).isNotNull();
        assertThat(kubectl(kubeconfig, "-n", "foo", "create", "deployment", "d", "--image=x", "--replicas=2"))
                .contains("deployment.apps/d created");
        assertThat(kubectl(kubeconfig, "-n", "foo", "scale", "deployment", "d", "--replicas=4")).contains("scaled");
        assertThat(client.apps().deployments().inNamespace("foo").withName("d").get().getSpec().getReplicas()).isEqualTo(4);
        assertThat(kubectl(kubeconfig, "-n", "foo", "set", "image", "deployment/d", "x=y")).contains("image updated");
        assertThat(client.apps().deployments().inNamespace("foo").withName("d").get().getSpec().getTemplate().getSpec()
                .getContainers()).extracting(c -> c.getName() + "=" + c.getImage()).containsExactly("x=y");
        Path policy = Files.writeString(dir.resolve("np.yaml"), """
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: np, namespace: foo}
                spec:
                  podSelector: {matchLabels: {app: a}}
                  ingress: [{from: [{podSelector: {matchLabels: {role: blue}}}]}]
                """);
        assertThat(kubectl(kubeconfig, "apply", "-f", policy.toString())).contains("created");
        Files.writeString(policy, Files.readString(policy).replace("role: blue", "role: green"));
        assertThat(kubectl(kubeconfig, "apply", "-f", policy.toString())).contains("configured");
        assertThat(client.network().networkPolicies().inNamespace("foo").withName("np").get().getSpec().getIngress()
                .get(0).getFrom().get(0).getPodSelector().getMatchLabels()).containsExactly(Map.entry("role", "green"));
        assertThat(kubectl(kubeconfig, "explain", "pods.spec.containers.ports")).contains("containerPort")
                .contains("Number of port to expose on the pod's IP address");
        assertThat(kubectl(kubeconfig, "-n", "foo", "label", "deployment", "d", "tier=web")).contains("labeled");
        assertThat(kubectl(kubeconfig, "-n", "foo", "get", "deployment", "d", "--show-labels")).contains("tier=web");
        Kubectl failed = run(kubeconfig, "apply", "--server-side", "-f", policy.toString());
        assertThat(failed.exit).isNotZero();
        assertThat(failed.out).contains("server-side apply is not emulated");
    }

    @Test
    void getWatchStreamsChangesOnceEach(@TempDir Path dir) throws Exception {
        Path kubeconfig = api.writeKubeconfig(dir.resolve("kubeconfig"));
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("before").endMetadata().build())
                .create();
        Process watch = new ProcessBuilder("kubectl", "--kubeconfig", kubeconfig.toString(), "get", "namespaces", "-w")
                .redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(watch.getInputStream(), StandardCharsets.UTF_8));
            List<String> lines = new ArrayList<>();
            lines.add(out.readLine()); // header
            lines.add(out.readLine());
            client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("after").endMetadata().build())
                    .create();
            CompletableFuture<String> next = CompletableFuture.supplyAsync(() -> {
                try {
                    return out.readLine();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            lines.add(next.get(20, TimeUnit.SECONDS));
            assertThat(lines.get(0)).startsWith("NAME");
            assertThat(lines.get(1)).startsWith("before ");
            assertThat(lines.get(2)).as("the next line after the list: the new namespace, not a replay").startsWith("after ");
        } finally {
            watch.destroyForcibly().waitFor();
        }
    }

    @Test
    void logsAndExecReachThePodsProcesses(@TempDir Path dir) throws Exception {
        Path kubeconfig = api.writeKubeconfig(dir.resolve("kubeconfig"));
        Path log = Files.writeString(dir.resolve("c.log"), "one\ntwo\nlistening\n");
        api.servePods(new PodProcesses() {
            @Override
            public Optional<Path> log(String namespace, String pod, String container) {
                return pod.equals("p") ? Optional.of(log) : Optional.empty();
            }

            @Override
            public Optional<Path> netns(String namespace, String pod) {
                // this process's own network namespace stands for the pod's
                return pod.equals("p") ? Optional.of(Path.of("/proc/" + ProcessHandle.current().pid() + "/ns/net"))
                        : Optional.empty();
            }
        });
        client.pods().inNamespace("default").resource(new PodBuilder().withNewMetadata().withName("p").endMetadata()
                .withNewSpec().addNewContainer().withName("c").endContainer().endSpec().build()).create();
        assertThat(kubectl(kubeconfig, "logs", "p")).isEqualTo("one\ntwo\nlistening\n");
        assertThat(kubectl(kubeconfig, "logs", "p", "--tail=1")).isEqualTo("listening\n");
        assertThat(kubectl(kubeconfig, "exec", "p", "--", "echo", "a b", "$HOME")).isEqualTo("a b $HOME\n");
        Kubectl cat = runWithInput(kubeconfig, "stdin\n", "exec", "-i", "p", "--", "cat");
        assertThat(cat.out).isEqualTo("stdin\n");
        Kubectl exit = run(kubeconfig, "exec", "p", "--", "sh", "-c", "exit 3");
        assertThat(exit.exit).isEqualTo(3);
        Kubectl absent = run(kubeconfig, "exec", "nopod", "--", "ls");
        assertThat(absent.exit).isNotZero();
        client.pods().inNamespace("default").resource(new PodBuilder().withNewMetadata().withName("idle").endMetadata()
                .withNewSpec().addNewContainer().withName("c").endContainer().endSpec().build()).create();
        Kubectl noLog = run(kubeconfig, "logs", "idle");
        assertThat(noLog.out).contains("not running on a sandbox node");
    }

    /** A finished kubectl command. */
    private record Kubectl(int exit, String out) {
    }

    private static Kubectl run(Path kubeconfig, String... args) throws Exception {
        return runWithInput(kubeconfig, null, args);
    }

    private static Kubectl runWithInput(Path kubeconfig, String stdin, String... args) throws Exception {
        assertThat(Files.isExecutable(Path.of("/usr/bin/kubectl"))).as("/usr/bin/kubectl is needed by this test").isTrue();
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/kubectl", "--kubeconfig", kubeconfig.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try (var in = p.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        }
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        boolean ended = p.waitFor(30, TimeUnit.SECONDS);
        if (!ended) {
            p.destroyForcibly();
        }
        assertThat(ended).as("kubectl %s ended within 30 s", String.join(" ", args)).isTrue();
        return new Kubectl(p.exitValue(), out.get(5, TimeUnit.SECONDS));
    }

    private static String kubectl(Path kubeconfig, String... args) throws Exception {
        Kubectl r = run(kubeconfig, args);
        assertThat(r.exit).as("kubectl %s: %s", String.join(" ", args), r.out).isZero();
        return r.out;
    }
}
