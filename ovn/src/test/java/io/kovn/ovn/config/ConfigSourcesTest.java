package io.kovn.ovn.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kovn.ovn.net.Ipv4Cidr;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Precedence (default < OVS external_ids < file < env < flag), validation messages, unknown keys, redaction. */
class ConfigSourcesTest {
    static final Option<Integer> MTU = Option.integer("mtu", 576, 9000, "pod MTU").defaultValue("1400");
    static final Option<String> REMOTE = OvsdbRemoteOptions.remote("sb-address", "OVN Southbound").ovsKey("ovn-remote");
    static final Option<String> TOKEN = Option.string("k8s-token", "bearer token").secret().ovsKey("k8s-api-token");
    static final Option<Boolean> ELECT = Option.bool("leader-election", "compete for a Lease").defaultValue("true");
    static final Option<List<Ipv4Cidr>> CIDRS = Option.cidrs("cluster-subnet", "pods").defaultValue("10.244.0.0/16");
    static final Option<Duration> WAIT = Option.duration("wait", "how long").defaultValue("30s");
    static final Option<String> ENCAP = Option.choice("encap-type", List.of("geneve", "vxlan"), "tunnel").defaultValue("geneve");
    static final Option<String> NAME = Option.string("node-name", "the node").required();
    static final OptionSet SET = OptionSet.of("test", "a test program",
            List.of(MTU, REMOTE, TOKEN, ELECT, CIDRS, WAIT, ENCAP, NAME));

    @TempDir
    Path dir;

    private ConfigSources sources(String yaml, Map<String, String> env, Map<String, String> flags) throws Exception {
        Path file = dir.resolve("kovn.yaml");
        Files.writeString(file, yaml);
        return new ConfigSources(ConfigFile.read(file), env, flags, Map.of());
    }

    @Test
    void fileIsOverriddenByEnvWhichIsOverriddenByFlags() throws Exception {
        ConfigSources s = sources("node-name: n1\nmtu: 1300\nwait: 5s\nencap-type: vxlan\n",
                Map.of("KOVN_MTU", "1200", "KOVN_WAIT", "1m"), Map.of("mtu", "1100"));
        Configuration c = s.resolve(SET);

        assertThat(c.get(MTU)).isEqualTo(1100);
        assertThat(c.source(MTU)).isEqualTo(Source.FLAG);
        assertThat(c.get(WAIT)).isEqualTo(Duration.ofMinutes(1));
        assertThat(c.source(WAIT)).isEqualTo(Source.ENV);
        assertThat(c.get(ENCAP)).isEqualTo("vxlan");
        assertThat(c.source(ENCAP)).isEqualTo(Source.FILE);
        assertThat(c.get(CIDRS)).containsExactly(Ipv4Cidr.parse("10.244.0.0/16"));
        assertThat(c.source(CIDRS)).isEqualTo(Source.DEFAULT);
    }

    @Test
    void ovsExternalIdsStandInForDefaultsOnlyBelowFileEnvAndFlags() throws Exception {
        Map<String, String> ids = Map.of("ovn-remote", "tcp:10.0.0.1:6642", "k8s-api-token", "from-ovs");
        Configuration fromOvs = sources("node-name: n1\n", Map.of(), Map.of()).withOvs(ids).resolve(SET);
        assertThat(fromOvs.get(REMOTE)).isEqualTo("tcp:10.0.0.1:6642");
        assertThat(fromOvs.source(REMOTE)).isEqualTo(Source.OVS);
        assertThat(fromOvs.get(TOKEN)).isEqualTo("from-ovs");

        Configuration fileWins = sources("node-name: n1\nsb-address: tcp:10.0.0.9:6642\n", Map.of(), Map.of())
                .withOvs(ids).resolve(SET);
        assertThat(fileWins.get(REMOTE)).isEqualTo("tcp:10.0.0.9:6642");
        assertThat(fileWins.source(REMOTE)).isEqualTo(Source.FILE);
    }

    @Test
    void yamlListsAndCommaSeparatedListsAreTheSame() throws Exception {
        Configuration c = sources("node-name: n1\ncluster-subnet: [10.1.0.0/16, 10.2.0.0/16]\n", Map.of(),
                Map.of()).resolve(SET);
        Configuration e = sources("node-name: n1\n", Map.of("KOVN_CLUSTER_SUBNET", "10.1.0.0/16,10.2.0.0/16"),
                Map.of()).resolve(SET);
        assertThat(c.get(CIDRS)).isEqualTo(e.get(CIDRS)).hasSize(2);
    }

