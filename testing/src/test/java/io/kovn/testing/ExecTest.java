package io.kovn.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ExecTest {

    @Test
    void capturesOutputAndExitCode() {
        Exec.Result r = Exec.run(Duration.ofSeconds(10), "sh", "-c", "echo out; echo err >&2; exit 3");
        assertThat(r.exitCode()).isEqualTo(3);
        assertThat(r.out()).isEqualTo("out");
        assertThat(r.stderr().trim()).isEqualTo("err");
        assertThatThrownBy(r::check).isInstanceOf(Exec.ExecException.class).hasMessageContaining("err");
    }

    @Test
    void passesEnvAndWorkDir() {
        Exec.Result r = Exec.run(List.of("sh", "-c", "echo $KOVN_X; pwd"), Map.of("KOVN_X", "y"), Path.of("/tmp"),
                Duration.ofSeconds(10));
        assertThat(r.check().out()).isEqualTo("y\n/tmp");
    }

    @Test
    void largeOutputDoesNotBlock() {
        Exec.Result r = Exec.run(Duration.ofSeconds(20), "sh", "-c", "head -c 1000000 /dev/zero; head -c 1000000 /dev/zero >&2");
        assertThat(r.stdout()).hasSize(1_000_000);
        assertThat(r.stderr()).hasSize(1_000_000);
    }

    @Test
    void timeoutKillsTheCommand() {
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> Exec.run(Duration.ofMillis(300), "sleep", "30"))
                .isInstanceOf(Exec.ExecException.class).hasMessageContaining("timed out");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void missingProgramIsAnExecException() {
        assertThatThrownBy(() -> Exec.run(Duration.ofSeconds(5), "/nonexistent/kovn-no-such-tool"))
                .isInstanceOf(Exec.ExecException.class).hasMessageContaining("kovn-no-such-tool");
    }

    @Test
    void missingOvsBinaryNamesTheDebianPackage() {
        assertThatThrownBy(() -> OvnDaemons.bin("ovn-kovn-no-such-tool"))
                .hasMessageContaining("not found").hasMessageContaining("apt-get install");
        assertThat(OvnDaemons.installHint("ovn-northd")).contains("ovn-central");
    }
}
