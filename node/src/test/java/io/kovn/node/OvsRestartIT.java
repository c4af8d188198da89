package io.kovn.node;

import static io.kovn.node.LabPods.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kovn.ovn.annotations.PodNetwork;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * ovs-vswitchd dies and is started again (as ovs-ctl's monitor does on a node; OVS 3.1's userspace conntrack can
 * abort on an assertion): the management port's tap device outlives it with its addresses, ovn-controller installs
 * the flows again, and the host and the pods reach each other again without the agent doing anything.
 */
class OvsRestartIT extends NodeLabIT {

    @Test
    void afterOvsVswitchdIsRestartedPodsAndTheHostReachEachOtherAgain() {
        PodNetwork n1 = pods.podWithNetwork("rs1");
        PodNetwork n2 = pods.podWithNetwork("rs2");
        LabPods.Sandbox s1 = pods.sandbox("rs1");
        LabPods.Sandbox s2 = pods.sandbox("rs2");
        ok(pods.cni("ADD", s1, "1.0.0"));
        ok(pods.cni("ADD", s2, "1.0.0"));
        lab.node().netns().exec("ping", "-c", "1", "-W", "2", n1.ip());

        long pid = lab.node().pids().get("ovs-vswitchd");
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            Long now = lab.node().pids().get("ovs-vswitchd");
            return now != null && now != pid;
        });
        await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            assertThat(lab.node().netns().ip("-o", "-4", "addr", "show", "dev", "ovn-k8s-mp0")).contains("10.244.1.2/24");
            assertThat(lab.node().netns().run(List.of("ping", "-c", "1", "-W", "1", n1.ip())).ok())
                    .as("host -> pod after the restart").isTrue();
            assertThat(s1.netns().run(List.of("ping", "-c", "1", "-W", "1", n2.ip())).ok())
                    .as("pod -> pod after the restart").isTrue();
        });
        ok(pods.cni("DEL", s1, "1.0.0"));
        ok(pods.cni("DEL", s2, "1.0.0"));
    }
}
