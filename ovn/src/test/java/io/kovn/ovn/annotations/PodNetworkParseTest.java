package io.kovn.ovn.annotations;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kovn.ovn.net.Ipv4Cidr;
import java.util.Collections;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The annotation comes from whoever created the pod: only typed, well-formed values get through. */
class PodNetworkParseTest {
    private static final String GOOD_IP = "\"10.244.1.5/24\"";
    private static final String GOOD_MAC = "\"0a:58:0a:f4:01:05\"";
    private static final String GOOD_GW = "\"10.244.1.1\"";

    private static String annotation(String ips, String mac, String gws) {
        return "{\"default\":{\"ip_addresses\":[" + ips + "],\"mac_address\":" + mac + ",\"gateway_ips\":[" + gws + "]}}";
    }

    @Test
    void kovnsOwnAnnotationRoundTrips() {
        PodNetwork n = PodNetwork.parse(annotation(GOOD_IP, GOOD_MAC, GOOD_GW));
        assertThat(n).isEqualTo(PodNetwork.of(Ipv4Cidr.parse("10.244.1.0/24"), Ipv4Cidr.parseAddress("10.244.1.5")));
        assertThat(n.describe()).isEqualTo("10.244.1.5/24 0a:58:0a:f4:01:05 via 10.244.1.1");
        assertThat(PodNetwork.parse("{\"default\":{\"ip_address\":\"10.244.1.5/24\",\"mac_address\":\"0A:58:0A:F4:01:05\","
                + "\"gateway_ip\":\"10.244.1.1\"}}")).isEqualTo(n);
    }

    /** The injections seen in the review, in every field: a newline would start another ip -batch command. */
    @ParameterizedTest
    @ValueSource(strings = {
        "\"10.244.1.5/24\\nlink set dev lo down\"", "\"10.244.1.5/24\\n\"", "\"10.244.1.5\\n/24\"",
        "\" 10.244.1.5/24\"", "\"10.244.1.5/24 dev lo\"", "\"10.244.1.5/24\\u0000\""})
    void newlinesAndJunkInAnAddressAreRefused(String ip) {
        assertThatThrownBy(() -> PodNetwork.parse(annotation(ip, GOOD_MAC, GOOD_GW)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ip_addresses")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "\"0a:58:0a:f4:00:05\\nlink set dev lo down\\n#\"", "\"0a:58:0a:f4:00:05\\n\"", "\"0a:58:0a:f4:00:05 \"",
        "\"0a:58:0a:f4:00\"", "\"0a-58-0a-f4-00-05\"", "\"0a:58:0a:f4:00:5g\"", "\"\"", "5", "[\"0a:58:0a:f4:00:05\"]"})
    void newlinesAndJunkInTheMacAreRefused(String mac) {
        assertThatThrownBy(() -> PodNetwork.parse(annotation(GOOD_IP, mac, GOOD_GW)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("mac_address")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "\"10.244.1.1\\nlink add evil type veth\"", "\"10.244.1.1 dev lo\"", "\"10.244.1.1/24\"", "\"fe80::1\"",
        "\"gateway\"", "\"10.244.1.1\\nnetns exec x sh\""})
    void newlinesAndJunkInAGatewayAreRefused(String gw) {
        assertThatThrownBy(() -> PodNetwork.parse(annotation(GOOD_IP, GOOD_MAC, gw)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("gateway_ips")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "10.244.1.5/33", "10.244.1.5/-1", "10.244.1.5/+8", "10.244.1.5/024", "10.244.1.5/", "10.244.1.5",
        "10.244.1.5/24/8", "10.244.1.5/0x18", "10.244.1.5/２４"})
    void badPrefixesAreRefused(String ip) {
        assertThatThrownBy(() -> PodNetwork.parse(annotation("\"" + ip + "\"", GOOD_MAC, GOOD_GW)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ip_addresses");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "fd00::5/64", "::ffff:10.244.1.5/120", "256.1.1.1/24", "10.244.1/24", "10.244.1.5.6/24", "010.244.1.5/24",
        "0x0a.244.1.5/24", "+10.244.1.5/24", "localhost/24", "10.244.1.٥/24", "1e1.0.0.1/24"})
    void ipv6AndGarbageAddressesAreRefused(String ip) {
        assertThatThrownBy(() -> PodNetwork.parse(annotation("\"" + ip + "\"", GOOD_MAC, GOOD_GW)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is not an IPv4 address");
    }

    @Test
    void oversizedArraysAndValuesAreRefused() {
        String fiveIps = String.join(",", Collections.nCopies(5, GOOD_IP));
        assertThatThrownBy(() -> PodNetwork.parse(annotation(fiveIps, GOOD_MAC, GOOD_GW)))
                .hasMessageContaining("ip_addresses is not an array of at most 4");
        String fiveGws = String.join(",", Collections.nCopies(5, GOOD_GW));
        assertThatThrownBy(() -> PodNetwork.parse(annotation(GOOD_IP, GOOD_MAC, fiveGws)))
                .hasMessageContaining("gateway_ips is not an array of at most 4");
        String huge = annotation(GOOD_IP, GOOD_MAC, GOOD_GW).replace("}}", ",\"x\":\"" + "a".repeat(5000) + "\"}}");
        assertThatThrownBy(() -> PodNetwork.parse(huge)).hasMessageContaining("more than 4096");
        String manyIps = annotation(String.join(",", Collections.nCopies(100_000, "1")), GOOD_MAC, GOOD_GW);
        assertThatThrownBy(() -> PodNetwork.parse(manyIps)).hasMessageContaining("more than 4096");
    }

    @Test
    void unknownKeysNetworksAndInconsistentLegacyFieldsAreRefused() {
        assertThatThrownBy(() -> PodNetwork.parse(annotation(GOOD_IP, GOOD_MAC, GOOD_GW).replace("}}",
                ",\"routes\":[{\"dest\":\"0.0.0.0/0\",\"nextHop\":\"1.2.3.4\"}]}}")))
                .hasMessageContaining("unknown key \"routes\"");
        assertThatThrownBy(() -> PodNetwork.parse(annotation(GOOD_IP, GOOD_MAC, GOOD_GW).replace("}}",
                "},\"other\\nnet\":{}}"))).hasMessageContaining("unknown network \"other\\nnet\"");
        assertThatThrownBy(() -> PodNetwork.parse(annotation(GOOD_IP, GOOD_MAC, GOOD_GW).replace("}}",
                ",\"ip_address\":\"10.244.1.6/24\"}}"))).hasMessageContaining("is not the first of ip_addresses");
        assertThatThrownBy(() -> PodNetwork.parse(annotation(GOOD_IP, GOOD_MAC, GOOD_GW).replace("}}",
                ",\"gateway_ip\":\"10.244.1.9\"}}"))).hasMessageContaining("is not the first of gateway_ips");
        assertThatThrownBy(() -> PodNetwork.parse("[]")).hasMessageContaining("no \"default\" network");
        assertThatThrownBy(() -> PodNetwork.parse("{\"default\":{\"mac_address\":" + GOOD_MAC + "}}"))
                .hasMessageContaining("lacks ip_addresses");
    }
}
