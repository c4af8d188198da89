package io.kovn.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kovn.testing.OvnDaemons;
import io.kovn.testing.WithOvn;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Two controllers, one Lease: one writes; when it goes, the other takes over. */
@WithOvn
class LeaderElectionIT {
    private final OvnDaemons ovn;

    LeaderElectionIT(OvnDaemons ovn) {
        this.ovn = ovn;
    }

    @Test
    void oneLeadsAndTheOtherTakesOver() throws Exception {
        try (MockKube kube = new MockKube()) {
            KovnController a = new KovnController(ControllerConfig.defaults(ovn.nbUnix()).withLeaderElection("kube-system", "a"),
                    kube.newClient());
            KovnController b = new KovnController(ControllerConfig.defaults(ovn.nbUnix()).withLeaderElection("kube-system", "b"),
                    kube.newClient());
            try {
                a.start();
                b.start();
                await().atMost(Duration.ofSeconds(20)).until(() -> a.isLeader() || b.isLeader());
                Thread.sleep(3000);
                assertThat(a.isLeader() && b.isLeader()).as("both lead").isFalse();
                KovnController leader = a.isLeader() ? a : b;
                KovnController follower = leader == a ? b : a;
                assertThat(kube.client.leases().inNamespace("kube-system").withName("kovn-controller").get()
                        .getSpec().getHolderIdentity()).isEqualTo(leader == a ? "a" : "b");

                kube.node("node-a", "192.168.50.11");
                await().atMost(Duration.ofSeconds(15)).until(() -> ovn.nbctl("ls-list").contains("(node-a)"));

                leader.close();
                await().atMost(Duration.ofSeconds(30)).until(follower::isLeader);
                kube.node("node-b", "192.168.50.12");
                await().atMost(Duration.ofSeconds(15)).until(() -> ovn.nbctl("ls-list").contains("(node-b)"));
            } finally {
                a.close();
                b.close();
            }
        }
    }
}
