package io.kovn.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.kovn.node.lab.CniExec;
import io.kovn.node.lab.NodeLab;
import io.kovn.node.cni.VethNames;
import io.kovn.ovn.annotations.PodNetwork;
import io.kovn.testing.Exec;
import io.kovn.testing.Netns;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Pods on a {@link NodeLab} node, and runtime-like calls of the plugin for them. */
final class LabPods {
    static final JsonMapper JSON = JsonMapper.builder().build();
    private final NodeLab lab;

    LabPods(NodeLab lab) {
        this.lab = lab;
    }

    /** A pod's sandbox: its namespace and the container id a runtime would use. */
    record Sandbox(String namespace, String name, String containerId, Netns netns) {
        String hostVeth() {
            return VethNames.hostVeth(containerId, "eth0");
        }
    }

    Sandbox sandbox(String name) {
        return new Sandbox("default", name, "c0ffee-" + name, lab.node().createPod(name));
    }

    /** The pod in the API with its logical port and annotation, as the controller makes them. */
    PodNetwork podWithNetwork(String name) {
        lab.controller().addPod(lab.config().nodeName(), "default", name, false);
        return lab.controller().connect(lab.config().nodeName(), "default", name);
    }

    CniExec.Outcome cni(String command, Sandbox s, String version) {
        return cniWithConfig(command, s, lab.pluginConfig(version));
    }

    CniExec.Outcome cni(String command, Sandbox s, String version, String extraConfig) {
        String conf = lab.pluginConfig(version);
        return cniWithConfig(command, s, conf.substring(0, conf.length() - 1) + "," + extraConfig + "}");
    }

    CniExec.Outcome cniWithConfig(String command, Sandbox s, String config) {
        CniExec plugin = lab.plugin();
        return plugin.run(plugin.env(command, s.containerId(), s.netns().path(), "eth0", s.namespace(), s.name()),
                config);
    }

    static JsonNode json(CniExec.Outcome o) {
        return JSON.readTree(o.stdout());
    }

    static CniExec.Outcome ok(CniExec.Outcome o) {
        assertThat(o.exitCode()).as("stdout %s stderr %s", o.stdout(), o.stderr()).isZero();
        return o;
    }

    /** The spec error code of a failed invocation. */
    static int code(CniExec.Outcome o) {
        assertThat(o.exitCode()).as(o.stdout()).isEqualTo(1);
        return json(o).path("code").asInt();
    }

    /** Nothing of the sandbox left: no OVS interface, no host veth, no eth0 in the pod. */
    void assertGone(Sandbox s) {
        assertThat(ovsInterfaces()).doesNotContain(s.hostVeth());
        assertThat(lab.node().netns().run(List.of("ip", "link", "show", s.hostVeth())).ok()).isFalse();
        assertThat(s.netns().run(List.of("ip", "link", "show", "eth0")).ok()).isFalse();
    }

    /** Names of br-int's interfaces other than br-int itself. */
    List<String> ovsInterfaces() {
        return Arrays.stream(lab.node().vsctl("list-ifaces", "br-int").split("\n")).filter(s -> !s.isBlank()).toList();
    }

    /** Host veths with kovn's names. */
    List<String> kovnVeths() {
        return Arrays.stream(lab.node().netns().ip("-o", "link", "show", "type", "veth").split("\n"))
                .filter(l -> l.contains(": kv")).toList();
    }

    /** A line sent from {@code client} to {@code ip:port} arrives at a listener in {@code server}. */
    static void tcp(Netns server, Netns client, String ip, int port) throws Exception {
        Process listener = new ProcessBuilder(server.inside(List.of("nc", "-l", "-p", Integer.toString(port)))).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!server.run(List.of("ss", "-ltn")).out().contains(":" + port + " ")) {
                assertThat(System.nanoTime()).as("listener up").isLessThan(deadline);
                Thread.sleep(20);
            }
            Exec.Result r = client.run(List.of("bash", "-c", "echo kovn-tcp | nc -N -w 5 " + ip + " " + port),
                    Map.of(), Duration.ofSeconds(10));
            assertThat(r.exitCode()).as(r.stderr()).isZero();
            assertThat(listener.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(new String(listener.getInputStream().readAllBytes())).contains("kovn-tcp");
        } finally {
            listener.destroyForcibly();
        }
    }
}
