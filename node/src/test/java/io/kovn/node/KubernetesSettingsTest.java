package io.kovn.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.kovn.ovn.net.Ipv4Cidr;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KubernetesSettingsTest {
    private static NodeAgentConfig.Builder base() {
        return NodeAgentConfig.builder("n1").clusterSubnets(List.of(Ipv4Cidr.parse("10.244.0.0/16")));
    }

    @Test
    void flagsWinOverWhatOvsdbHoldsAndOnlyFlagsAreStored() {
        Map<String, String> stored = Map.of("k8s-api-server", "192.0.2.1:8080", "k8s-api-token", "old");
        NodeAgentConfig cfg = base().apiToken("new").build();
        KubernetesSettings s = KubernetesSettings.resolve(cfg, stored);
        assertThat(s.apiServer()).isEqualTo("192.0.2.1:8080");
        assertThat(s.apiToken()).isEqualTo("new");
        assertThat(KubernetesSettings.toStore(cfg)).isEqualTo(Map.of("k8s-api-token", "new"));
        try (KubernetesClient c = s.newClient(cfg)) {
            // the guides: no scheme means plain http
            assertThat(c.getConfiguration().getMasterUrl()).startsWith("http://192.0.2.1:8080");
            assertThat(c.getConfiguration().getOauthToken()).isEqualTo("new");
        }
    }

    @Test
    void badSettingsAreRefusedWithTheReason() {
        assertThatThrownBy(() -> base().encapType("gre").build()).hasMessageContaining("geneve, vxlan, stt");
        assertThatThrownBy(() -> base().datapathType("dpdk").build()).hasMessageContaining("system or netdev");
        assertThatThrownBy(() -> NodeAgentConfig.builder("n1").clusterSubnets(List.of()).build())
                .hasMessageContaining("cluster subnet");
        assertThat(NodeAgentConfig.builder("n1").build().clusterSubnets()).containsExactly(Ipv4Cidr.parse("10.244.0.0/16"));
        assertThat(base().datapathType("netdev").build().txChecksumOffloadOff()).isTrue();
    }
}
