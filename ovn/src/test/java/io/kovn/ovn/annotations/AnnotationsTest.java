package io.kovn.ovn.annotations;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kovn.ovn.net.Ipv4Cidr;
import java.util.List;
import org.junit.jupiter.api.Test;

class AnnotationsTest {
    @Test
    void podNetworkUsesTheOvnKubernetesFormat() {
        PodNetwork p = PodNetwork.of(Ipv4Cidr.parse("10.244.1.0/24"), Ipv4Cidr.parseAddress("10.244.1.5"));
        assertThat(p.toJson()).isEqualTo("{\"default\":{\"ip_addresses\":[\"10.244.1.5/24\"],\"mac_address\":"
                + "\"0a:58:0a:f4:01:05\",\"gateway_ips\":[\"10.244.1.1\"],\"ip_address\":\"10.244.1.5/24\","
                + "\"gateway_ip\":\"10.244.1.1\"}}");
        assertThat(PodNetwork.parse(p.toJson())).isEqualTo(p);
        assertThat(p.ip()).isEqualTo("10.244.1.5");
        assertThat(p.prefixLength()).isEqualTo(24);
        assertThatThrownBy(() -> PodNetwork.parse("{\"default\":{}}")).hasMessageContaining("lacks ip_addresses");
        assertThatThrownBy(() -> PodNetwork.parse("nope")).hasMessageContaining("is not JSON");
    }

    @Test
    void nodeSubnetsReadBothForms() {
        NodeSubnets s = new NodeSubnets(List.of(Ipv4Cidr.parse("10.244.1.0/24")));
        assertThat(s.toJson()).isEqualTo("{\"default\":[\"10.244.1.0/24\"]}");
        assertThat(NodeSubnets.parse("{\"default\":\"10.244.1.0/24\"}")).isEqualTo(s);
        assertThat(NodeSubnets.parse(s.toJson()).first().gateway()).isEqualTo("10.244.1.1");
        assertThat(NodeSubnets.parse(s.toJson()).first().managementAddress()).isEqualTo("10.244.1.2");
    }

    @Test
    void cidrArithmetic() {
        Ipv4Cidr c = Ipv4Cidr.parse("10.244.1.7/24");
        assertThat(c.toString()).isEqualTo("10.244.1.0/24");
        assertThat(Ipv4Cidr.format(c.broadcast())).isEqualTo("10.244.1.255");
        assertThat(c.size()).isEqualTo(256);
        assertThat(Ipv4Cidr.parse("10.244.0.0/16").contains(c)).isTrue();
        assertThat(c.overlaps(Ipv4Cidr.parse("10.244.2.0/24"))).isFalse();
        assertThatThrownBy(() -> Ipv4Cidr.parse("10.244.1.0")).hasMessageContaining("not an IPv4 CIDR");
        assertThatThrownBy(() -> Ipv4Cidr.parse("10.244.1.300/24")).hasMessageContaining("not an IPv4 address");
    }
}
