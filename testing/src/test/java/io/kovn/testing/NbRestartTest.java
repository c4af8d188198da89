package io.kovn.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

@WithOvn
class NbRestartTest {

    @Test
    void killAndStartKeepDataSocketAndPort(OvnDaemons ovn) {
        ovn.nbctl("ls-add", "sw-persist");
        String unix = ovn.nbUnix();
        String tcp = ovn.nbTcp();
        long pid = ovn.nbPid();

        ovn.killNb();
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        assertThatThrownBy(() -> ovn.nbctl("ls-list")).isInstanceOf(Exec.ExecException.class);

        ovn.startNb();
        assertThat(ovn.nbPid()).isNotEqualTo(pid);
        assertThat(ovn.nbUnix()).isEqualTo(unix);
        assertThat(ovn.nbTcp()).isEqualTo(tcp);
        assertThat(ovn.nbctl("ls-list")).contains("sw-persist");
        Exec.Result viaTcp = Exec.run(List.of(OvnDaemons.bin("ovn-nbctl"), "--db=" + tcp, "ls-list"),
                ovn.env(), ovn.dir(), Duration.ofSeconds(10)).check();
        assertThat(viaTcp.out()).contains("sw-persist");
    }

    @Test
    void startNbWhileRunningIsRejected(OvnDaemons ovn) {
        assertThatThrownBy(ovn::startNb).isInstanceOf(IllegalStateException.class).hasMessageContaining("already running");
    }
}
