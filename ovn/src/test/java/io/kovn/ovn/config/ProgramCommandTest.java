package io.kovn.ovn.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The options mounted as flags: the same values and errors as the other sources. */
class ProgramCommandTest {
    @TempDir
    Path dir;

    private final AtomicReference<Configuration> seen = new AtomicReference<>();
    private final StringWriter err = new StringWriter();

    private int run(Map<String, String> env, String... args) {
        CommandLine cl = ProgramCommand.commandLine(ConfigSourcesTest.SET, env, s -> s.resolve(ConfigSourcesTest.SET),
                c -> {
                    seen.set(c);
                    return 0;
                });
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    @Test
    void flagsOverrideEnvWhichOverridesTheConfigFileNamedByConfig() throws Exception {
        Path file = dir.resolve("k.yaml");
        Files.writeString(file, "node-name: from-file\nmtu: 1300\nencap-type: vxlan\n");

        int rc = run(Map.of("KOVN_MTU", "1200", "KOVN_ENCAP_TYPE", "geneve"), "--config", file.toString(),
                "--mtu", "1100", "--no-leader-election", "--cluster-subnet", "10.1.0.0/16,10.2.0.0/16");

        assertThat(rc).isZero();
        Configuration c = seen.get();
        assertThat(c.get(ConfigSourcesTest.NAME)).isEqualTo("from-file");
        assertThat(c.get(ConfigSourcesTest.MTU)).isEqualTo(1100);
        assertThat(c.get(ConfigSourcesTest.ENCAP)).isEqualTo("geneve");
        assertThat(c.source(ConfigSourcesTest.ENCAP)).isEqualTo(Source.ENV);
        assertThat(c.get(ConfigSourcesTest.ELECT)).isFalse();
        assertThat(c.get(ConfigSourcesTest.CIDRS)).hasSize(2);
    }

    @Test
    void kovnConfigInTheEnvironmentNamesTheFile() throws Exception {
        Path file = dir.resolve("k.yaml");
        Files.writeString(file, "node-name: n7\n");
        assertThat(run(Map.of("KOVN_CONFIG", file.toString()))).isZero();
        assertThat(seen.get().get(ConfigSourcesTest.NAME)).isEqualTo("n7");
    }

    @Test
    void aConfigurationErrorIsOneLineAndExitCodeTwo() {
        int rc = run(Map.of(), "--node-name", "n1", "--mtu", "70000");
        assertThat(rc).isEqualTo(ProgramCommand.CONFIG_ERROR);
        assertThat(err.toString().lines().toList()).isEqualTo(List.of(
                "test: invalid --mtu from flag --mtu: '70000'; allowed: an integer from 576 to 9000"));
        assertThat(seen.get()).isNull();
    }
}
