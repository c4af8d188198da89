package io.kovn.sandbox;

import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kovn.sandbox.standins.RuntimePod;
import io.kovn.testing.Exec;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Proves a new sandbox's pod network before it is called ready: a pod on the first node pings one on the second
 * (on the same node when there is one node), then both go.
 */
final class NetworkCheck {
    private static final String NS = "kovn-sandbox-check";

    private NetworkCheck() {
    }

    /** Returns the line to show; throws if no reply came. */
    static String run(Sandbox sandbox) {
        KubernetesClient client = sandbox.client();
        List<String> names = sandbox.nodeNames();
        String nodeA = names.get(0);
        String nodeB = names.get(Math.min(1, names.size() - 1));
        sandbox.ensureNamespace(NS);
        long start = System.nanoTime();
        try {
            for (String[] p : List.of(new String[] {"check-a", nodeA}, new String[] {"check-b", nodeB})) {
                client.pods().inNamespace(NS).resource(new PodBuilder().withNewMetadata().withName(p[0])
                        .withNamespace(NS).endMetadata().withNewSpec().withNodeName(p[1]).addNewContainer()
                        .withName("pause").endContainer().endSpec().build()).create();
            }
            RuntimePod a = sandbox.awaitPodIp(NS, "check-a", Duration.ofSeconds(90));
            RuntimePod b = sandbox.awaitPodIp(NS, "check-b", Duration.ofSeconds(90));
            double readyS = (System.nanoTime() - start) / 1e9;
            String rtt = null;
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (rtt == null && System.nanoTime() < deadline) {
                Exec.Result r = Exec.run(List.of("nsenter", "--net=" + a.netnsPath(), "ping", "-c1", "-W1", b.ip()),
                        Map.of(), null, Duration.ofSeconds(5));
                if (r.ok()) {
                    rtt = r.stdout().replaceAll("(?s).*time=([0-9.]+ ms).*", "$1");
                }
            }
            if (rtt == null) {
                throw new IllegalStateException("the network check failed: " + a.ip() + " (" + nodeA + ") cannot ping "
                        + b.ip() + " (" + nodeB + ")");
            }
            return String.format("pod network works: check-a %s (%s) -> check-b %s (%s) ping %s; pods ready %.1f s "
                    + "after creation", a.ip(), nodeA, b.ip(), nodeB, rtt, readyS);
        } finally {
            client.pods().inNamespace(NS).delete();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (sandbox.runtimePods().stream().anyMatch(p -> p.namespace().equals(NS)) && System.nanoTime() < deadline) {
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            client.namespaces().withName(NS).delete();
        }
    }
}
