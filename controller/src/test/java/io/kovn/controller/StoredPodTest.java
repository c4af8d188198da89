package io.kovn.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.kovn.controller.reconcile.PodEvents;
import io.kovn.controller.reconcile.PodNetworkCondition;
import io.kovn.ovn.annotations.PodNetwork;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The pods informer's copy ({@link StoredPod}) of a pod as a real API server sends it (managed fields, the
 * last-applied annotation, containers with environment, resources and mounts, volumes, container statuses): what
 * the controller reads is equal on the copy, what it never reads is gone.
 */
class StoredPodTest {

    /** A Deployment's pod as kube-apiserver 1.30 serves it, after kubectl apply and a start by the kubelet. */
    static Pod fatPod() {
        try (InputStream in = StoredPodTest.class.getResourceAsStream("/fat-pod.json")) {
            return Serialization.unmarshal(new String(in.readAllBytes(), StandardCharsets.UTF_8), Pod.class);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void theCopyReadsAsThePodAndDropsWhatTheControllerNeverReads() {
        Pod fat = fatPod();
        Pod stored = StoredPod.of(fat);
        assertThat(PodEvents.reads(stored)).isEqualTo(PodEvents.reads(fat));
        assertThat(stored.getMetadata().getResourceVersion()).isEqualTo(fat.getMetadata().getResourceVersion());
        assertThat(stored.getMetadata().getCreationTimestamp()).isEqualTo(fat.getMetadata().getCreationTimestamp());
        assertThat(stored.getMetadata().getAnnotations()).containsKey(PodNetwork.ANNOTATION)
                .doesNotContainKey(StoredPod.LAST_APPLIED);
        // a condition patch names kovn's condition's index among the types
        assertThat(stored.getStatus().getConditions()).extracting(PodCondition::getType)
                .isEqualTo(fat.getStatus().getConditions().stream().map(PodCondition::getType).toList());
        PodCondition own = fat.getStatus().getConditions().get(0);
        assertThat(own.getType()).isEqualTo(PodNetworkCondition.TYPE);
        assertThat(stored.getStatus().getConditions().get(0)).extracting(PodCondition::getStatus, PodCondition::getReason)
                .containsExactly(own.getStatus(), own.getReason());
        assertThat(stored.getStatus().getConditions().get(0).getMessage()).isNull();

        assertThat(stored.getStatus().getPodIP()).isEqualTo(fat.getStatus().getPodIP());
        assertThat(stored.getKind()).isEqualTo("Pod");
        assertThat(stored.getMetadata().getManagedFields()).isNull();
        assertThat(stored.getSpec().getVolumes()).isNull();
        assertThat(stored.getSpec().getContainers().get(0).getEnv()).isNull();
        assertThat(stored.getSpec().getContainers().get(0).getPorts()).isEqualTo(fat.getSpec().getContainers().get(0).getPorts());
        assertThat(stored.getStatus().getContainerStatuses()).isNull();
        // it still serializes (Events and logs name it) and is a fraction of the pod
        String json = Serialization.asJson(stored);
        assertThat(json.length()).isLessThan(Serialization.asJson(fat).length() / 4);
        assertThat(Serialization.unmarshal(json, Pod.class).getMetadata().getUid()).isEqualTo(fat.getMetadata().getUid());
    }

    @Test
    void likePodsShareTheirLabelsSpecAndConditionsAndAnnotationsAreCompact() {
        Pod fat = fatPod();
        Pod sibling = new PodBuilder(fat).editMetadata().withName("sibling").withUid("another-uid").endMetadata().build();
        Pod elsewhere = new PodBuilder(fat).editSpec().withNodeName("another-node").endSpec().build();
        Pod a = StoredPod.of(fat);
        Pod b = StoredPod.of(sibling);
        Pod c = StoredPod.of(elsewhere);
        assertThat(b.getMetadata().getLabels()).isSameAs(a.getMetadata().getLabels()).isEqualTo(fat.getMetadata().getLabels());
        assertThat(b.getSpec()).isSameAs(a.getSpec());
        assertThat(b.getStatus().getConditions()).isSameAs(a.getStatus().getConditions());
        assertThat(c.getSpec()).isNotSameAs(a.getSpec());
        assertThat(c.getSpec().getNodeName()).isEqualTo("another-node");
        assertThat(c.getSpec().getContainers()).isEqualTo(a.getSpec().getContainers());
        assertThat(PodEvents.reads(b)).isEqualTo(PodEvents.reads(sibling));
        assertThat(PodEvents.reads(c)).isEqualTo(PodEvents.reads(elsewhere));
        Map<String, String> annotations = new LinkedHashMap<>(fat.getMetadata().getAnnotations());
        annotations.remove(StoredPod.LAST_APPLIED);
        assertThat(a.getMetadata().getAnnotations()).isEqualTo(annotations).isInstanceOf(NetworkAnnotations.class);
        assertThatThrownBy(() -> a.getMetadata().getLabels().put("x", "y")).as("shared: read-only")
                .isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void whatTheControllerReadsChangesTheReadsOfTheCopyAlike() {
        Pod fat = fatPod();
        Pod relabelled = new PodBuilder(fat).editMetadata().addToLabels("tier", "gold").endMetadata().build();
        assertThat(PodEvents.reads(StoredPod.of(relabelled))).isEqualTo(PodEvents.reads(relabelled))
                .isNotEqualTo(PodEvents.reads(StoredPod.of(fat)));
        Pod finished = new PodBuilder(fat).editStatus().withPhase("Succeeded").endStatus().build();
        assertThat(PodEvents.reads(StoredPod.of(finished))).isEqualTo(PodEvents.reads(finished))
                .isNotEqualTo(PodEvents.reads(StoredPod.of(fat)));
        Pod kubeletOnly = new PodBuilder(fat).editStatus().editFirstContainerStatus().withRestartCount(3)
                .endContainerStatus().endStatus().editMetadata().withResourceVersion("999").endMetadata().build();
        assertThat(PodEvents.reads(StoredPod.of(kubeletOnly))).isEqualTo(PodEvents.reads(fat));
    }
}
