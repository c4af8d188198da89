package io.kovn.sandbox.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.kovn.sandbox.Sandbox;
import io.kovn.sandbox.demo.Probe;
import io.kovn.sandbox.proc.ManagedProcess;
import io.kovn.sandbox.standins.RuntimePod;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.parallel.ResourceLock;

/** The node agent is killed and started again: running pods keep their traffic throughout; new pods work after. */
@Tag("integration")
@Tag("e2e")
@ResourceLock("kovn-sandbox")
@ExtendWith(SharedSandbox.class)
class NodeAgentRestartE2ETest {
    private static Pods pods;

    @BeforeAll
    static void namespace() {
        pods = new Pods(SharedSandbox.sandbox(), "e2e-agent");
    }

    @AfterAll
    static void cleanUp() {
        pods.deleteAll();
    }

    @Test
    void existingPodsKeepTheirTrafficWhileTheAgentRestarts() throws Exception {
        Sandbox s = SharedSandbox.sandbox();
        String n1 = s.nodeNames().get(0);
        String n2 = s.nodeNames().get(1);
        pods.echo("a", n1, Map.of());
        pods.echo("b", n2, Map.of());
        pods.echo("c", n1, Map.of());
        RuntimePod a = pods.awaitReady("a");
        RuntimePod b = pods.awaitReady("b");
        RuntimePod c = pods.awaitReady("c");
        Pods.tcpOk(a, b.ip());
        Pods.tcpOk(b, a.ip());

        ManagedProcess agent = s.nodeAgent(n1);
        agent.process().toHandle().destroyForcibly();
        agent.process().waitFor();
        for (int i = 0; i < 5; i++) {
            assertTraffic(a, b, c);
        }

        s.startNodeAgent(n1);
        for (int i = 0; i < 5; i++) {
            assertTraffic(a, b, c);
        }
        assertThat(s.nodeOvs(n1, "--bare", "--columns=name", "find", "Interface", "external_ids:iface-id=e2e-agent_a"))
                .as("the restarted agent kept the running pod's port").isNotBlank();
        pods.echo("d", n1, Map.of());
        RuntimePod d = pods.awaitReady("d");
        assertThat(Pods.tcpOk(b, d.ip()).answer()).isEqualTo("e2e-agent/d");
    }

    private static void assertTraffic(RuntimePod a, RuntimePod b, RuntimePod c) {
        for (RuntimePod[] p : new RuntimePod[][] {{a, b}, {b, a}, {b, c}, {a, c}}) {
            Probe.Result tcp = Probe.tcp(p[0].netnsPath(), p[1].ip(), Pods.TCP);
            assertThat(tcp.ok()).as("TCP %s -> %s: %s", p[0].name(), p[1].name(), tcp).isTrue();
            Probe.Result ping = Probe.ping(p[0].netnsPath(), p[1].ip());
            assertThat(ping.ok()).as("ping %s -> %s: %s", p[0].name(), p[1].name(), ping).isTrue();
        }
    }
}
