package io.kovn.sandbox.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.PodBuilder;
import io.kovn.ovn.annotations.PodNetwork;
import io.kovn.sandbox.Sandbox;
import io.kovn.sandbox.standins.RuntimePod;
import io.kovn.testing.Exec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * A pod created with a hostile {@value PodNetwork#ANNOTATION} (ip -batch commands after newlines in mac_address
 * and gateway_ips, as found in the review) gets the controller's own allocation and works; the injected text
 * never reaches the node's or the pod's interfaces.
 */
@Tag("integration")
@Tag("e2e")
@ResourceLock("kovn-sandbox")
@ExtendWith(SharedSandbox.class)
class HostileAnnotationE2ETest {
    private static final String HOSTILE = "{\"default\":{\"ip_addresses\":[\"10.244.0.200/24\"],"
            + "\"mac_address\":\"0a:58:0a:f4:00:c8\\nlink set dev lo down\\n#\","
            + "\"gateway_ips\":[\"10.244.0.1\\nlink add kvevil0 type veth peer name kvevil1\\n#\"]}}";
    private static Pods pods;

    @BeforeAll
    static void namespace() {
        pods = new Pods(SharedSandbox.sandbox(), "e2e-hostile");
    }

    @AfterAll
    static void cleanUp() {
        pods.deleteAll();
    }

    private static String ipLinks(Path netns) {
        Exec.Result r = Exec.run(List.of("nsenter", "--net=" + netns, "ip", "-o", "link", "show"), Map.of(), null,
                Duration.ofSeconds(10));
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        return r.out();
    }

    private static String lo(String links) {
        return links.lines().filter(l -> l.contains(": lo:")).findFirst().orElse("");
    }

    @Test
    void aPodWithAnInjectingAnnotationGetsTheControllersAllocationAndWorks() {
        Sandbox s = SharedSandbox.sandbox();
        String n1 = s.nodeNames().get(0);
        String n2 = s.nodeNames().get(1);
        Path node1 = s.nodeNetns(n1).path();
        assertThat(lo(ipLinks(node1))).contains("UP");

        pods.client().pods().inNamespace(pods.namespace()).resource(new PodBuilder().withNewMetadata()
                .withName("hostile").withNamespace(pods.namespace()).addToAnnotations(PodNetwork.ANNOTATION, HOSTILE)
                .endMetadata().withNewSpec().withNodeName(n1).addNewContainer().withName("echo").addNewPort()
                .withContainerPort(Pods.TCP).endPort().endContainer().endSpec().build()).create();
        pods.echo("peer", n2, Map.of());
        RuntimePod hostile = pods.awaitReady("hostile");
        RuntimePod peer = pods.awaitReady("peer");

        String annotation = pods.client().pods().inNamespace(pods.namespace()).withName("hostile").get().getMetadata()
                .getAnnotations().get(PodNetwork.ANNOTATION);
        PodNetwork net = PodNetwork.parse(annotation);
        assertThat(s.nbctl("lsp-get-addresses", pods.namespace() + "_hostile"))
                .isEqualTo(net.macAddress() + " " + net.ip());
        assertThat(hostile.ip()).isEqualTo(net.ip());
        assertThat(pods.client().v1().events().inNamespace(pods.namespace()).list().getItems())
                .anySatisfy(e -> assertThat(e.getReason()).isEqualTo("InvalidPodNetworkAnnotation"));

        assertThat(Pods.tcpOk(peer, hostile.ip()).answer()).isEqualTo("e2e-hostile/hostile");
        assertThat(Pods.tcpOk(hostile, peer.ip()).answer()).isEqualTo("e2e-hostile/peer");

        String nodeLinks = ipLinks(node1);
        assertThat(lo(nodeLinks)).as("the node's lo").contains("UP");
        assertThat(nodeLinks).doesNotContain("kvevil");
        String podLinks = ipLinks(hostile.netnsPath());
        assertThat(podLinks).doesNotContain("kvevil");
        assertThat(podLinks.lines().count()).as("the pod has lo and eth0 only: %s", podLinks).isEqualTo(2);
    }
}
