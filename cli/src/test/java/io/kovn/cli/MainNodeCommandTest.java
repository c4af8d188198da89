package io.kovn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** {@code kovn node}, the command every node runs, in a JVM of its own: the rest of the command tree stays unloaded. */
class MainNodeCommandTest {

    @Test
    void kovnNodeBuildsTheAgentsCommandAlone() throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "-verbose:class", "-cp", System.getProperty("java.class.path"),
                Main.class.getName(), "node", "--help").redirectErrorStream(true).start();
        List<String> out;
        try (var lines = p.inputReader().lines()) {
            out = lines.collect(Collectors.toList());
        }
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
        assertThat(out).anyMatch(l -> l.startsWith("Usage: kovn node "))
                .anyMatch(l -> l.contains("--node-name"));
        assertThat(out).filteredOn(l -> l.startsWith("[")).noneMatch(l -> l.contains("io.kovn.cli.BenchCommand")
                || l.contains("io.kovn.cli.sandbox.") || l.contains("io.kovn.controller."));
    }
}
