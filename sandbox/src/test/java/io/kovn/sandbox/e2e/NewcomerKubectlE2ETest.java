package io.kovn.sandbox.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.kovn.sandbox.Sandbox;
import io.kovn.sandbox.demo.Probe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * What a newcomer types in their first minutes, with plain kubectl and its defaults (validation on, client-side
 * apply, WebSocket exec): a namespace, a Deployment of 3, the Service in front of it (ClusterIP and NodePort),
 * a NetworkPolicy, logs, exec into a client pod to reach the service, scaling to 5 and back to 1, deleting it
 * all. It asserts what they would look at: pods Running with addresses, endpoints, and traffic.
 */
@Tag("integration")
@Tag("e2e")
@ResourceLock("kovn-sandbox")
@ExtendWith(SharedSandbox.class)
class NewcomerKubectlE2ETest {
    private static final String NS = "tutorial";
    private static final Duration ROLLOUT = Duration.ofSeconds(90);

    @AfterAll
    static void cleanUp() {
        KubernetesClient c = SharedSandbox.sandbox().client();
        // the way the controllers cascade: the deployment, then its ReplicaSets go, then their pods
        c.apps().deployments().inNamespace(NS).delete();
        Pods.await("the tutorial's ReplicaSets gone", Duration.ofSeconds(30),
                () -> c.apps().replicaSets().inNamespace(NS).list().getItems().isEmpty());
        c.services().inNamespace(NS).delete();
        c.network().networkPolicies().inNamespace(NS).delete();
        c.pods().inNamespace(NS).delete();
        Pods.await("the tutorial's pods gone", Duration.ofSeconds(60), () -> c.pods().inNamespace(NS).list().getItems().isEmpty());
        c.namespaces().withName(NS).delete();
    }

