package io.kovn.tools.trace;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** kovn trace instantiates a NodePort template's VIP and backends from a chassis's variables, as ovn-controller does. */
class TemplateExpansionTest {
    private static final Map<String, String> CHASSIS = Map.of("NODEIP_IPv4", "172.18.0.12",
            "ETP_LOCAL.demo.web_x.TCP.30080", "10.244.1.5:8080,10.244.1.6:8080");

    @Test
    void referencesAreReplacedByTheChassisValues() {
        assertThat(ClusterView.expand("^NODEIP_IPv4:30080", CHASSIS)).isEqualTo("172.18.0.12:30080");
        assertThat(ClusterView.expand("^ETP_LOCAL.demo.web_x.TCP.30080", CHASSIS)).isEqualTo("10.244.1.5:8080,10.244.1.6:8080");
        assertThat(ClusterView.expand("10.244.2.7:8080", CHASSIS)).isEqualTo("10.244.2.7:8080");
    }

    @Test
    void aVariableTheChassisLacksStaysAReference() {
        assertThat(ClusterView.expand("^ETP_LOCAL.demo.other.TCP.30081", CHASSIS)).isEqualTo("^ETP_LOCAL.demo.other.TCP.30081");
    }
}
