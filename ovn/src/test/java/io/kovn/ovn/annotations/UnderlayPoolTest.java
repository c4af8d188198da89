package io.kovn.ovn.annotations;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kovn.ovn.net.Ipv4Address;
import io.kovn.ovn.net.Ipv4InterfaceAddress;
import io.kovn.ovn.net.MacAddress;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The pool annotation round-trips, and anything but exactly its typed fields is refused as a whole. */
class UnderlayPoolTest {
    private static final String ENTRY = "{\"port\":\"kup-1\",\"ip\":\"10.128.0.2/24\",\"gw\":\"10.128.0.1\","
            + "\"mac\":\"0a:58:0a:80:00:02\",\"tag\":1}";

    @Test
    void roundTrips() {
        UnderlayPool pool = new UnderlayPool(List.of(new UnderlayPool.Port("kup-1",
                Ipv4InterfaceAddress.parse("10.128.0.2/24"), Ipv4Address.parse("10.128.0.1"),
                MacAddress.parse("0a:58:0a:80:00:02"), 1)));
        assertThat(pool.toJson()).isEqualTo("[" + ENTRY + "]");
        assertThat(UnderlayPool.parse(pool.toJson())).isEqualTo(pool);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "{}", "[1]", "[{}]", "[" + ENTRY + "," + ENTRY + "]",
            "[{\"port\":\"kup-1\",\"ip\":\"10.128.0.2/24\",\"gw\":\"10.128.0.1\",\"mac\":\"0a:58:0a:80:00:02\",\"tag\":\"1\"}]",
            "[{\"port\":\"kup-1\",\"ip\":\"10.128.0.2/24\",\"gw\":\"10.128.0.1\",\"mac\":\"0a:58:0a:80:00:02\",\"tag\":4095}]",
            "[{\"port\":\"k;rm -rf\",\"ip\":\"10.128.0.2/24\",\"gw\":\"10.128.0.1\",\"mac\":\"0a:58:0a:80:00:02\",\"tag\":1}]",
            "[{\"port\":\"kup-1\",\"ip\":\"10.128.0.2/24\",\"gw\":\"10.129.0.1\",\"mac\":\"0a:58:0a:80:00:02\",\"tag\":1}]",
            "[{\"port\":\"kup-1\",\"ip\":\"10.128.0.2\",\"gw\":\"10.128.0.1\",\"mac\":\"0a:58:0a:80:00:02\",\"tag\":1}]",
            "[{\"port\":\"kup-1\",\"ip\":\"10.128.0.2/24\",\"gw\":\"10.128.0.1\",\"mac\":\"0a:58:0a:80:00:02\",\"tag\":1,\"x\":1}]",
            "[{\"port\":\"kup-1\",\"ip\":\"10.128.0.2/24\",\"gw\":\"10.128.0.1\",\"mac\":\"0a:58:0a:80:00:02\",\"vlan\":1}]"})
    void refusesAnythingElse(String json) {
        assertThatThrownBy(() -> UnderlayPool.parse(json)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void refusesOversizedAnnotations() {
        assertThatThrownBy(() -> UnderlayPool.parse("[" + " ".repeat(UnderlayPool.MAX_CHARS) + "]"))
                .hasMessageContaining("characters");
    }
}
