package io.kovn.controller.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.kovn.controller.alloc.AddressPool;
import io.kovn.ovn.annotations.PodNetwork;
import io.kovn.ovn.net.Ipv4Cidr;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The echo of the controller's own annotation and condition writes does not reconcile the pod again; anyone
 * else's value in them does.
 */
class PodEventsTest {
    private static final Ipv4Cidr SUBNET = Ipv4Cidr.parse("10.128.3.0/24");
    private static final int IP = Ipv4Cidr.parseAddress("10.128.3.7");

    private static Map<String, AddressPool> pools() {
        AddressPool pool = new AddressPool(SUBNET);
        assertThat(pool.claim("uid-a", IP)).isTrue();
        return Map.of("node-3", pool);
    }

    private static Pod pod(String annotation, String conditionStatus, String conditionReason) {
        PodBuilder b = new PodBuilder().withNewMetadata().withNamespace("x").withName("a").withUid("uid-a").endMetadata()
                .withNewSpec().withNodeName("node-3").endSpec().withNewStatus().withPhase("Running").endStatus();
        if (annotation != null) {
            b.editMetadata().addToAnnotations(PodNetwork.ANNOTATION, annotation).endMetadata();
        }
        if (conditionStatus != null) {
            b.editStatus().addNewCondition().withType(PodNetworkCondition.TYPE).withStatus(conditionStatus)
                    .withReason(conditionReason).endCondition().endStatus();
        }
        return b.build();
    }

    private static String ours() {
        return PodNetwork.of(SUBNET, IP).toJson();
    }

    @Test
    void theControllersAnnotationAndThenItsReadyConditionAreEchoes() {
        Pod fresh = pod(null, null, null);
        Pod annotated = pod(ours(), null, null);
        Pod ready = pod(ours(), "True", PodNetworkCondition.READY);
        assertThat(PodEvents.podChanged(fresh, annotated)).isTrue();
        assertThat(PodEvents.ownWrite(pools(), fresh, annotated)).isTrue();
        assertThat(PodEvents.ownWrite(pools(), annotated, ready)).isTrue();
    }

    @Test
    void anotherAnnotationARemovalOrAnotherConditionIsReconciled() {
        Pod ready = pod(ours(), "True", PodNetworkCondition.READY);
        String foreign = PodNetwork.of(SUBNET, Ipv4Cidr.parseAddress("10.128.3.9")).toJson();
        assertThat(PodEvents.ownWrite(pools(), ready, pod(foreign, "True", PodNetworkCondition.READY))).isFalse();
        assertThat(PodEvents.ownWrite(pools(), ready, pod(null, "True", PodNetworkCondition.READY))).isFalse();
        assertThat(PodEvents.ownWrite(pools(), ready, pod(ours(), "False", PodNetworkCondition.NB_FAILED))).isFalse();
        assertThat(PodEvents.ownWrite(pools(), ready, pod(ours(), null, null))).isFalse();
    }

    @Test
    void anAnnotationForAnAddressTheControllerDoesNotHoldIsReconciled() {
        assertThat(PodEvents.ownWrite(Map.of(), pod(null, null, null), pod(ours(), null, null))).isFalse();
    }
}
