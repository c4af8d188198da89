package io.kovn.node.underlay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The pool cache's entries come from the control plane: only well-formed ones are read. */
class PoolEntryTest {
    private static final String FREE = "ip=10.0.1.3/29,gw=10.0.1.1,mac=fa:16:3e:00:01:03,tag=101,used=";

    @Test
    void aWellFormedEntryReadsAsTypedValuesAndWritesBackTheSame() {
        PoolEntry e = PoolEntry.parse("3f1c9a2e-5b6d-4e8f-9a0b-1c2d3e4f5a6b", FREE);
        assertThat(e.address().toString()).isEqualTo("10.0.1.3/29");
        assertThat(e.gateway().toString()).isEqualTo("10.0.1.1");
        assertThat(e.mac().toString()).isEqualTo("fa:16:3e:00:01:03");
        assertThat(e.tag()).isEqualTo(101);
        assertThat(e.isFree()).isTrue();
        assertThat(e.value()).isEqualTo(FREE);
        assertThat(e.key()).isEqualTo("kovn-underlay-port-3f1c9a2e-5b6d-4e8f-9a0b-1c2d3e4f5a6b");

        PoolEntry used = e.usedBy("abc123", "eth0");
        assertThat(used.value()).endsWith(",used=abc123/eth0");
        assertThat(PoolEntry.parse(e.portId(), used.value())).isEqualTo(used);
        assertThat(used.freed()).isEqualTo(e);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "ip=10.0.1.3/29,gw=10.0.1.1,mac=fa:16:3e:00:01:03,tag=0,used=",
        "ip=10.0.1.3/29,gw=10.0.1.1,mac=fa:16:3e:00:01:03,tag=4095,used=",
        "ip=10.0.1.3/29,gw=10.0.1.1,mac=fa:16:3e:00:01:03,tag=0101,used=",
        "ip=10.0.1.3/29,gw=10.0.1.1,mac=fa:16:3e:00:01:03,tag=-1,used=",
        "ip=10.0.1.3/29,gw=10.0.2.1,mac=fa:16:3e:00:01:03,tag=101,used=",
        "ip=10.0.1.3/29,gw=10.0.1.3,mac=fa:16:3e:00:01:03,tag=101,used=",
        "ip=10.0.1.0/29,gw=10.0.1.1,mac=fa:16:3e:00:01:03,tag=101,used=",
        "ip=10.0.1.7/29,gw=10.0.1.1,mac=fa:16:3e:00:01:03,tag=101,used=",
        "ip=10.0.1.3,gw=10.0.1.1,mac=fa:16:3e:00:01:03,tag=101,used=",
        "ip=10.0.1.3/29,gw=10.0.1.1,mac=01:16:3e:00:01:03,tag=101,used=",
        "ip=10.0.1.3/29,gw=10.0.1.1,mac=fa163e000103,tag=101,used=",
        "ip=10.0.1.3/29,gw=10.0.1.1,mac=fa:16:3e:00:01:03,tag=101,used=c1",
        "ip=10.0.1.3/29,gw=10.0.1.1,mac=fa:16:3e:00:01:03,tag=101,used=c1/eth 0",
        "ip=10.0.1.3/29,gw=10.0.1.1,mac=fa:16:3e:00:01:03,tag=101,used=../x/eth0",
        "gw=10.0.1.1,ip=10.0.1.3/29,mac=fa:16:3e:00:01:03,tag=101,used=",
        "ip=10.0.1.3/29,gw=10.0.1.1,mac=fa:16:3e:00:01:03,tag=101",
        "ip=10.0.1.3/29, gw=10.0.1.1,mac=fa:16:3e:00:01:03,tag=101,used=",
        "ip=10.0.1.3/29,gw=10.0.1.1,mac=fa:16:3e:00:01:03,tag=101,extra=1,used=",
        ""
    })
    void aMalformedEntryIsRefused(String value) {
        assertThatThrownBy(() -> PoolEntry.parse("p1", value)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void anOversizedValueOrABadPortIdIsRefused() {
        assertThatThrownBy(() -> PoolEntry.parse("p1", FREE.replace("used=", "used=c" + "x".repeat(300) + "/eth0")))
                .hasMessageContaining("more than 256");
        assertThatThrownBy(() -> PoolEntry.parse("p 1", FREE)).hasMessageContaining("port id");
        assertThatThrownBy(() -> PoolEntry.parse("x".repeat(65), FREE)).hasMessageContaining("port id");
        assertThat(PoolEntry.portIdOf("kovn-underlay-port-p1")).isEqualTo("p1");
        assertThat(PoolEntry.portIdOf("system-id")).isNull();
    }
}
