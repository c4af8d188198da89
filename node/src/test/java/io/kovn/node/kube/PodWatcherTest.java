package io.kovn.node.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.time.Duration;
import java.util.HashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The agent's pods informer outlasts an API server that answers its first lists too slowly. */
class PodWatcherTest {

    /** Answers the first {@code slow} pod lists after a delay longer than the client waits. */
    private static final class SlowFirstLists extends KubernetesCrudDispatcher {
        final AtomicInteger lists = new AtomicInteger();
        private final int slow;

        SlowFirstLists(int slow) {
            this.slow = slow;
        }

        @Override
        public MockResponse dispatch(RecordedRequest request) {
            MockResponse response = super.dispatch(request);
            String path = request.getPath();
            if ("GET".equals(request.getMethod()) && path.startsWith("/api/v1/pods?") && !path.contains("watch=true")
                    && lists.incrementAndGet() <= slow) {
                response.setBodyDelay(Duration.ofSeconds(3));
            }
            return response;
        }
    }

    @Test
    void retriesSlowListsUntilSynced() throws Exception {
        SlowFirstLists dispatcher = new SlowFirstLists(2);
        KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
        server.init();
        Config config = new ConfigBuilder(server.createClient().getConfiguration()).withRequestTimeout(1000)
                .withRequestRetryBackoffLimit(0).build();
        try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build()) {
            CompletableFuture<PodWatcher> started = CompletableFuture.supplyAsync(() -> new PodWatcher(client, "node-a"));
            try (PodWatcher pods = started.get(30, TimeUnit.SECONDS)) {
                assertThat(dispatcher.lists.get()).isGreaterThan(2);
                assertThat(pods.hasSynced()).isTrue();
                await().atMost(Duration.ofSeconds(10)).until(pods::isWatching);
            }
        } finally {
            server.destroy();
        }
    }
}
