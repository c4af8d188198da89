package io.kovn.controller;

import static org.assertj.core.api.Assertions.assertThat;

import io.kovn.ovn.annotations.PodNetwork;
import io.kovn.ovn.net.Ipv4Cidr;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** kovn's annotation held as numbers reads as the text it was, and only a text they write out exactly is held so. */
class NetworkAnnotationsTest {
    private static final Ipv4Cidr SUBNET = Ipv4Cidr.parse("10.128.3.0/24");

    @Test
    void kovnsValueReadsAsItsTextAndTheMapEqualsThePods() {
        String json = PodNetwork.of(SUBNET, SUBNET.address(17)).toJson();
        Map<String, String> pods = Map.of(PodNetwork.ANNOTATION, json, "example.com/other", "x");
        Map<String, String> held = NetworkAnnotations.of(pods);
        assertThat(held).isNotNull().isEqualTo(pods).hasSameHashCodeAs(pods);
        assertThat(pods).isEqualTo(held);
        assertThat(held.get(PodNetwork.ANNOTATION)).isEqualTo(json);
        assertThat(held.get("example.com/other")).isEqualTo("x");
        assertThat(held.get("nope")).isNull();
        assertThat(held).containsOnlyKeys(PodNetwork.ANNOTATION, "example.com/other");
        assertThat(NetworkAnnotations.of(Map.of(PodNetwork.ANNOTATION, json))).containsExactly(
                Map.entry(PodNetwork.ANNOTATION, json));
    }

    @Test
    void aValueTheNumbersDoNotWriteOutExactlyIsNotHeldSo() {
        String json = PodNetwork.of(SUBNET, SUBNET.address(17)).toJson();
        assertThat(NetworkAnnotations.of(Map.of(PodNetwork.ANNOTATION, json.replace("{\"default\"", "{ \"default\""))))
                .isNull();
        assertThat(NetworkAnnotations.of(Map.of(PodNetwork.ANNOTATION, "not json"))).isNull();
        assertThat(NetworkAnnotations.of(Map.of(PodNetwork.ANNOTATION, json.replace(",\"gateway_ip\":\"10.128.3.1\"", ""))))
                .isNull();
        assertThat(NetworkAnnotations.of(Map.of("example.com/other", "x"))).isNull();
    }
}
