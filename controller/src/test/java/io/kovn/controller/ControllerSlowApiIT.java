package io.kovn.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.kovn.testing.OvnDaemons;
import io.kovn.testing.WithOvn;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An API server that answers lists more slowly than the client waits: the informers keep retrying until the lists
 * come through, /healthz says which kinds are not synced meanwhile, and the controller then does its work.
 */
@WithOvn(northd = false)
class ControllerSlowApiIT {
    private static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(1);
    private final OvnDaemons ovn;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    ControllerSlowApiIT(OvnDaemons ovn) {
        this.ovn = ovn;
    }

    private HttpResponse<String> health(KovnController c) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + c.metricsPort() + "/healthz"))
                .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void informersOutlastSlowListsAndHealthSaysSoMeanwhile() throws Exception {
        try (MockKube kube = new MockKube(); KubernetesClient client = kube.newClient("kovn", CLIENT_TIMEOUT)) {
            kube.node("node-a", "192.168.50.11");
            kube.slowLists(null, CLIENT_TIMEOUT.multipliedBy(3));
            try (KovnController c = new KovnController(ControllerConfig.defaults(ovn.nbUnix()).withMetricsPort(0)
                    .withSyncTimeout(Duration.ofMinutes(1)), client)) {
                c.start();
                await().atMost(Duration.ofSeconds(10)).until(() -> kube.lists("nodes") >= 3); // listed, timed out, listed again
                HttpResponse<String> sick = health(c);
                assertThat(sick.statusCode()).isEqualTo(503);
                assertThat(sick.body()).contains("nodes informer: not synced", "pods informer: not synced");
                assertThat(ovn.nbctl("ls-list")).doesNotContain("(node-a)");

                kube.fastLists();
                await().atMost(Duration.ofSeconds(60)).until(() -> health(c).statusCode() == 200);
                assertThat(health(c).body()).isEqualTo("ok\n");
                await().atMost(Duration.ofSeconds(15)).until(() -> ovn.nbctl("ls-list").contains("(node-a)"));

                kube.node("node-b", "192.168.50.12"); // the watches run too
                await().atMost(Duration.ofSeconds(15)).until(() -> ovn.nbctl("ls-list").contains("(node-b)"));
            }
        }
    }

    @Test
    void healthSaysWhenNbIsUnreachable() throws Exception {
        try (MockKube kube = new MockKube()) {
            KovnController c = new KovnController(ControllerConfig.defaults(ovn.nbUnix()).withMetricsPort(0), kube.newClient());
            try (c) {
                c.start();
                await().atMost(Duration.ofSeconds(20)).until(() -> health(c).statusCode() == 200);
                List<String> seen = new ArrayList<>();
                ovn.killNb();
                try {
                    await().atMost(Duration.ofSeconds(20)).until(() -> {
                        HttpResponse<String> r = health(c);
                        seen.add(r.statusCode() + " " + r.body());
                        return r.statusCode() == 503 && r.body().contains("NB: not connected");
                    });
                } finally {
                    ovn.startNb();
                }
                await().atMost(Duration.ofSeconds(30)).until(() -> health(c).statusCode() == 200);
            }
        }
    }
}
