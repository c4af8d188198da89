package io.kovn.node.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kovn.node.kube.AgentKubernetesClient;
import io.kovn.node.kube.AgentPod;
import io.kovn.node.kube.PodWatcher;
import io.kovn.testing.k8s.MockApiServer;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The agent's pods as it reads them against the mock API: only its node's pods (spec.nodeName), as {@link AgentPod}s
 * with the metadata and conditions it reads and without their managed fields; the ovn-installed condition written
 * from such a pod lands in the pod's status beside the conditions it had.
 */
class PodInstalledConditionTest {
    private static Pod pod(String name, String node) {
        return new PodBuilder().withNewMetadata().withNamespace("ns").withName(name)
                .addToAnnotations("k8s.ovn.org/pod-networks", "{}")
                .withManagedFields(new ManagedFieldsEntryBuilder().withManager("kubelet").withOperation("Update")
                        .build())
                .endMetadata().withNewSpec().withNodeName(node).addNewContainer().withName("c").withImage("busybox")
                .endContainer().endSpec().withNewStatus().addNewCondition().withType("Ready").withStatus("False")
                .endCondition().endStatus().build();
    }

    @Test
    void theAgentSeesItsNodesPodsSlimAndMarksThemInstalled() throws Exception {
        try (MockApiServer api = new MockApiServer();
             KubernetesClient agent = AgentKubernetesClient.build(api.client().getConfiguration(),
                     AgentKubernetesClient.serialization())) {
            api.client().pods().inNamespace("ns").resource(pod("mine", "n1")).create();
            api.client().pods().inNamespace("ns").resource(pod("theirs", "n2")).create();
            try (PodWatcher pods = new PodWatcher(agent, "n1")) {
                AgentPod mine = pods.await("ns", "mine", null, p -> true).get(10, TimeUnit.SECONDS);
                assertThat(pods.get("ns", "theirs")).isEmpty();
                assertThat(mine.getMetadata().getAnnotations()).containsEntry("k8s.ovn.org/pod-networks", "{}");
                assertThat(mine.getMetadata().getManagedFields()).isNull();
                assertThat(mine.getStatus().getConditions()).extracting(PodCondition::getType).containsExactly("Ready");
                assertThat(PodInstalledCondition.shown(mine)).isFalse();

                PodInstalledCondition.write(agent, mine, "installed (node n1)", Instant.parse("2026-01-01T00:00:00Z"));

                Pod written = api.client().pods().inNamespace("ns").withName("mine").get();
                assertThat(written.getStatus().getConditions()).extracting(PodCondition::getType)
                        .containsExactly("Ready", PodInstalledCondition.TYPE);
                AgentPod seen = pods.await("ns", "mine", null, PodInstalledCondition::shown).get(10, TimeUnit.SECONDS);
                assertThat(seen.getStatus().getConditions()).hasSize(2);
                assertThat(pods.get("ns", "theirs")).isEmpty();
            }
        }
    }
}
