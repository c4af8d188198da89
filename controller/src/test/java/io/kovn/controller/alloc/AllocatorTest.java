package io.kovn.controller.alloc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kovn.ovn.net.Ipv4Cidr;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AllocatorTest {
    @Test
    void nodeSubnetsAreCarvedOnceAndReleased() throws Exception {
        NodeSubnetAllocator a = new NodeSubnetAllocator(Ipv4Cidr.parse("10.244.0.0/23"), 24);
        assertThat(a.allocate("n1")).hasToString("10.244.0.0/24");
        assertThat(a.allocate("n1")).hasToString("10.244.0.0/24");
        assertThat(a.claim("n2", Ipv4Cidr.parse("10.244.0.0/24"))).as("taken by n1").isFalse();
        assertThat(a.claim("n2", Ipv4Cidr.parse("10.245.0.0/24"))).as("outside").isFalse();
        assertThat(a.allocate("n2")).hasToString("10.244.1.0/24");
        assertThatThrownBy(() -> a.allocate("n3")).isInstanceOf(ExhaustedException.class)
                .hasMessageContaining("10.244.0.0/23").hasMessageContaining("n3");
        a.release("n1");
        assertThat(a.allocate("n3")).hasToString("10.244.0.0/24");
    }

    @Test
    void podAddressesSkipReservedOnesAndAreNeverHandedOutTwice() throws Exception {
        AddressPool p = new AddressPool(Ipv4Cidr.parse("10.244.1.0/29"));
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 4; i++) {
            seen.add(Ipv4Cidr.format(p.allocate("uid" + i)));
        }
        // .0 network, .1 gateway, .2 management, .7 broadcast are never used
        assertThat(seen).containsExactlyInAnyOrder("10.244.1.3", "10.244.1.4", "10.244.1.5", "10.244.1.6");
        assertThatThrownBy(() -> p.allocate("uid9")).isInstanceOf(ExhaustedException.class)
                .hasMessageContaining("10.244.1.0/29");
        assertThat(p.claim("other", Ipv4Cidr.parseAddress("10.244.1.4"))).isFalse();
        assertThat(p.claim("uid1", Ipv4Cidr.parseAddress("10.244.1.4"))).isTrue();
        p.release("uid0");
        assertThat(Ipv4Cidr.format(p.allocate("uid10"))).isEqualTo("10.244.1.3");
        assertThat(p.claim("x", Ipv4Cidr.parseAddress("10.244.1.2"))).as("management address").isFalse();
    }

    /** Through many allocations and releases each holder keeps its one address, found again by its name. */
    @Test
    void holdersFindTheirAddressThroughAllocationsAndReleases() throws Exception {
        AddressPool p = new AddressPool(Ipv4Cidr.parse("10.200.0.0/20"));
        Map<String, Integer> held = new HashMap<>();
        Random random = new Random(3);
        for (int step = 0; step < 40_000; step++) {
            String owner = "uid-" + random.nextInt(step < 20_000 ? 3000 : 300);
            if (random.nextInt(3) != 0) {
                int ip = p.allocate(owner);
                assertThat(held.putIfAbsent(owner, ip)).isIn(null, ip);
            } else {
                p.release(owner);
                held.remove(owner);
            }
            if (step % 1000 == 0) {
                held.forEach((o, ip) -> assertThat(p.get(o)).contains(ip));
                assertThat(p.allocatedCount()).isEqualTo(held.size());
                assertThat(new HashSet<>(held.values())).hasSize(held.size());
            }
        }
        held.forEach((o, ip) -> assertThat(p.claim(o, ip)).isTrue());
        assertThat(p.get("nobody")).isEmpty();
    }
}
