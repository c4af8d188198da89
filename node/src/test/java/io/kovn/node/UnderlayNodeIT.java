package io.kovn.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kovn.node.cni.CniInstaller;
import io.kovn.node.cni.VethNames;
import io.kovn.node.lab.CniExec;
import io.kovn.node.lab.NodeLab;
import io.kovn.node.underlay.PoolEntry;
import io.kovn.testing.Cleanup;
import io.kovn.testing.Netns;
import io.kovn.testing.VmOvs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * {@code kovn node --mode underlay} as an operator starts it: NodeMain in its own JVM (as the sandbox runs agents)
 * against a worker VM's OVS without OVN, with no Kubernetes API and no Southbound. The pool is seeded as the control
 * plane would, with ovs-vsctl; the installed plugin runs ADD and DEL through the agent's real socket.
 */
@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UnderlayNodeIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final String BRIDGE = "br-vm";

    private VmOvs vm;
    private Path dir;
    private Process agent;
    private int metricsPort;

    @BeforeAll
    void startAgent() throws IOException {
        vm = VmOvs.start("uvm", Duration.ofSeconds(15));
        for (int i = 1; i <= 2; i++) {
            vm.vsctl("set", "Open_vSwitch", ".", "external_ids:" + PoolEntry.KEY_PREFIX + "port-" + i + "=\"ip=10.0.1."
                    + (i + 2) + "/29,gw=10.0.1.1,mac=fa:16:3e:00:01:0" + i + ",tag=" + (100 + i) + ",used=\"");
        }
        dir = Files.createTempDirectory("kovn-underlay-");
        try (ServerSocket free = new ServerSocket(0)) {
            metricsPort = free.getLocalPort();
        }
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-Xmx192m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                NodeMain.class.getName(), "--mode", "underlay", "--underlay-pool-source", "local", "--node-name", "vm1", "--underlay-bridge", BRIDGE,
                "--ovsdb", vm.ovsdbRemote(), "--datapath-type", "netdev", "--mtu", "1500",
                "--host-netns", vm.netns().path().toString(), "--cni-socket", socket().toString(),
                "--cni-conf-dir", dir.resolve("net.d").toString(), "--cni-bin-dir", dir.resolve("bin").toString(),
                "--cni-plugin-source", NodeLab.checkoutRoot().toString(),
                "--metrics-port", Integer.toString(metricsPort), "--metrics-bind-address", "127.0.0.1"));
        agent = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("agent.out").toFile())
                .start();
        await().atMost(TIMEOUT).until(() -> {
            assertThat(agent.isAlive()).as("the agent is running; its output:\n%s", agentOutput()).isTrue();
            return Files.exists(dir.resolve("net.d").resolve(CniInstaller.CONFLIST));
        });
    }

    @AfterAll
    void stop() throws InterruptedException {
        if (agent != null) {
            agent.destroy();
            if (!agent.waitFor(10, TimeUnit.SECONDS)) {
                agent.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
        if (vm != null) {
            vm.close();
        }
        if (dir != null) {
            Cleanup.deleteTree(dir);
        }
    }

    private Path socket() {
        return dir.resolve("run/cni-server.sock");
    }

    private String agentOutput() {
        try {
            return Files.readString(dir.resolve("agent.out"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private CniExec.Outcome cni(String command, String pod, Path netns) {
        CniExec plugin = new CniExec(dir.resolve("bin").resolve(CniInstaller.PLUGIN));
        String config = "{\"cniVersion\":\"1.0.0\",\"name\":\"kovn\",\"type\":\"kovn-cni\",\"serverSocket\":\""
                + socket() + "\"}";
        return plugin.run(plugin.env(command, "c-" + pod, netns, "eth0", "default", pod), config);
    }

    private String cached(String portId) {
        return vm.vsctl("get", "Open_vSwitch", ".", "external_ids:" + PoolEntry.KEY_PREFIX + portId).replace("\"", "");
    }

    @Test
    void theAgentServesAddAndDelFromThePoolAndWritesNothingOfOvn() throws Exception {
        Netns pod = vm.createPod("pa");
        CniExec.Outcome add = cni("ADD", "pa", pod.path());

        assertThat(add.exitCode()).as("ADD: %s %s", add.stdout(), add.stderr()).isZero();
        JsonNode result = new ObjectMapper().readTree(add.stdout());
        assertThat(result.path("ips").get(0).path("address").asString()).isEqualTo("10.0.1.3/29");
        assertThat(result.path("ips").get(0).path("gateway").asString()).isEqualTo("10.0.1.1");
        String veth = VethNames.hostVeth("c-pa", "eth0");
        assertThat(vm.vsctl("get", "Port", veth, "tag")).isEqualTo("101");
        assertThat(vm.vsctl("port-to-br", veth)).isEqualTo(BRIDGE);
        assertThat(cached("port-1")).endsWith("used=c-pa/eth0");
        assertThat(pod.ip("-o", "-4", "addr", "show", "dev", "eth0")).contains("10.0.1.3/29");

        assertThat(vm.vsctl("list-br")).isEqualTo(BRIDGE);
        assertThat(vm.vsctl("get", "Bridge", BRIDGE, "fail_mode")).isEqualTo("standalone");
        assertThat(vm.vsctl("get", "Bridge", BRIDGE, "external_ids:\"kovn.io/owner\"")).isEqualTo("vm1");
        assertThat(vm.vsctl("list-ports", BRIDGE)).doesNotContain("ovn-k8s-mp0");
        assertThat(vm.vsctl("get", "Open_vSwitch", ".", "external_ids")).as("no key of ovn-controller or the API")
                .doesNotContainPattern("(\\{|, )(ovn-|system-id|hostname|k8s-)").contains(PoolEntry.KEY_PREFIX);
        HttpResponse<String> health = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + metricsPort + "/healthz")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).as(health.body()).isEqualTo(200);

        CniExec.Outcome del = cni("DEL", "pa", pod.path());
        assertThat(del.exitCode()).as("DEL: %s %s", del.stdout(), del.stderr()).isZero();
        assertThat(vm.vsctl("list-ports", BRIDGE)).doesNotContain(veth);
        assertThat(cached("port-1")).endsWith("used=");
    }
}
