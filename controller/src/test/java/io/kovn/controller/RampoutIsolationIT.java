package io.kovn.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.kovn.ovn.annotations.GatewayConfig;
import io.kovn.ovn.net.MacAddress;
import io.kovn.testing.OvnDaemons;
import io.kovn.testing.WithOvn;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** One gateway node's bad rampout-ip-subnets entry fails that node alone: the other gateways are still built. */
@WithOvn(northd = false)
class RampoutIsolationIT {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private final OvnDaemons ovn;

    RampoutIsolationIT(OvnDaemons ovn) {
        this.ovn = ovn;
    }

    private static void gateway(MockKube kube, String node, String ip, List<String> rampout) {
        GatewayConfig gw = new GatewayConfig("shared", "breth0_" + ip, MacAddress.fromIpv4(ip), List.of(ip + "/24"),
                List.of("172.18.0.1"), true, rampout);
        // the controller patches the node's annotations too: retry a conflicting edit
        await().atMost(WAIT).ignoreExceptionsInstanceOf(KubernetesClientException.class).until(() -> {
            kube.client.nodes().withName(node).edit(n -> {
                n.getMetadata().getAnnotations().put(GatewayConfig.ANNOTATION, gw.toJson());
                n.getMetadata().getAnnotations().put(GatewayConfig.CHASSIS_ANNOTATION, "chassis-" + node);
                return n;
            });
            return true;
        });
    }

    @Test
    void aBadRampoutEntryFailsOnlyItsOwnNode() throws Exception {
        try (MockKube kube = new MockKube();
             KovnController c = new KovnController(ControllerConfig.defaults(ovn.nbUnix()), kube.newClient())) {
            for (String n : List.of("node-a", "node-b", "node-c")) {
                kube.node(n, "192.168.50." + (n.charAt(5) - 'a' + 11));
            }
            c.start();
            await().atMost(WAIT).until(() -> ovn.nbctl("ls-list").contains("(node-c)"));
            gateway(kube, "node-c", "172.18.0.4", List.of("10.244.0.0/24", "not-a-cidr"));
            gateway(kube, "node-a", "172.18.0.2", List.of());
            gateway(kube, "node-b", "172.18.0.3", List.of());

            await().atMost(WAIT).untilAsserted(() -> assertThat(ovn.nbctl("lr-list")).contains("GR_node-a", "GR_node-b"));
            await().atMost(WAIT).untilAsserted(() -> {
                List<Event> events = kube.client.v1().events().inNamespace("default").list().getItems();
                assertThat(events).anySatisfy(e -> {
                    assertThat(e.getInvolvedObject().getName()).isEqualTo("node-c");
                    assertThat(e.getReason()).isEqualTo("NetworkSetupFailed");
                    assertThat(e.getMessage()).contains("rampout-ip-subnets: \"not-a-cidr\" is not an IPv4 CIDR");
                });
            });
            assertThat(ovn.nbctl("lr-list")).doesNotContain("GR_node-c");

            gateway(kube, "node-c", "172.18.0.4", List.of()); // mended: built too
            await().atMost(WAIT).untilAsserted(() -> assertThat(ovn.nbctl("lr-list")).contains("GR_node-c"));
        }
    }
}
