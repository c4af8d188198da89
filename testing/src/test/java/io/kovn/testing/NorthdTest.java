package io.kovn.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@WithOvn(northd = true)
class NorthdTest {

    private static OvnDaemons fromBeforeAll;
    private final OvnDaemons fromConstructor;
    private OvnDaemons fromBeforeEach;

    NorthdTest(OvnDaemons ovn) {
        fromConstructor = ovn;
    }

    @BeforeAll
    static void beforeAll(OvnDaemons ovn) {
        fromBeforeAll = ovn;
    }

    @BeforeEach
    void beforeEach(OvnDaemons ovn) {
        fromBeforeEach = ovn;
    }

    @Test
    void oneFixtureIsInjectedEverywhere(OvnDaemons ovn) {
        assertThat(List.of(fromBeforeAll, fromConstructor, fromBeforeEach)).allSatisfy(o -> assertThat(o).isSameAs(ovn));
        assertThat(ovn.pids()).containsOnlyKeys("nb", "sb", "northd");
    }

    @Test
    void northdTranslatesALogicalSwitchIntoADatapathBinding(OvnDaemons ovn) {
        ovn.nbctl("ls-add", "sw-northd");
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).untilAsserted(() ->
                assertThat(ovn.sbctl("--bare", "--columns=external_ids", "list", "Datapath_Binding"))
                        .contains("name=sw-northd"));
    }

    @Test
    void tcpRemotesServeTheSameDatabases(OvnDaemons ovn) {
        ovn.nbctl("ls-add", "sw-tcp");
        Exec.Result nb = Exec.run(List.of(OvnDaemons.bin("ovn-nbctl"), "--db=" + ovn.nbTcp(), "ls-list"),
                ovn.env(), ovn.dir(), Duration.ofSeconds(10)).check();
        assertThat(nb.out()).contains("sw-tcp");
        Exec.Result sb = Exec.run(List.of(OvnDaemons.bin("ovn-sbctl"), "--db=" + ovn.sbTcp(), "show"),
                ovn.env(), ovn.dir(), Duration.ofSeconds(10));
        assertThat(sb.exitCode()).isZero();
        assertThat(ovn.nbTcp()).matches("tcp:127\\.0\\.0\\.1:\\d+");
        assertThat(ovn.sbTcp()).isNotEqualTo(ovn.nbTcp());
    }
}
