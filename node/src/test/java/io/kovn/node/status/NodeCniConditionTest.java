package io.kovn.node.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kovn.node.kube.AgentKubernetesClient;
import io.kovn.node.kube.AgentNode;
import io.kovn.node.kube.NodeWatcher;
import io.kovn.testing.k8s.MockApiServer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The Node condition kovn.io/CNIReady says what the agent's CNI STATUS answers, and is written beside the kubelet's
 * conditions from the agent's slim read of its Node ({@link AgentNode}).
 */
class NodeCniConditionTest {

    @Test
    void theNodeConditionSaysWhatStatusAnswers() {
        assertThat(NodeCniCondition.State.of(List.of())).isEqualTo(new NodeCniCondition.State(true,
                NodeCniCondition.OK, "CNI STATUS: the kovn node agent can set up pods"));
        assertThat(NodeCniCondition.State.of(List.of("local OVSDB: not connected", "pods informer: not synced")))
                .isEqualTo(new NodeCniCondition.State(false, NodeCniCondition.FAILED, "CNI STATUS: the kovn node agent "
                        + "cannot set up pods now: local OVSDB: not connected; pods informer: not synced"));
    }

    @Test
    void theAgentReadsItsNodeSlimAndAddsItsCondition() {
        try (MockApiServer api = new MockApiServer();
             KubernetesClient agent = AgentKubernetesClient.build(api.client().getConfiguration(),
                     AgentKubernetesClient.serialization())) {
            api.client().nodes().resource(new NodeBuilder().withNewMetadata().withName("n1").endMetadata()
                    .withNewSpec().withPodCIDR("10.244.1.0/24").endSpec().withNewStatus()
                    .addNewAddress().withType("Hostname").withAddress("n1").endAddress()
                    .addNewAddress().withType("InternalIP").withAddress("192.0.2.11").endAddress()
                    .addNewCondition().withType("Ready").withStatus("True").endCondition()
                    .addNewImage().withNames("busybox:latest").withSizeBytes(4_000_000L).endImage()
                    .endStatus().build()).create();
            AgentNode read = new NodeWatcher(agent, "n1").awaitNode(Duration.ofSeconds(10));
            assertThat(NodeWatcher.internalIp(read)).contains("192.0.2.11");

            NodeCniCondition.write(agent, "n1", NodeCniCondition.State.of(List.of()),
                    Instant.parse("2026-01-01T00:00:00Z"));

            Node written = api.client().nodes().withName("n1").get();
            assertThat(written.getStatus().getConditions()).extracting(NodeCondition::getType)
                    .containsExactly("Ready", NodeCniCondition.TYPE);
            assertThat(written.getStatus().getImages()).hasSize(1);
        }
    }
}
