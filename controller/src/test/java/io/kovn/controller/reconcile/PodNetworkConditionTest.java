package io.kovn.controller.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.kovn.controller.ClusterApi;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The JSON patch of the kovn.io/NetworkReady condition touches that condition only, and only when it changes. */
class PodNetworkConditionTest {

    private static Pod pod(String... conditions) {
        PodBuilder b = new PodBuilder().withNewMetadata().withNamespace("x").withName("a").withResourceVersion("7").endMetadata().withNewStatus()
                .endStatus();
        for (int i = 0; i < conditions.length; i += 3) {
            b.editStatus().addNewCondition().withType(conditions[i]).withStatus(conditions[i + 1])
                    .withReason(conditions[i + 2]).endCondition().endStatus();
        }
        return b.build();
    }

    @Test
    void appendsBesideTheKubeletsConditions() {
        assertThat(PodNetworkCondition.patch(pod("Ready", "True", ""), false, "NodeHasNoSubnet", "waiting"))
                .hasValueSatisfying(p -> assertThat(p).startsWith("[{\"op\":\"add\",\"path\":\"/status/conditions/-\"")
                        .contains("\"type\":\"kovn.io/NetworkReady\"").contains("\"status\":\"False\"")
                        .contains("\"reason\":\"NodeHasNoSubnet\"").doesNotContain("Ready\",\"status\":\"True"));
    }

    @Test
    void replacesItsOwnConditionAtItsIndexBehindATest() {
        assertThat(PodNetworkCondition.patch(pod("Ready", "True", "", "kovn.io/NetworkReady", "False", "NodeHasNoSubnet"),
                true, "PortCommitted", "committed"))
                .hasValueSatisfying(p -> assertThat(p)
                        .startsWith("[{\"op\":\"test\",\"path\":\"/status/conditions/1/type\",\"value\":\"kovn.io/NetworkReady\"},"
                                + "{\"op\":\"replace\",\"path\":\"/status/conditions/1\"")
                        .contains("\"status\":\"True\""));
    }

    @Test
    void writesNothingWhenStatusAndReasonAreAlreadyThere() {
        assertThat(PodNetworkCondition.patch(pod("kovn.io/NetworkReady", "True", "PortCommitted"), true, "PortCommitted",
                "another message")).isEmpty();
    }

    @Test
    void createsTheListWhenThePodHasNoConditionsOnlyIfNobodyWroteSince() {
        assertThat(PodNetworkCondition.patch(pod(), true, "PortCommitted", "m"))
                .hasValueSatisfying(p -> assertThat(p).startsWith("[{\"op\":\"test\",\"path\":\"/metadata/resourceVersion\","
                        + "\"value\":\"7\"},{\"op\":\"add\",\"path\":\"/status/conditions\",\"value\":[{"));
    }

    @Test
    void aPatchRefusedBecauseThePodChangedIsComputedOnceMoreFromThePodAsItIsNow() {
        Pod read = pod();
        Pod now = new PodBuilder(pod("Ready", "True", "")).editMetadata().withResourceVersion("8").endMetadata().build();
        List<String> sent = new ArrayList<>();
        ClusterApi api = new ClusterApi() {
            @Override
            public <T extends HasMetadata> SharedIndexInformer<T> informer(Class<T> type, long resyncMillis) {
                throw new UnsupportedOperationException();
            }

            @Override
            public Pod pod(String namespace, String name) {
                return now;
            }

            @Override
            public Pod annotatePod(String namespace, String name, Map<String, String> annotations) {
                throw new UnsupportedOperationException();
            }

            @Override
            public Node annotateNode(String name, Map<String, String> annotations) {
                throw new UnsupportedOperationException();
            }

            @Override
            public void patchPodStatus(String namespace, String name, String jsonPatch) {
                sent.add(jsonPatch);
                if (sent.size() == 1) {
                    throw new KubernetesClientException("test failed: /metadata/resourceVersion");
                }
            }

            @Override
            public void createEvent(Event event) {
            }
        };
        PodNetworkCondition.set(api, read, true, "PortCommitted", "m");
        assertThat(sent).hasSize(2);
        assertThat(sent.get(0)).contains("\"value\":\"7\"");
        assertThat(sent.get(1)).startsWith("[{\"op\":\"add\",\"path\":\"/status/conditions/-\"");
    }
}
