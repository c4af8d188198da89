package io.kovn.node;

import static io.kovn.node.LabPods.code;
import static io.kovn.node.LabPods.json;
import static io.kovn.node.LabPods.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kovn.node.lab.CniExec;
import io.kovn.ovn.annotations.PodNetwork;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Races and leftovers: deletion during ADD, DEL during ADD, pods gone without DEL, 50 pods at once. */
class PodLifecycleIT extends NodeLabIT {
    @Override
    void configure(NodeAgentConfig.Builder b) {
        b.metricsPort(0); // the test reads kovn_cni_requests_in_progress
    }

    /** Waits until the ADD has plugged its port (it then waits for ovn-installed, which never comes). */
    private void awaitPlugged(LabPods.Sandbox s) {
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                .until(() -> pods.ovsInterfaces().contains(s.hostVeth()));
    }

    @Test
    void aPodDeletedWhileItsAddWaitsForTheAnnotationLeavesNothing() throws Exception {
        lab.controller().addPod("node1", "default", "early", false);
        LabPods.Sandbox s = pods.sandbox("early");
        CompletableFuture<CniExec.Outcome> add = CompletableFuture.supplyAsync(() -> pods.cni("ADD", s, "1.0.0"));
        // deleted once the agent holds the ADD (the plugin's JVM may take seconds to start on a loaded machine)
        await().atMost(Duration.ofSeconds(30)).until(() -> addsInProgress() == 1);
        lab.controller().deletePod("default", "early");
        CniExec.Outcome o = add.get();
        assertThat(code(o)).isEqualTo(100);
        assertThat(json(o).path("msg").asString()).contains("was deleted");
        pods.assertGone(s);
    }

    @Test
    void aPodDeletedWhileItsAddWaitsForOvnControllerLeavesNothing() throws Exception {
        lab.controller().addPod("node1", "default", "midway", false);
        lab.controller().connectForAnotherChassis("node1", "default", "midway");
        LabPods.Sandbox s = pods.sandbox("midway");
        CompletableFuture<CniExec.Outcome> add = CompletableFuture.supplyAsync(() -> pods.cni("ADD", s, "1.0.0"));
        awaitPlugged(s);
        lab.controller().deletePod("default", "midway");
        assertThat(code(add.get())).isEqualTo(100);
        pods.assertGone(s);
    }

    @Test
    void aDelDuringTheAddUndoesItAndSucceeds() throws Exception {
        lab.controller().addPod("node1", "default", "undo", false);
        lab.controller().connectForAnotherChassis("node1", "default", "undo");
        LabPods.Sandbox s = pods.sandbox("undo");
        CompletableFuture<CniExec.Outcome> add = CompletableFuture.supplyAsync(() -> pods.cni("ADD", s, "1.0.0"));
        awaitPlugged(s);
        ok(pods.cni("DEL", s, "1.0.0"));
        CniExec.Outcome o = add.get();
        assertThat(code(o)).isEqualTo(100);
        assertThat(json(o).path("msg").asString()).contains("DEL");
        pods.assertGone(s);
    }

    @Test
    void leftoversOfPodsGoneWithoutDelAreSweptAlsoAtAgentStart() {
        pods.podWithNetwork("orphan1");
        pods.podWithNetwork("orphan2");
        LabPods.Sandbox s1 = pods.sandbox("orphan1");
        LabPods.Sandbox s2 = pods.sandbox("orphan2");
        ok(pods.cni("ADD", s1, "1.0.0"));
        ok(pods.cni("ADD", s2, "1.0.0"));
        lab.node().netns().ip("link", "add", "kv0123456789ab", "type", "veth", "peer", "name", "stray");

        lab.controller().deletePod("default", "orphan1");
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            lab.agent().sweepLeftovers();
            return !pods.ovsInterfaces().contains(s1.hostVeth());
        });
        pods.assertGone(s1);
        assertThat(pods.kovnVeths()).noneMatch(l -> l.contains("kv0123456789ab"));
        assertThat(pods.ovsInterfaces()).contains(s2.hostVeth());

        lab.stopAgent();
        lab.controller().deletePod("default", "orphan2");
        lab.startAgent();
        pods.assertGone(s2);
    }

    @Test
    void fiftyConcurrentAddsThenDelsAllSucceed() throws Exception {
        int n = 50;
        List<PodNetwork> nets = new ArrayList<>();
        List<LabPods.Sandbox> boxes = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            nets.add(pods.podWithNetwork("many" + i));
            boxes.add(pods.sandbox("many" + i));
        }
        ExecutorService runtime = Executors.newFixedThreadPool(n);
        try {
            List<CompletableFuture<CniExec.Outcome>> adds = IntStream.range(0, n).mapToObj(i ->
                    CompletableFuture.supplyAsync(() -> pods.cni("ADD", boxes.get(i), "1.0.0"), runtime)).toList();
            List<String> veths = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                veths.add(json(ok(adds.get(i).get())).path("interfaces").get(0).path("name").asString());
            }
            assertThat(new HashSet<>(veths)).hasSize(n);
            assertThat(pods.ovsInterfaces()).containsAll(veths);
            boxes.get(0).netns().exec("ping", "-c", "1", "-W", "2", nets.get(n - 1).ip());
            boxes.get(n - 1).netns().exec("ping", "-c", "1", "-W", "2", nets.get(n / 2).ip());

            List<CompletableFuture<CniExec.Outcome>> dels = IntStream.range(0, n).mapToObj(i ->
                    CompletableFuture.supplyAsync(() -> pods.cni("DEL", boxes.get(i), "1.0.0"), runtime)).toList();
            for (CompletableFuture<CniExec.Outcome> d : dels) {
                ok(d.get());
            }
        } finally {
            runtime.shutdown();
        }
        assertThat(pods.ovsInterfaces()).doesNotContainAnyElementsOf(boxes.stream().map(LabPods.Sandbox::hostVeth).toList());
        assertThat(pods.kovnVeths()).isEmpty();
    }

    /** {@code kovn_cni_requests_in_progress{command="ADD"}} as the agent's /metrics says. */
    private int addsInProgress() throws Exception {
        HttpResponse<String> scrape = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                "http://127.0.0.1:" + lab.agent().metricsPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        Matcher m = Pattern.compile("kovn_cni_requests_in_progress\\{command=\"ADD\",?\\} ([0-9.]+)").matcher(scrape.body());
        return m.find() ? (int) Double.parseDouble(m.group(1)) : 0;
    }
}
