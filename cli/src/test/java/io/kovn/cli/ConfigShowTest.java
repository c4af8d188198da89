package io.kovn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.kovn.ovn.config.ProgramCommand;
import io.kovn.testing.OvnDaemons;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code kovn config show}: the effective values, where each came from, secrets redacted. */
class ConfigShowTest {
    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();

    private int show(Map<String, String> env, String... args) {
        String[] all = new String[args.length + 1];
        all[0] = "show";
        System.arraycopy(args, 0, all, 1, args.length);
        return ConfigCommand.command(env, new PrintWriter(out, true)).execute(all);
    }

    @Test
    void controllerShowsEachValueWithItsSource() throws Exception {
        Path file = dir.resolve("controller.yaml");
        Files.writeString(file, "nb-address: tcp:192.0.2.1:6641\nbatch-size: 100\nresync: 5m\n");

        int rc = show(Map.of("KOVN_BATCH_SIZE", "200"), "controller", "--config", file.toString(),
                "--no-leader-election", "--identity", "c1");

        assertThat(rc).isZero();
        // the names are padded to the longest option's: matched whatever that width is
        assertThat(out.toString())
                .containsPattern(shown("nb-address", "tcp:192.0.2.1:6641  [config file " + file + " (key nb-address)]"))
                .containsPattern(shown("batch-size", "200  [environment KOVN_BATCH_SIZE]"))
                .containsPattern(shown("leader-election", "false  [flag --no-leader-election]"))
                .containsPattern(shown("identity", "c1  [flag --identity]"))
                .containsPattern(shown("resync", "5m  [config file " + file + " (key resync)]"))
                .containsPattern(shown("cluster-subnet", "10.244.0.0/16  [default]"));
    }

    /** A line of {@code config show}: the option's name, its padding, then "= " and {@code rest}. */
    private static Pattern shown(String name, String rest) {
        return Pattern.compile("(?m)^" + Pattern.quote(name) + " += " + Pattern.quote(rest) + "$");
    }

    @Test
    void crossOptionErrorsFailAsAtStart() {
        int rc = show(Map.of(), "controller", "--nb-address", "ssl:192.0.2.1:6641");
        assertThat(rc).isEqualTo(ProgramCommand.CONFIG_ERROR);
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void nodeShowsExternalIdsAsDefaultsAndRedactsTheToken() {
        try (OvnDaemons ovs = OvnDaemons.builder().vswitchDb().start()) {
            ovs.vsctl("set", "Open_vSwitch", ".", "external_ids:ovn-encap-ip=192.0.2.10",
                    "external_ids:k8s-api-token=stored-s3cret");
            int rc = show(Map.of(), "node", "--ovsdb", ovs.vswitchUnix(), "--node-name", "n1");
            assertThat(rc).isZero();
            assertThat(out.toString()).doesNotContain("stored-s3cret")
                    .contains("k8s-token ", "= <redacted>  [OVS external_ids external_ids:k8s-api-token]")
                    .contains("= 192.0.2.10  [OVS external_ids external_ids:ovn-encap-ip]");

            out.getBuffer().setLength(0);
            rc = show(Map.of("KOVN_K8S_TOKEN", "env-s3cret"), "node", "--ovsdb", ovs.vswitchUnix(), "--node-name", "n1");
            assertThat(rc).isZero();
            assertThat(out.toString()).doesNotContain("env-s3cret").contains("= <redacted>  [environment KOVN_K8S_TOKEN]");
        }
    }

    @Test
    void nodeShowsUnderlayModeAndRefusesAGatewayInIt() {
        try (OvnDaemons ovs = OvnDaemons.builder().vswitchDb().start()) {
            int rc = show(Map.of(), "node", "--ovsdb", ovs.vswitchUnix(), "--node-name", "vm1", "--mode", "underlay",
                    "--underlay-bridge", "br-vm");
            assertThat(rc).isZero();
            assertThat(out.toString()).containsPattern("\\nmode += underlay  \\[flag --mode\\]")
                    .containsPattern("underlay-bridge += br-vm  \\[flag --underlay-bridge\\]");

            out.getBuffer().setLength(0);
            rc = show(Map.of(), "node", "--ovsdb", ovs.vswitchUnix(), "--node-name", "vm1", "--mode", "underlay",
                    "--bridge-interface", "breth0");
            assertThat(rc).isEqualTo(ProgramCommand.CONFIG_ERROR);
        }
    }
}
