package io.kovn.sandbox.standins;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.kovn.sandbox.api.SandboxApiServer;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Deployment and ReplicaSet controller stand-ins against the sandbox's API server, in process; pods are made
 * Ready by hand here (there is no pod runtime), so a rolling update's steps can be watched.
 */
class WorkloadControllersTest {
    private static final String NS = "default";
    private SandboxApiServer api;
    private KubernetesClient client;
    private ReplicaSetController replicaSets;
    private DeploymentController deployments;

    @BeforeEach
    void start() {
        api = SandboxApiServer.start(0);
        client = api.newClient();
        replicaSets = new ReplicaSetController(client);
        deployments = new DeploymentController(client);
    }

    @AfterEach
    void stop() {
        deployments.close();
        replicaSets.close();
        client.close();
        api.close();
    }

    @Test
    void aDeploymentRunsScalesRollsAndGoes() {
        client.apps().deployments().inNamespace(NS).resource(deployment("web", "v1", 3)).create();
        awaitPods(3, "v1");
        assertThat(replicaSets()).hasSize(1);
        await().atMost(Duration.ofSeconds(10)).until(() -> status().getReadyReplicas() != null
                && status().getReadyReplicas() == 3 && status().getUpdatedReplicas() == 3);

        client.apps().deployments().inNamespace(NS).withName("web").scale(5);
        awaitPods(5, "v1");

        // a JSON patch (no resourceVersion): the controller's status writes would make an edit conflict
        client.apps().deployments().inNamespace(NS).withName("web").patch(PatchContext.of(PatchType.JSON),
                "[{\"op\":\"replace\",\"path\":\"/spec/template/spec/containers/0/image\",\"value\":\"v2\"}]");
        // never fewer than 5 - 25% Ready nor more than 5 + 25% (rounded up: 2) pods during the roll
        long deadline = System.nanoTime() + Duration.ofSeconds(40).toNanos();
        while (!(pods().size() == 5 && pods().stream().allMatch(p -> image(p).equals("v2") && ready(p)))) {
            assertThat(System.nanoTime()).as("the rollout ends").isLessThan(deadline);
            assertThat(pods().size()).isLessThanOrEqualTo(7);
            assertThat(pods().stream().filter(WorkloadControllersTest::ready).count()).isGreaterThanOrEqualTo(4);
            makeReady();
            sleep(100);
        }
        assertThat(replicaSets()).hasSize(2).extracting(rs -> rs.getMetadata().getAnnotations()
                .get(DeploymentController.REVISION)).containsExactlyInAnyOrder("1", "2");
        await().atMost(Duration.ofSeconds(10)).until(() -> status().getUpdatedReplicas() == 5
                && status().getReplicas() == 5 && status().getAvailableReplicas() == 5);

        // back to the first template (what kubectl rollout undo writes): its ReplicaSet comes back, as revision 3
        client.apps().deployments().inNamespace(NS).withName("web").patch(PatchContext.of(PatchType.JSON),
                "[{\"op\":\"replace\",\"path\":\"/spec/template/spec/containers/0/image\",\"value\":\"v1\"}]");
        awaitPods(5, "v1");
        assertThat(replicaSets()).hasSize(2).filteredOn(rs -> rs.getSpec().getTemplate().getSpec().getContainers().get(0)
                .getImage().equals("v1")).extracting(rs -> rs.getMetadata().getAnnotations().get(DeploymentController.REVISION))
                .containsExactly("3");

        client.apps().deployments().inNamespace(NS).withName("web").delete();
        await().atMost(Duration.ofSeconds(20)).until(() -> pods().isEmpty() && replicaSets().isEmpty());
    }

    private void awaitPods(int n, String image) {
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            makeReady();
            return pods().size() == n && pods().stream().allMatch(p -> image(p).equals(image) && ready(p));
        });
    }

    private void makeReady() {
        for (Pod p : pods()) {
            if (!ready(p)) {
                client.pods().inNamespace(NS).withName(p.getMetadata().getName()).editStatus(x -> {
                    x.setStatus(new PodStatusBuilder().withPhase("Running").withConditions(new PodConditionBuilder()
                            .withType("Ready").withStatus("True").build()).build());
                    return x;
                });
            }
        }
    }

    private static boolean ready(Pod p) {
        return ReplicaSetController.ready(p);
    }

    private static String image(Pod p) {
        return p.getSpec().getContainers().get(0).getImage();
    }

    private List<Pod> pods() {
        return client.pods().inNamespace(NS).withLabel("app", "web").list().getItems();
    }

    private List<ReplicaSet> replicaSets() {
        return client.apps().replicaSets().inNamespace(NS).list().getItems();
    }

    private DeploymentStatus status() {
        Deployment d = client.apps().deployments().inNamespace(NS).withName("web").get();
        return d.getStatus() == null ? new DeploymentStatus() : d.getStatus();
    }

    private static Deployment deployment(String name, String image, int replicas) {
        return new DeploymentBuilder().withNewMetadata().withName(name).endMetadata().withNewSpec().withReplicas(replicas)
                .withNewSelector().addToMatchLabels("app", name).endSelector().withNewTemplate().withNewMetadata()
                .addToLabels("app", name).endMetadata().withNewSpec().addNewContainer().withName("c").withImage(image)
                .endContainer().endSpec().endTemplate().endSpec().build();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
