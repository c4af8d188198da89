package io.kovn.node;

import static io.kovn.node.LabPods.json;
import static io.kovn.node.LabPods.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Pod;
import io.kovn.node.bench.CniExec;
import io.kovn.node.bench.NodeLab;
import io.kovn.node.cni.VethNames;
import io.kovn.ovn.annotations.PodNetwork;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Pre-plugging: a pod's port is on br-int and installed by ovn-controller before its ADD; ADD moves the ready
 * interface into the sandbox. Real daemons, the real plugin.
 */
@Tag("integration")
class PrePlugIT {
    static final Duration WAIT = Duration.ofSeconds(20);
    static NodeLab lab;
    static LabPods pods;

    @BeforeAll
    static void start() {
        lab = NodeLab.start("node1", b -> { });
        pods = new LabPods(lab);
    }

    @AfterAll
    static void stop() {
        if (lab != null) {
            lab.close();
        }
    }

    static String prePlugged(Pod p) {
        return VethNames.hostVeth("pod:" + p.getMetadata().getUid(), "pre-plug");
    }

    /** The pod's port exists on br-int, ovn-installed, marked pre-plugged, before any ADD. */
    static void awaitPrePlugged(String hostVeth) {
        await().atMost(WAIT).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> assertThat(
                lab.node().netns().run(List.of("ovs-vsctl", "--db=" + lab.node().ovsdbRemote(), "get", "interface",
                        hostVeth, "external_ids")).out()).contains("ovn-installed=\"true\"", "\"kovn.io/pre-plugged\"=\"true\""));
    }

    Pod podWithNetwork(String name) {
        Pod p = lab.controller().addPod("node1", "default", name, false);
        lab.controller().connect("node1", "default", name);
        return p;
    }

    @Test
    void addTakesThePrePluggedPortAndThePodsTalk() throws Exception {
        Pod p1 = podWithNetwork("pre1");
        Pod p2 = podWithNetwork("pre2");
        String h1 = prePlugged(p1);
        awaitPrePlugged(h1);
        awaitPrePlugged(prePlugged(p2));
        String podEnd = VethNames.podEnd(p1.getMetadata().getUid());
        assertThat(lab.node().netns().ip("-o", "link", "show", "dev", podEnd)).as("the pod end waits, down")
                .contains("state DOWN");

        LabPods.Sandbox s1 = pods.sandbox("pre1");
        LabPods.Sandbox s2 = pods.sandbox("pre2");
        JsonNode r = json(ok(pods.cni("ADD", s1, "1.0.0")));
        PodNetwork n1 = PodNetwork.parse(lab.api().client().pods().inNamespace("default").withName("pre1").get()
                .getMetadata().getAnnotations().get(PodNetwork.ANNOTATION));
        assertThat(r.path("interfaces").get(0).path("name").asString()).isEqualTo(h1);
        assertThat(r.path("interfaces").get(1).path("name").asString()).isEqualTo("eth0");
        assertThat(r.path("interfaces").get(1).path("mac").asString()).isEqualTo(n1.macAddress());
        assertThat(r.path("ips").get(0).path("address").asString()).isEqualTo(n1.ipAddress());
        ok(pods.cni("ADD", s2, "0.4.0"));

        assertThat(lab.node().netns().run(List.of("ip", "link", "show", "dev", podEnd)).ok())
                .as("the pod end left the host").isFalse();
        assertThat(s1.netns().ip("-o", "link", "show", "eth0")).contains("mtu 1400", n1.macAddress());
        assertThat(s1.netns().exec("ethtool", "-k", "eth0").out()).contains("tx-checksumming: off");
        assertThat(s1.netns().ip("route")).contains("default via 10.244.1.1 dev eth0");
        String ids = lab.node().vsctl("get", "interface", h1, "external_ids");
        assertThat(ids).contains("iface-id=default_pre1", "sandbox=c0ffee-pre1", "ovn-installed=\"true\"")
                .doesNotContain("pre-plugged");

        PodNetwork n2 = PodNetwork.parse(lab.api().client().pods().inNamespace("default").withName("pre2").get()
                .getMetadata().getAnnotations().get(PodNetwork.ANNOTATION));
        s1.netns().exec("ping", "-c", "2", "-i", "0.2", "-W", "2", n2.ip());
        LabPods.tcp(s2.netns(), s1.netns(), n2.ip(), 8080);
        lab.node().netns().exec("ping", "-c", "2", "-i", "0.2", "-W", "2", n1.ip());

        ok(pods.cni("CHECK", s1, "1.0.0", "\"prevResult\":" + r));
        ok(pods.cni("DEL", s1, "1.0.0"));
        ok(pods.cni("DEL", s2, "0.4.0"));
        assertThat(pods.ovsInterfaces()).doesNotContain(h1, prePlugged(p2));
        assertThat(pods.kovnVeths()).noneMatch(l -> l.contains(h1) || l.contains(prePlugged(p2)));
        assertThat(s1.netns().run(List.of("ip", "link", "show", "eth0")).ok()).isFalse();
    }

    @Test
    void aPodDeletedBeforeItsAddLosesItsPrePluggedPort() {
        Pod p = podWithNetwork("gone");
        String h = prePlugged(p);
        awaitPrePlugged(h);
        lab.controller().deletePod("default", "gone");
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(pods.ovsInterfaces()).doesNotContain(h);
            assertThat(pods.kovnVeths()).noneMatch(l -> l.contains(h));
        });
    }

    @Test
    void aRestartedAgentReplacesThePortsItPrePluggedBefore() {
        Pod p = podWithNetwork("again");
        String h = prePlugged(p);
        awaitPrePlugged(h);
        String before = lab.node().vsctl("get", "interface", h, "_uuid");
        lab.stopAgent();
        lab.startAgent();
        await().atMost(WAIT).untilAsserted(() -> assertThat(lab.node().vsctl("--if-exists", "get", "interface", h,
                "_uuid")).isNotBlank().isNotEqualTo(before));
        awaitPrePlugged(h);
        assertThat(lab.node().vsctl("--bare", "--columns=name", "find", "interface",
                "external_ids:iface-id=default_again").trim()).as("one port per pod, never two").isEqualTo(h);
        LabPods.Sandbox s = pods.sandbox("again");
        ok(pods.cni("ADD", s, "1.0.0"));
        ok(pods.cni("DEL", s, "1.0.0"));
        lab.controller().deletePod("default", "again");
    }

    @Test
    void twentyAddsAtOnceRightAfterTheAnnotationsAllSucceed() throws Exception {
        List<LabPods.Sandbox> boxes = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            podWithNetwork("many" + i);
            boxes.add(pods.sandbox("many" + i));
        }
        ExecutorService pool = Executors.newFixedThreadPool(20);
        try {
            List<CompletableFuture<CniExec.Outcome>> adds = boxes.stream().map(s ->
                    CompletableFuture.supplyAsync(() -> pods.cni("ADD", s, "1.0.0"), pool)).toList();
            for (CompletableFuture<CniExec.Outcome> f : adds) {
                ok(f.get());
            }
            for (LabPods.Sandbox s : boxes) {
                assertThat(lab.node().vsctl("--bare", "--columns=name", "find", "interface",
                        "external_ids:iface-id=default_" + s.name()).trim().split("\\s+"))
                        .as("exactly one port for " + s.name()).hasSize(1);
            }
            List<CompletableFuture<CniExec.Outcome>> dels = boxes.stream().map(s ->
                    CompletableFuture.supplyAsync(() -> pods.cni("DEL", s, "1.0.0"), pool)).toList();
            for (CompletableFuture<CniExec.Outcome> f : dels) {
                ok(f.get());
            }
        } finally {
            pool.shutdownNow();
        }
        for (LabPods.Sandbox s : boxes) {
            assertThat(lab.node().vsctl("--bare", "--columns=name", "find", "interface",
                    "external_ids:iface-id=default_" + s.name()).trim()).isEmpty();
        }
    }
}
