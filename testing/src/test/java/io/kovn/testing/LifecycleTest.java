package io.kovn.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.platform.testkit.engine.EngineTestKit;

@Tag("integration")
class LifecycleTest {

    private static void assertAllGone(Collection<Long> pids) {
        assertThat(pids).isNotEmpty().allSatisfy(pid ->
                assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).as("pid %d", pid).isFalse());
    }

    @Test
    void twoFixturesInParallelDoNotCollideAndCloseLeavesNothing() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            CompletableFuture<OvnDaemons> fa = CompletableFuture.supplyAsync(() -> OvnDaemons.builder().northd().start(), pool);
            CompletableFuture<OvnDaemons> fb = CompletableFuture.supplyAsync(() -> OvnDaemons.builder().northd().start(), pool);
            OvnDaemons a = fa.get();
            OvnDaemons b = fb.get();
            List<Long> pids;
            try {
                assertThat(a.dir()).isNotEqualTo(b.dir());
                assertThat(List.of(a.nbTcp(), a.sbTcp())).doesNotContainAnyElementsOf(List.of(b.nbTcp(), b.sbTcp()));
                a.nbctl("ls-add", "only-in-a");
                assertThat(b.nbctl("ls-list")).doesNotContain("only-in-a");
                String viaTcp = Exec.run(List.of(OvnDaemons.bin("ovn-nbctl"), "--db=" + b.nbTcp(), "ls-list"),
                        b.env(), b.dir(), Duration.ofSeconds(10)).check().out();
                assertThat(viaTcp).doesNotContain("only-in-a");
                pids = new ArrayList<>(a.pids().values());
                pids.addAll(b.pids().values());
                assertThat(pids).hasSize(6).doesNotHaveDuplicates();
            } finally {
                a.close();
                b.close();
            }
            assertAllGone(pids);
            assertThat(a.dir()).doesNotExist();
            assertThat(b.dir()).doesNotExist();
            a.close(); // idempotent
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void vswitchDbWorksWithVsctl() {
        try (OvnDaemons ovn = OvnDaemons.builder().vswitchDb().start()) {
            ovn.vsctl("add-br", "br-test", "--", "set", "Bridge", "br-test", "datapath_type=netdev");
            assertThat(ovn.vsctl("list-br")).isEqualTo("br-test");
            assertThat(ovn.pids()).containsOnlyKeys("vswitch");
        }
    }

    @Test
    void restartOnATakenPortFailsWithTheDaemonsLog() throws Exception {
        try (OvnDaemons ovn = OvnDaemons.builder().nb().timeout(Duration.ofSeconds(10)).start()) {
            int port = Integer.parseInt(ovn.nbTcp().substring(ovn.nbTcp().lastIndexOf(':') + 1));
            ovn.killNb();
            try (ServerSocket squatter = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                assertThatThrownBy(ovn::startNb).isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("previous TCP/SSL port")
                        .hasMessageContaining("Address already in use");
            }
        }
    }

    /** Run only through EngineTestKit below (surefire skips nested classes). */
    @WithOvn(sb = true)
    static class Probe {
        static OvnDaemons seen;
        static Collection<Long> pids;

        @Test
        void record(OvnDaemons ovn) {
            seen = ovn;
            pids = ovn.pids().values();
            assertThat(ovn.pids()).containsOnlyKeys("nb", "sb");
        }
    }

    @Test
    void extensionClosesTheFixtureAfterTheClass() {
        EngineTestKit.engine("junit-jupiter").selectors(selectClass(Probe.class)).execute()
                .testEvents().assertStatistics(s -> s.succeeded(1).failed(0));
        OvnDaemons seen = Probe.seen;
        assertThat(seen).isNotNull();
        assertAllGone(Probe.pids);
        assertThat(Files.exists(seen.dir())).isFalse();
    }
}
