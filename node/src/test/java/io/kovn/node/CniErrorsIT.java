package io.kovn.node;

import static io.kovn.node.LabPods.code;
import static io.kovn.node.LabPods.json;
import static org.assertj.core.api.Assertions.assertThat;

import io.kovn.node.lab.CniExec;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Bad input and unavailable parts give the CNI spec's error codes, and leave nothing on the node. */
class CniErrorsIT extends NodeLabIT {
    @Override
    void configure(NodeAgentConfig.Builder b) {
        b.podAnnotationTimeout(Duration.ofSeconds(2));
    }

    private void assertNothingOnTheNode() {
        assertThat(pods.ovsInterfaces()).containsExactly("ovn-k8s-mp0");
        assertThat(pods.kovnVeths()).isEmpty();
    }

    @Test
    void badConfigurationAndArgumentsGiveTheSpecCodes() {
        pods.podWithNetwork("bad");
        LabPods.Sandbox s = pods.sandbox("bad");
        CniExec plugin = lab.plugin();
        String good = lab.pluginConfig("1.0.0");

        assertThat(code(pods.cniWithConfig("ADD", s, "{\"cniVersion\":"))).as("truncated JSON").isEqualTo(6);
        assertThat(code(pods.cniWithConfig("ADD", s, ""))).as("no config").isEqualTo(6);
        assertThat(code(pods.cniWithConfig("ADD", s, "{\"name\":\"kovn\",\"type\":\"kovn-cni\"}"))).as("no cniVersion")
                .isEqualTo(7);
        assertThat(code(pods.cniWithConfig("ADD", s, good.replace("\"name\":\"kovn\",", ""))))
                .as("no network name").isEqualTo(7);
        assertThat(code(pods.cni("ADD", s, "0.2.0"))).as("unsupported version").isEqualTo(1);
        assertThat(code(pods.cni("CHECK", s, "0.3.1"))).as("CHECK before 0.4.0").isEqualTo(1);

        Map<String, String> env = plugin.env("ADD", s.containerId(), s.netns().path(), "eth0", "default", "bad");
        env.remove("CNI_NETNS");
        assertThat(code(plugin.run(env, good))).as("no CNI_NETNS").isEqualTo(4);
        env = plugin.env("ADD", s.containerId(), s.netns().path(), "an-ifname-far-too-long", "default", "bad");
        assertThat(code(plugin.run(env, good))).as("bad CNI_IFNAME").isEqualTo(4);
        env = plugin.env("ADD", s.containerId(), s.netns().path(), "eth0", "default", "bad");
        env.put("CNI_ARGS", "K8S_POD_NAMESPACE=default");
        assertThat(code(plugin.run(env, good))).as("no K8S_POD_NAME").isEqualTo(4);
        env = plugin.env("ADD", s.containerId(), s.netns().path().resolveSibling("no-such-netns"), "eth0", "default",
                "bad");
        CniExec.Outcome noNetns = plugin.run(env, good);
        assertThat(code(noNetns)).as("CNI_NETNS that does not exist").isEqualTo(4);
        assertThat(json(noNetns).path("msg").asString()).contains("does not exist");
        env = plugin.env("FLY", s.containerId(), s.netns().path(), "eth0", "default", "bad");
        assertThat(code(plugin.run(env, good))).as("unknown command").isEqualTo(4);
        assertNothingOnTheNode();
    }

    @Test
    void aPodWithoutItsAnnotationTimesOutAsTryAgainLater() {
        lab.controller().addPod("node1", "default", "unannotated", false);
        LabPods.Sandbox s = pods.sandbox("unannotated");
        CniExec.Outcome o = pods.cni("ADD", s, "1.0.0");
        assertThat(code(o)).isEqualTo(11);
        assertThat(json(o).path("msg").asString()).contains("default/unannotated", "k8s.ovn.org/pod-networks");

        LabPods.Sandbox stranger = pods.sandbox("stranger");
        CniExec.Outcome unknown = pods.cni("ADD", stranger, "1.0.0");
        assertThat(code(unknown)).isEqualTo(11);
        assertThat(json(unknown).path("msg").asString()).contains("not known on this node");
        assertNothingOnTheNode();
    }

    @Test
    void withoutTheAgentAddIsTryAgainLaterAndDelSucceeds() {
        pods.podWithNetwork("later");
        LabPods.Sandbox s = pods.sandbox("later");
        lab.stopAgent();
        try {
            CniExec.Outcome add = pods.cni("ADD", s, "1.0.0");
            assertThat(code(add)).isEqualTo(11);
            assertThat(json(add).path("msg").asString()).contains("not running");
            CniExec.Outcome del = pods.cni("DEL", s, "1.0.0");
            assertThat(del.exitCode()).isZero();
            assertThat(del.stderr()).contains("DEL done without it");
        } finally {
            lab.startAgent();
        }
        LabPods.ok(pods.cni("ADD", s, "1.0.0"));
        LabPods.ok(pods.cni("DEL", s, "1.0.0"));
        assertNothingOnTheNode();
    }
}
