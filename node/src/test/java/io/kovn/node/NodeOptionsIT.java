package io.kovn.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kovn.ovn.config.ConfigException;
import io.kovn.ovn.config.ConfigSources;
import io.kovn.ovn.config.Configuration;
import io.kovn.ovn.config.Source;
import io.kovn.testing.OvnDaemons;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The node's options: what the local Open_vSwitch table keeps stands in for defaults, below file, env and flags. */
@Tag("integration")
class NodeOptionsIT {
    private static OvnDaemons ovs;

    @BeforeAll
    static void start() {
        ovs = OvnDaemons.builder().vswitchDb().start();
        ovs.vsctl("set", "Open_vSwitch", ".", "external_ids:ovn-remote=\"tcp:192.0.2.1:6642\"",
                "external_ids:ovn-nb=\"tcp:192.0.2.1:6641\"", "external_ids:ovn-encap-ip=192.0.2.10",
                "external_ids:ovn-encap-type=vxlan", "external_ids:k8s-api-server=\"192.0.2.1:8080\"",
                "external_ids:k8s-api-token=t0ken-from-ovs");
    }

    @AfterAll
    static void stop() {
        ovs.close();
    }

    private static Configuration resolve(Map<String, String> env, Map<String, String> flags) {
        Map<String, String> all = new HashMap<>(flags);
        all.put("ovsdb", ovs.vswitchUnix());
        all.putIfAbsent("node-name", "n1");
        return NodeMain.resolver(NodeOptions.SET).resolve(ConfigSources.of(all, env));
    }

    @Test
    void theOriginalGuidesExternalIdsAreTheDefaults() {
        Configuration c = resolve(Map.of(), Map.of());
        NodeAgentConfig cfg = NodeOptions.config(c);

        assertThat(cfg.sbRemote()).isEqualTo("tcp:192.0.2.1:6642");
        assertThat(cfg.nbRemote()).isEqualTo("tcp:192.0.2.1:6641");
        assertThat(cfg.encapIp()).isEqualTo("192.0.2.10");
        assertThat(cfg.encapType()).isEqualTo("vxlan");
        assertThat(cfg.apiServer()).isEqualTo("192.0.2.1:8080");
        assertThat(cfg.apiToken()).isEqualTo("t0ken-from-ovs");
        assertThat(c.source(NodeOptions.ENCAP_IP)).isEqualTo(Source.OVS);
        assertThat(String.join("\n", c.describe())).doesNotContain("t0ken-from-ovs")
                .contains("[OVS external_ids external_ids:ovn-encap-ip]");
    }

    @Test
    void envAndFlagsOverrideTheExternalIds() {
        Configuration c = resolve(Map.of("KOVN_ENCAP_TYPE", "geneve", "KOVN_ENCAP_IP", "192.0.2.20"),
                Map.of("encap-ip", "192.0.2.30"));
        NodeAgentConfig cfg = NodeOptions.config(c);
        assertThat(cfg.encapType()).isEqualTo("geneve");
        assertThat(c.source(NodeOptions.ENCAP_TYPE)).isEqualTo(Source.ENV);
        assertThat(cfg.encapIp()).isEqualTo("192.0.2.30");
        assertThat(c.source(NodeOptions.ENCAP_IP)).isEqualTo(Source.FLAG);
    }

    @Test
    void gatewayOptionsAreCheckedTogether() {
        assertThatThrownBy(() -> NodeOptions.config(resolve(Map.of(), Map.of("physical-interface", "eth1"))))
                .isInstanceOf(ConfigException.class)
                .hasMessage("--physical-interface (a dedicated gateway) needs --physical-ip and --default-gw");
        assertThatThrownBy(() -> NodeOptions.config(resolve(Map.of(), Map.of("default-gw", "192.0.2.1"))))
                .hasMessage("--physical-ip, --default-gw and --rampout-ip-subnets need --physical-interface or --bridge-interface");
        NodeAgentConfig cfg = NodeOptions.config(resolve(Map.of(), Map.of("physical-interface", "eth1",
                "physical-ip", "172.18.0.11/24", "default-gw", "172.18.0.1")));
        assertThat(cfg.gateway().physicalIp()).isEqualTo("172.18.0.11/24");
    }
}
