package io.kovn.testing.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Watches from a resourceVersion see the deletions after it, as kube-apiserver's do; too old ones get 410. */
class ResumedWatchDispatcherTest {
    private KubernetesMockServer server;
    private KubernetesClient client;

    @BeforeEach
    void start() {
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new ResumedWatchDispatcher(3), false);
        server.init();
        client = server.createClient();
    }

    @AfterEach
    void stop() {
        client.close();
        server.destroy();
    }

    private void create(String name) {
        client.pods().inNamespace("w").resource(new PodBuilder().withNewMetadata().withName(name).endMetadata()
                .build()).create();
    }

    private String listVersion() {
        return client.pods().inNamespace("w").list().getMetadata().getResourceVersion();
    }

    /** Events of a watch of namespace w from {@code version}, as "TYPE name"; its close cause completes {@code closed}. */
    private Watch watch(String version, BlockingQueue<String> events, CompletableFuture<WatcherException> closed) {
        return client.pods().inNamespace("w").watch(new ListOptionsBuilder().withResourceVersion(version).build(),
                new Watcher<Pod>() {
                    @Override
                    public void eventReceived(Action action, Pod pod) {
                        events.add(action + " " + pod.getMetadata().getName());
                    }

                    @Override
                    public void onClose(WatcherException cause) {
                        closed.complete(cause);
                    }
                });
    }

    @Test
    void aWatchFromTheListsVersionSeesADeletionMadeBetweenTheListAndTheWatch() throws Exception {
        create("gone");
        create("kept");
        String version = listVersion();
        client.pods().inNamespace("w").withName("gone").delete();
        BlockingQueue<String> events = new LinkedBlockingQueue<>();
        try (Watch w = watch(version, events, new CompletableFuture<>())) {
            assertThat(List.of(events.poll(10, TimeUnit.SECONDS), events.poll(10, TimeUnit.SECONDS)))
                    .containsExactlyInAnyOrder("DELETED gone", "ADDED kept");
            create("later");
            assertThat(events.poll(10, TimeUnit.SECONDS)).isEqualTo("ADDED later");
        }
    }

    @Test
    void aDeletionBeforeTheListIsNotReplayed() throws Exception {
        create("gone");
        client.pods().inNamespace("w").withName("gone").delete();
        String version = listVersion();
        create("kept");
        BlockingQueue<String> events = new LinkedBlockingQueue<>();
        try (Watch w = watch(version, events, new CompletableFuture<>())) {
            assertThat(events.poll(10, TimeUnit.SECONDS)).isEqualTo("ADDED kept");
            assertThat(events.poll(1, TimeUnit.SECONDS)).isNull();
        }
    }

    @Test
    void aWatchFromAVersionOlderThanTheKeptDeletionsIsToldItExpired() throws Exception {
        create("first"); // a version other than 0 ("any") to resume from
        String version = listVersion();
        for (int i = 0; i < 4; i++) {
            create("p" + i);
            client.pods().inNamespace("w").withName("p" + i).delete();
        }
        CompletableFuture<WatcherException> closed = new CompletableFuture<>();
        try (Watch w = watch(version, new LinkedBlockingQueue<>(), closed)) {
            WatcherException cause = closed.get(10, TimeUnit.SECONDS);
            assertThat(cause).isNotNull();
            assertThat(cause.isHttpGone()).as("410 Gone: %s", cause).isTrue();
        }
    }
}