    @Test
    void eachInvalidValueNamesTheOptionItsSourceAndWhatIsAllowed() throws Exception {
        Path file = dir.resolve("kovn.yaml");
        assertThatThrownBy(() -> sources("node-name: n1\nmtu: 99999\n", Map.of(), Map.of()).resolve(SET))
                .isInstanceOf(ConfigException.class)
                .hasMessage("invalid --mtu from config file " + file + " (key mtu): '99999'; allowed: an integer from 576 to 9000");
        assertThatThrownBy(() -> sources("node-name: n1\n", Map.of("KOVN_LEADER_ELECTION", "maybe"), Map.of()).resolve(SET))
                .hasMessage("invalid --leader-election from environment KOVN_LEADER_ELECTION: 'maybe'; allowed: true or false");
        assertThatThrownBy(() -> sources("node-name: n1\n", Map.of(), Map.of("cluster-subnet", "10.1.0.0/33")).resolve(SET))
                .hasMessage("invalid --cluster-subnet from flag --cluster-subnet: '10.1.0.0/33'; allowed: an IPv4 CIDR such as 10.244.0.0/16");
        assertThatThrownBy(() -> sources("node-name: n1\n", Map.of(), Map.of("wait", "soon")).resolve(SET))
                .hasMessage("invalid --wait from flag --wait: 'soon'; allowed: a duration such as 500ms, 30s, 5m or 1h");
        assertThatThrownBy(() -> sources("node-name: n1\n", Map.of(), Map.of("encap-type", "gre")).resolve(SET))
                .hasMessage("invalid --encap-type from flag --encap-type: 'gre'; allowed: one of geneve, vxlan");
        assertThatThrownBy(() -> sources("node-name: n1\n", Map.of(), Map.of("sb-address", "10.0.0.1:6642")).resolve(SET))
                .hasMessage("invalid --sb-address from flag --sb-address: '10.0.0.1:6642'; allowed: unix:PATH, "
                        + "tcp:IP:PORT or ssl:IP:PORT, comma-separated");
        assertThatThrownBy(() -> sources("node-name: n1\n", Map.of(), Map.of()).withOvs(Map.of("ovn-remote", "x"))
                .resolve(SET)).hasMessageStartingWith("invalid --sb-address from OVS external_ids external_ids:ovn-remote: 'x'");
    }

    @Test
    void anInvalidSecretIsNotEchoed() throws Exception {
        Option<String> pin = Option.string("pin", "a secret").secret().validate(s -> s.length() == 4, "four characters");
        OptionSet set = OptionSet.of("t", "t", List.of(pin));
        assertThatThrownBy(() -> new ConfigSources(null, Map.of("KOVN_PIN", "hunter2"), Map.of(), Map.of()).resolve(set))
                .hasMessage("invalid --pin from environment KOVN_PIN: <redacted>; allowed: four characters")
                .message().doesNotContain("hunter2");
    }

    @Test
    void aMissingRequiredOptionSaysWhereToGiveIt() throws Exception {
        assertThatThrownBy(() -> sources("", Map.of(), Map.of()).resolve(SET))
                .hasMessage("missing --node-name (the node): give the flag, KOVN_NODE_NAME or the key node-name in the config file");
    }

    @Test
    void unknownConfigFileKeysAreErrors() throws Exception {
        Path file = dir.resolve("kovn.yaml");
        assertThatThrownBy(() -> sources("node-name: n1\nmtuu: 1400\n", Map.of(), Map.of()).resolve(SET))
                .isInstanceOf(ConfigException.class)
                .hasMessage("config file " + file + ": unknown key 'mtuu' for test (its keys are listed in docs/configuration.md)");
    }

    @Test
    void nestedValuesAndNonYamlAreErrors() throws Exception {
        assertThatThrownBy(() -> sources("node-name: {a: 1}\n", Map.of(), Map.of()))
                .hasMessageEndingWith("key node-name needs a value or a list of values");
        assertThatThrownBy(() -> sources("- just\n- a list\n", Map.of(), Map.of()))
                .hasMessageEndingWith("expected a mapping of option names to values");
    }

    @Test
    void describeNamesEachSourceAndRedactsSecrets() throws Exception {
        Path file = dir.resolve("kovn.yaml");
        Configuration c = sources("node-name: n1\n", Map.of("KOVN_K8S_TOKEN", "s3cret-token"), Map.of("mtu", "1300",
                "leader-election", "false")).withOvs(Map.of("ovn-remote", "tcp:10.0.0.1:6642")).resolve(SET);

        assertThat(String.join("\n", c.describe()))
                .doesNotContain("s3cret-token")
                .contains("k8s-token       = <redacted>  [environment KOVN_K8S_TOKEN]")
                .contains("mtu             = 1300  [flag --mtu]")
                .contains("leader-election = false  [flag --no-leader-election]")
                .contains("sb-address      = tcp:10.0.0.1:6642  [OVS external_ids external_ids:ovn-remote]")
                .contains("node-name       = n1  [config file " + file + " (key node-name)]")
                .contains("wait            = 30s  [default]");
    }

    @Test
    void aWrittenConfigFileReadsBackToTheSameValues() throws Exception {
        Path file = dir.resolve("written.yaml");
        ConfigFile.write(file, SET, Map.of(NAME, "node: 1 \"quoted\"", MTU, "1300", ELECT, "false"));
        Configuration c = new ConfigSources(ConfigFile.read(file), Map.of(), Map.of(), Map.of()).resolve(SET);
        assertThat(c.get(NAME)).isEqualTo("node: 1 \"quoted\"");
        assertThat(c.get(MTU)).isEqualTo(1300);
        assertThat(c.get(ELECT)).isFalse();
    }
}
