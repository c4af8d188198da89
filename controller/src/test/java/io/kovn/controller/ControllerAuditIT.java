package io.kovn.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kovn.testing.OvnDaemons;
import io.kovn.testing.WithOvn;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The leader's periodic audit: an ovn-nbctl edit of a kovn row is counted in the metrics and repaired. */
@WithOvn
class ControllerAuditIT {
    private static final String LB = "Service_default/web_TCP";
    private final OvnDaemons ovn;

    ControllerAuditIT(OvnDaemons ovn) {
        this.ovn = ovn;
    }

    @Test
    void anNbctlEditIsCountedAndRepaired() throws Exception {
        try (MockKube kube = new MockKube(); KovnController controller = new KovnController(
                ControllerConfig.defaults(ovn.nbUnix()).toBuilder().auditInterval(Duration.ofMillis(500)).build(),
                kube.client)) {
            controller.start();
            kube.node("node-a", "192.168.50.11");
            kube.service("default", "web", "10.96.0.10", 80, 8080);
            await().atMost(Duration.ofSeconds(15)).until(() -> vips().equals("10.96.0.10:80=") && controller.idle());
            // an audit with nothing to find
            Thread.sleep(1500);
            assertThat(controller.metrics().scrape()).contains("kovn_nb_drift_rows{kind=\"all\"} 0.0")
                    .contains("kovn_nb_drift_rows_found_total 0.0");

            ovn.nbctl("set", "Load_Balancer", LB, "vips:\"10.96.0.10:80\"=\"192.0.2.1:8080\"");
            await().atMost(Duration.ofSeconds(10)).until(() -> vips().equals("10.96.0.10:80="));
            assertThat(controller.metrics().scrape()).contains("kovn_nb_drift_rows_found_total")
                    .doesNotContain("kovn_nb_drift_rows_found_total 0.0");
            await().atMost(Duration.ofSeconds(5)).until(() -> controller.metrics().scrape()
                    .contains("kovn_nb_drift_rows{kind=\"all\"} 0.0"));
        }
    }

    private String vips() {
        return ovn.nbctl("--bare", "--columns=vips", "find", "load_balancer", "name=\"" + LB + "\"");
    }
}
