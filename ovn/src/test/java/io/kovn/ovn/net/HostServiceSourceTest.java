package io.kovn.ovn.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class HostServiceSourceTest {
    @Test
    void oneAddressPerNodeSubnetInTheLowHalfOfLinkLocal() {
        assertThat(HostServiceSource.of(Ipv4Cidr.parse("10.244.1.0/24"))).isEqualTo(HostServiceSource.of(Ipv4Cidr.parse("10.244.1.0/24")));
        Set<String> seen = new HashSet<>();
        Ipv4Cidr cluster = Ipv4Cidr.parse("10.244.0.0/16");
        for (int i = 0; i < 256; i++) {
            String a = HostServiceSource.of(Ipv4Cidr.parse("10.244." + i + ".0/24"));
            assertThat(seen.add(a)).as("unique for subnet %d", i).isTrue();
            int ip = Ipv4Cidr.parseAddress(a);
            assertThat(Ipv4Cidr.parse("169.254.0.0/17").contains(ip)).as(a).isTrue();
            assertThat(a).isNotEqualTo("169.254.0.0").doesNotStartWith("169.254.169.");
            assertThat(cluster.contains(ip)).isFalse();
        }
        for (int i = 0; i < 64; i++) {
            String a = HostServiceSource.of(Ipv4Cidr.parse("10.128." + (i * 4) + ".0/22"));
            assertThat(a).doesNotStartWith("169.254.169.").isNotEqualTo("169.254.0.0");
        }
    }
}
