package io.kovn.controller;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A store's copy of a model object is equal to it and shares the empty lists and maps fabric8 allocates. */
class ModelCopyTest {

    @Test
    void theCopyIsEqualAndItsEmptyCollectionsAreTheSharedOnes() {
        EndpointSlice slice = new EndpointSliceBuilder().withNewMetadata().withNamespace("ns").withName("svc-1")
                .withResourceVersion("7").addToLabels("kubernetes.io/service-name", "svc").endMetadata()
                .withAddressType("IPv4").addNewPort().withName("http").withProtocol("TCP").withPort(8080).endPort()
                .addNewEndpoint().withAddresses("10.128.0.5").withNodeName("node-1").withNewConditions().withReady(true)
                .endConditions().endEndpoint().build();
        String json = Serialization.asJson(slice);
        EndpointSlice copy = ModelCopy.of(slice);
        assertThat(copy).isEqualTo(slice).hasSameHashCodeAs(slice).isNotSameAs(slice);
        assertThat(Serialization.asJson(copy)).isEqualTo(json);
        assertThat(Serialization.asJson(slice)).as("the object is left as it was").isEqualTo(json);
        assertThat(copy.getMetadata()).isNotSameAs(slice.getMetadata());
        assertThat(copy.getMetadata().getFinalizers()).isSameAs(List.of());
        assertThat(copy.getMetadata().getAdditionalProperties()).isSameAs(Map.of());
        assertThat(copy.getEndpoints().get(0).getAdditionalProperties()).isSameAs(Map.of());
        assertThat(copy.getMetadata().getLabels()).isSameAs(slice.getMetadata().getLabels());
        assertThat(copy.getEndpoints().get(0).getAddresses()).containsExactly("10.128.0.5");
    }

    @Test
    void nestedModelValuesAreCopiedToo() {
        Service svc = new ServiceBuilder().withNewMetadata().withNamespace("ns").withName("svc").endMetadata()
                .withNewSpec().withClusterIP("10.96.0.10").withSelector(Map.of("app", "web")).addNewPort()
                .withName("http").withProtocol("TCP").withPort(80).withTargetPort(new IntOrString("http")).endPort()
                .endSpec().build();
        Service copy = ModelCopy.of(svc);
        assertThat(copy).isEqualTo(svc);
        assertThat(copy.getSpec().getPorts().get(0).getTargetPort()).isEqualTo(new IntOrString("http"));
        assertThat(copy.getSpec().getExternalIPs()).isSameAs(List.of());
        assertThat(Serialization.asJson(copy)).isEqualTo(Serialization.asJson(svc));
    }
}
