package io.kovn.node.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.kovn.node.NodeMetrics;
import io.kovn.node.kube.AgentPod;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * What CNI ADD sees of the reporter with the API unreachable: each report returns at once, the queue stays bounded
 * (the excess is dropped and counted), and the creation-to-ovn-installed histogram is recorded anyway.
 */
class NodeStatusReporterTest {
    @Test
    void reportsNeverBlockAndTheQueueIsBounded() {
        NodeMetrics metrics = new NodeMetrics();
        try (KubernetesClient kube = new KubernetesClientBuilder().withConfig(new ConfigBuilder()
                .withMasterUrl("http://127.0.0.1:1").withRequestTimeout(1000).build()).build();
             NodeStatusReporter reporter = new NodeStatusReporter(kube, "node1", "chassis-1", null, metrics)) {
            Instant created = Instant.parse("2026-01-01T00:00:00Z");
            int n = NodeStatusReporter.QUEUE + 500;
            long start = System.nanoTime();
            for (int i = 0; i < n; i++) {
                AgentPod pod = new AgentPod(new ObjectMetaBuilder().withNamespace("ns").withName("p" + i)
                        .withUid("u" + i).withCreationTimestamp(created.toString()).build(), null);
                reporter.installed(pod, "veth" + i, created.plusMillis(1500));
            }
            long tookMs = (System.nanoTime() - start) / 1_000_000;
            assertThat(tookMs).as("%d reports with the API down", n).isLessThan(2000);
            String scrape = metrics.scrape();
            assertThat(scrape).contains("kovn_node_status_reports_dropped_total 500.0")
                    .contains("kovn_pod_created_to_ovn_installed_seconds_count " + n + "\n")
                    .contains("kovn_pod_created_to_ovn_installed_seconds_sum " + (1.5 * n));
        }
    }
}
