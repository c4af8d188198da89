package io.kovn.node;

import static io.kovn.node.LabPods.json;
import static io.kovn.node.LabPods.ok;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.PodBuilder;
import io.kovn.node.lab.CniExec;
import io.kovn.ovn.annotations.PodNetwork;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * A pod's creator can write its {@value PodNetwork#ANNOTATION} annotation; the agent plumbs only what the
 * controller put into OVN (the Southbound Port_Binding of the pod's port), and nothing of a hostile annotation
 * reaches the node's or the pod's interfaces.
 */
class HostileAnnotationIT extends NodeLabIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(4);

    @Override
    void configure(NodeAgentConfig.Builder b) {
        b.podAnnotationTimeout(TIMEOUT);
    }

    /** Overwrites the annotation as the pod's creator could, and gives the agent's informer time to see it. */
    private void annotate(String name, String value) throws InterruptedException {
        lab.api().client().pods().inNamespace("default").withName(name).edit(p -> new PodBuilder(p).editMetadata()
                .addToAnnotations(PodNetwork.ANNOTATION, value).endMetadata().build());
        Thread.sleep(500);
    }

    private List<String> nodeLinks() {
        return lab.node().netns().ip("-o", "link", "show").lines().map(l -> l.split(":")[1].trim()).sorted().toList();
    }

    @Test
    void anAnnotationThatDisagreesWithOvnFailsAddNamingItAndPlumbsNothing() throws Exception {
        PodNetwork real = pods.podWithNetwork("liar");
        String other = real.ip().substring(0, real.ip().lastIndexOf('.')) + ".200";
        String forged = real.toJson().replace(real.ip(), other);
        annotate("liar", forged);
        LabPods.Sandbox s = pods.sandbox("liar");
        List<String> linksBefore = nodeLinks();

        long t0 = System.nanoTime();
        CniExec.Outcome add = pods.cni("ADD", s, "1.0.0");
        assertThat(LabPods.code(add)).isEqualTo(11);
        String msg = json(add).path("msg").asString();
        assertThat(msg).contains("pod default/liar", "annotation (" + other + "/24", "does not match what the controller put into OVN",
                real.ip(), "default_liar");
        assertThat(json(add).path("details").asString()).contains("nothing was plumbed", "Port_Binding of default_liar",
                "options:iface-id-ver=");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(TIMEOUT);
        pods.assertGone(s);
        assertThat(nodeLinks()).isEqualTo(linksBefore);
    }

    @Test
    void injectedCommandsInTheAnnotationNeverRunAndTheControllersAnnotationIsPlumbedOnceItArrives() throws Exception {
        PodNetwork real = pods.podWithNetwork("inject");
        String mac = real.macAddress().toString();
        String gw = real.gatewayIp().toString();
        String hostile = real.toJson().replace("\"" + mac + "\"", "\"" + mac + "\\nlink set dev lo down\\n#\"")
                .replace("\"gateway_ips\":[\"" + gw + "\"]", "\"gateway_ips\":[\"" + gw
                        + "\\nlink add evil0 type veth peer name evil1\"]");
        annotate("inject", hostile);
        LabPods.Sandbox s = pods.sandbox("inject");
        s.netns().ip("link", "set", "lo", "up");
        List<String> linksBefore = nodeLinks();

        CniExec.Outcome refused = pods.cni("ADD", s, "1.0.0");
        assertThat(LabPods.code(refused)).isEqualTo(11);
        assertThat(json(refused).path("msg").asString()).contains("annotation is unreadable", "gateway_ips", "is not an IPv4 address").doesNotContain("\n");
        pods.assertGone(s);
        assertThat(s.netns().ip("-o", "link", "show", "lo")).contains("UP");
        assertThat(s.netns().ip("-o", "link", "show")).doesNotContain("evil");
        assertThat(nodeLinks()).isEqualTo(linksBefore).noneMatch(l -> l.contains("evil"));

        // the controller replaces the annotation while an ADD waits: that ADD plumbs the controller's address
        CompletableFuture<CniExec.Outcome> add = CompletableFuture.supplyAsync(() -> pods.cni("ADD", s, "1.0.0"));
        Thread.sleep(500);
        annotate("inject", real.toJson());
        CniExec.Outcome o = ok(add.get());
        assertThat(json(o).path("ips").get(0).path("address").asString()).isEqualTo(real.ipAddress().toString());
        assertThat(s.netns().ip("-o", "link", "show", "lo")).contains("UP");
        lab.node().netns().exec("ping", "-c", "1", "-W", "2", real.ip());
        ok(pods.cni("DEL", s, "1.0.0"));
        pods.assertGone(s);
    }
}
