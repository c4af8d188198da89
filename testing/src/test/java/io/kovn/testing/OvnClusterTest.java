package io.kovn.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.kovn.testing.OvnCluster.Db;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("integration")
class OvnClusterTest {

    @Test
    void aKilledLeaderIsReplacedItsDataKeptAndItRejoinsAsFollower() {
        Path dir;
        List<Long> pids;
        try (OvnCluster c = OvnCluster.builder().members(3).northd().start()) {
            dir = c.dir();
            pids = List.of(c.pid(Db.NB, 1), c.pid(Db.NB, 2), c.pid(Db.NB, 3), c.pid(Db.SB, 1), c.northdPid());
            int leader = c.leader(Db.NB);
            long term = c.status(Db.NB, leader).orElseThrow().term();
            assertThat(c.clusterStatus(Db.NB, leader)).contains("Role: leader");
            assertThat(c.followers(Db.NB)).hasSize(2).doesNotContain(leader);
            c.nbctl("ls-add", "sw-kept");

            c.kill(Db.NB, leader);
            assertThat(c.isRunning(Db.NB, leader)).isFalse();
            int next = c.awaitLeader(Db.NB);
            assertThat(next).isNotEqualTo(leader);
            assertThat(c.status(Db.NB, next).orElseThrow().term()).isGreaterThan(term);
            assertThat(c.nbctl("ls-list")).contains("sw-kept");

            c.start(Db.NB, leader);
            c.awaitLeader(Db.NB);
            assertThat(c.status(Db.NB, leader).orElseThrow().role()).isEqualTo("follower");
        }
        assertThat(Files.exists(dir)).isFalse();
        assertThat(pids).allMatch(p -> ProcessHandle.of(p).map(h -> !h.isAlive()).orElse(true));
    }
}
