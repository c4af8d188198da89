package io.kovn.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import io.kovn.ovn.net.Ipv4Cidr;
import io.kovn.testing.OvnDaemons;
import io.kovn.testing.WithOvn;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Exhausted ranges are reported as Kubernetes Events on the object, naming the range. */
@WithOvn
class ControllerEventsIT {
    private final OvnDaemons ovn;

    ControllerEventsIT(OvnDaemons ovn) {
        this.ovn = ovn;
    }

    @Test
    void subnetAndAddressExhaustionBecomeEvents() throws Exception {
        try (MockKube kube = new MockKube();
             KovnController c = new KovnController(ControllerConfig.defaults(ovn.nbUnix())
                     .withClusterSubnet(Ipv4Cidr.parse("10.250.0.0/28"), 29), kube.newClient())) {
            c.start();
            kube.node("n1", "192.168.50.1");
            kube.node("n2", "192.168.50.2");
            kube.node("n3", "192.168.50.3");
            await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
                List<Event> events = kube.client.v1().events().inNamespace("default").list().getItems();
                assertThat(events).anySatisfy(e -> {
                    assertThat(e.getInvolvedObject().getName()).isEqualTo("n3");
                    assertThat(e.getReason()).isEqualTo("AddressesExhausted");
                    assertThat(e.getMessage()).contains("10.250.0.0/28");
                });
            });
            // a /29 node subnet has 8 addresses: network, gateway, management, broadcast leave 4 for pods
            for (int i = 0; i < 5; i++) {
                kube.pod("default", "p-" + i, "n1");
            }
            await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
                List<Event> events = kube.client.v1().events().inNamespace("default").list().getItems();
                assertThat(events).anySatisfy(e -> {
                    assertThat(e.getInvolvedObject().getKind()).isEqualTo("Pod");
                    assertThat(e.getReason()).isEqualTo("AddressesExhausted");
                    assertThat(e.getMessage()).contains("no free pod address").contains("/29");
                });
            });
            assertThat(c.metrics().scrape()).containsPattern("kovn_reconcile_errors_total\\{kind=\"pod\"} [1-9]");
        }
    }
}
