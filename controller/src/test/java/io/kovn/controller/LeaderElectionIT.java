package io.kovn.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
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

    /**
     * A leader whose start fails (here: its informers cannot list in time, as its requests to the API server are
     * answered too slowly) releases the Lease, and the standby takes over at once instead of never.
     */
    @Test
    void aLeaderThatCannotStartGivesTheLeaseUp() throws Exception {
        try (MockKube kube = new MockKube();
             KubernetesClient slowClient = kube.newClient("slow", Duration.ofSeconds(1))) {
            kube.node("node-a", "192.168.50.11");
            kube.slowLists("slow", Duration.ofSeconds(3));
            KovnController a = new KovnController(ControllerConfig.defaults(ovn.nbUnix()).withLeaderElection("kube-system", "a")
                    .withSyncTimeout(Duration.ofSeconds(4)), slowClient);
            KovnController b = new KovnController(ControllerConfig.defaults(ovn.nbUnix()).withLeaderElection("kube-system", "b"),
                    kube.newClient());
            try {
                a.start();
                await().atMost(Duration.ofSeconds(20)).until(() -> "a".equals(holder(kube)));
                b.start();
                long since = System.nanoTime();
                await().atMost(Duration.ofSeconds(30)).until(() -> "b".equals(holder(kube)));
                // released, not left to expire: b took over within a's sync timeout and a few retry periods of b
                assertThat(Duration.ofNanos(System.nanoTime() - since)).isLessThan(Duration.ofSeconds(12));
                await().atMost(Duration.ofSeconds(15)).until(() -> ovn.nbctl("ls-list").contains("(node-a)"));
                assertThat(a.isLeader()).isFalse();
            } finally {
                a.close();
                b.close();
            }
        }
    }

    private static String holder(MockKube kube) {
        Lease lease = kube.client.leases().inNamespace("kube-system").withName("kovn-controller").get();
        return lease == null || lease.getSpec() == null ? null : lease.getSpec().getHolderIdentity();
    }
}