    @Test
    void aTutorialWorksWithPlainKubectl(@TempDir Path dir) throws Exception {
        Sandbox s = SharedSandbox.sandbox();
        Kubectl k = new Kubectl(s.stateDir().resolve("kubeconfig"));

        assertThat(k.ok("create", "namespace", NS)).contains("namespace/" + NS + " created");
        assertThat(k.ok("-n", NS, "create", "deployment", "web", "--image=kovn/echo", "--replicas=3", "--port=8080"))
                .contains("deployment.apps/web created");
        k.ok(ROLLOUT, null, "-n", NS, "rollout", "status", "deployment/web", "--timeout=" + ROLLOUT.toSeconds() + "s");
        List<String[]> pods = runningPods(k, 3);
        assertThat(k.ok("-n", NS, "get", "deployment", "web")).containsPattern("web\\s+3/3\\s+3\\s+3");

        assertThat(k.ok("-n", NS, "expose", "deployment", "web", "--port=80", "--target-port=8080"))
                .contains("service/web exposed");
        assertThat(k.ok("-n", NS, "expose", "deployment", "web", "--name=web-nodeport", "--type=NodePort",
                "--port=80", "--target-port=8080")).contains("service/web-nodeport exposed");
        String vip = awaitValue(k, "service/web", "{.spec.clusterIP}");
        int nodePort = Integer.parseInt(awaitValue(k, "service/web-nodeport", "{.spec.ports[0].nodePort}"));
        Pods.await("the service's endpoints are the 3 pods", Duration.ofSeconds(30), () -> Arrays.stream(
                k.ok("-n", NS, "get", "endpointslices", "-l", "kubernetes.io/service-name=web", "-o",
                        "jsonpath={.items[*].endpoints[*].addresses[*]}").trim().split("\\s+")).sorted().toList()
                .equals(pods.stream().map(p -> p[2]).sorted().toList()));

        assertThat(k.ok("-n", NS, "logs", "deployment/web")).contains("listening");

        k.ok("-n", NS, "run", "client", "--image=busybox", "--restart=Never", "--command", "--", "sleep", "600");
        k.ok(Duration.ofSeconds(70), null, "-n", NS, "wait", "--for=condition=Ready", "pod/client", "--timeout=60s");
        assertThat(whoami(k, vip)).as("exec: the service answers from one of its pods").startsWith(NS + "/web-");
        Path external = s.external().path();
        for (String node : s.nodeNames()) {
            Probe.Result r = Probe.until(() -> Probe.tcp(external, s.nodeGatewayIp(node), nodePort), Duration.ofSeconds(30));
            assertThat(r.ok()).as("outside -> NodePort %d on %s: %s", nodePort, node, r).isTrue();
        }

        Path policy = Files.writeString(dir.resolve("policy.yaml"), """
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata:
                  name: web-from-frontend
                spec:
                  podSelector:
                    matchLabels: {app: web}
                  ingress:
                  - from:
                    - podSelector:
                        matchLabels: {role: frontend}
                """);
        assertThat(k.ok("-n", NS, "apply", "-f", policy.toString())).contains("created");
        Pods.await("the policy keeps the unlabelled client out", Duration.ofSeconds(30), () -> whoami(k, vip).isEmpty());
        assertThat(k.ok("-n", NS, "label", "pod", "client", "role=frontend")).contains("labeled");
        Pods.await("the labelled client gets in", Duration.ofSeconds(30), () -> whoami(k, vip).startsWith(NS + "/web-"));
        // apply again on the existing object (a strategic merge patch): now from role=backend, not the client
        Files.writeString(policy, Files.readString(policy).replace("{role: frontend}", "{role: backend}"));
        assertThat(k.ok("-n", NS, "apply", "-f", policy.toString())).contains("configured");
        assertThat(k.ok("-n", NS, "get", "networkpolicy", "web-from-frontend", "-o", "jsonpath={.spec.ingress}"))
                .contains("backend").doesNotContain("frontend");
        Pods.await("the client is kept out again", Duration.ofSeconds(30), () -> whoami(k, vip).isEmpty());

        assertThat(k.ok("-n", NS, "scale", "deployment", "web", "--replicas=5")).contains("scaled");
        k.ok(ROLLOUT, null, "-n", NS, "rollout", "status", "deployment/web", "--timeout=" + ROLLOUT.toSeconds() + "s");
        runningPods(k, 5);
        assertThat(k.ok("-n", NS, "scale", "deployment", "web", "--replicas=1")).contains("scaled");
        Pods.await("one web pod left", Duration.ofSeconds(60), () -> k.ok("-n", NS, "get", "pods", "-l", "app=web",
                "-o", "name").trim().lines().count() == 1);
        assertThat(k.ok("-n", NS, "describe", "deployment", "web")).contains("1 desired");
        k.ok("-n", NS, "get", "events");

        assertThat(k.ok("-n", NS, "delete", "deployment", "web")).contains("deleted");
        assertThat(k.ok("-n", NS, "delete", "service", "web", "web-nodeport")).contains("deleted");
        assertThat(k.ok("-n", NS, "delete", "networkpolicy", "web-from-frontend")).contains("deleted");
        assertThat(k.ok(Duration.ofSeconds(60), null, "-n", NS, "delete", "pod", "client")).contains("deleted");
        Pods.await("no pods left", Duration.ofSeconds(60), () -> k.ok("-n", NS, "get", "pods", "-o", "name").isBlank());
        assertThat(k.ok("delete", "namespace", NS)).contains("deleted");
    }

    /** The pods of the deployment once {@code n} run, each as name, phase, IP. */
    private static List<String[]> runningPods(Kubectl k, int n) {
        Pods.await(n + " web pods Running with an IP", ROLLOUT, () -> {
            List<String[]> rows = k.ok("-n", NS, "get", "pods", "-l", "app=web", "-o",
                    "jsonpath={range .items[*]}{.metadata.name} {.status.phase} {.status.podIP}{\"\\n\"}{end}").lines()
                    .map(l -> l.trim().split(" ")).filter(r -> r.length == 3 && r[1].equals("Running")).toList();
            return rows.size() == n;
        });
        return k.ok("-n", NS, "get", "pods", "-l", "app=web", "-o",
                "jsonpath={range .items[*]}{.metadata.name} {.status.phase} {.status.podIP}{\"\\n\"}{end}").lines()
                .map(l -> l.trim().split(" ")).toList();
    }

    private static String awaitValue(Kubectl k, String object, String jsonPath) {
        String[] v = new String[1];
        Pods.await(object + " " + jsonPath, Duration.ofSeconds(30), () -> {
            v[0] = k.ok("-n", NS, "get", object, "-o", "jsonpath=" + jsonPath).trim();
            return !v[0].isEmpty() && !v[0].equals("0");
        });
        return v[0];
    }

    /** What the service answers the client pod's {@code whoami} (kubectl exec, stdin through the WebSocket). */
    private static String whoami(Kubectl k, String vip) {
        return k.run(Duration.ofSeconds(20), "whoami\n", "-n", NS, "exec", "-i", "client", "--", "nc", "-N", "-w", "3",
                vip, "80").output().lines().filter(l -> l.startsWith(NS + "/")).findFirst().orElse("");
    }
}
