package io.kovn.sandbox.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.SoftAssertions.assertSoftly;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.kovn.deploy.manifests.ManifestSettings;
import io.kovn.deploy.manifests.Manifests;
import io.kovn.ovn.annotations.PodNetwork;
import io.kovn.sandbox.Sandbox;
import io.kovn.sandbox.api.RequestAttributes;
import io.kovn.sandbox.api.SandboxApiServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * The RBAC coverage test: every request the controller and the node agents have made to the shared sandbox's
 * API (since it started, so in a whole suite run everything the other classes made them do) is allowed by the
 * roles {@code kovn manifests} generates for their service accounts, and every permission of those roles was
 * used, unless {@link #NOT_USED_HERE} says why this sandbox cannot use it. So that the second half does not rest
 * on which classes ran before, the test first makes the components do what uses each permission: a pod (the
 * controller annotates it and sets its condition, the agent sets its own), given a hostile annotation (so the
 * controller also writes a warning Event); the informers, the Node annotations and conditions come with the start.
 * The sandbox writes a kubeconfig per component whose bearer token names its service account; the API's
 * {@code ApiRequestLog} maps each request to verb, group, resource and subresource as kube-apiserver does.
 */
@Tag("integration")
@Tag("e2e")
@ResourceLock("kovn-sandbox")
@ExtendWith(SharedSandbox.class)
class RbacCoverageE2ETest {
    private static final String NS = "e2e-rbac";
    /** Permissions this sandbox never uses, and why; each is checked to be unused, so the list stays true. */
    private static final Map<String, String> NOT_USED_HERE = Map.of(
            "get coordination.k8s.io leases", "leader election: the shared sandbox runs one controller without it",
            "create coordination.k8s.io leases", "leader election: the shared sandbox runs one controller without it",
            "patch coordination.k8s.io leases", "leader election: the shared sandbox runs one controller without it");
    private static Pods pods;

    @BeforeAll
    static void namespace() {
        pods = new Pods(SharedSandbox.sandbox(), NS);
    }

    @AfterAll
    static void cleanUp() {
        pods.deleteAll();
    }

    @Test
    void everyRequestOfTheComponentsIsAllowedByTheirRolesAndEveryPermissionIsUsed() {
        Sandbox s = SharedSandbox.sandbox();
        exerciseTheComponents(s);
        // the informers' watches are requests made at their own pace (a component an earlier class restarted may
        // not have watched yet when the pod is ready): the log is read again until it holds them, or 30 s
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> check(s));
    }

    /** The requests logged so far against the generated roles. */
    private static void check(Sandbox s) {
        List<HasMetadata> manifests = Manifests.objects(ManifestSettings.defaults());
        Set<RequestAttributes> requests = s.apiRequests().requests();
        assertThat(s.apiRequests().dropped()).as("requests the log could not keep").isZero();
        Map<String, String> unused = new TreeMap<>();
        Set<String> denied = new TreeSet<>();
        for (String user : List.of(SandboxApiServer.CONTROLLER_USER, SandboxApiServer.NODE_USER)) {
            RbacGrants grants = RbacGrants.of(manifests, user);
            assertThat(grants.grants()).as("roles bound to %s", user).isNotEmpty();
            List<RequestAttributes> mine = requests.stream().filter(r -> r.user().equals(user)).toList();
            assertThat(mine).as("requests made as %s", user).isNotEmpty();
            mine.stream().filter(r -> !grants.allows(r)).forEach(r -> denied.add(r.toString()));
            Set<String> used = new TreeSet<>();
            for (RequestAttributes r : mine) {
                grants.grants().stream().filter(g -> g.allows(r)).forEach(g -> used.add(g.used(r)));
            }
            for (RbacGrants.Grant g : grants.grants()) {
                for (String p : g.permissions()) {
                    if (!used.contains(p) && !NOT_USED_HERE.containsKey(p)) {
                        unused.put(user + ": " + p, g.role());
                    }
                    if (used.contains(p) && NOT_USED_HERE.containsKey(p)) {
                        unused.put(user + ": " + p, "used after all: remove it from NOT_USED_HERE");
                    }
                }
            }
        }
        System.out.println("RBAC coverage: " + requests.stream()
                .filter(r -> !r.user().equals(RequestAttributes.ANONYMOUS)).count()
                + " distinct requests of the components");
        assertSoftly(soft -> {
            soft.assertThat(denied).as("requests the generated roles would refuse").isEmpty();
            soft.assertThat(unused).as("permissions granted but never used").isEmpty();
        });
    }

    /** The workload that makes each component use each permission it has outside leader election and TLS. */
    private static void exerciseTheComponents(Sandbox s) {
        String node = s.nodeNames().get(0);
        pods.client().pods().inNamespace(NS).resource(new PodBuilder().withNewMetadata().withName("hostile")
                .withNamespace(NS).addToAnnotations(PodNetwork.ANNOTATION, "{\"default\":{}}").endMetadata()
                .withNewSpec().withNodeName(node).addNewContainer().withName("pause").endContainer().endSpec().build())
                .create();
        pods.awaitReady("hostile");
        Pods.await("the controller's warning Event", Duration.ofSeconds(30), () -> pods.client().v1().events()
                .inNamespace(NS).list().getItems().stream()
                .anyMatch(e -> "InvalidPodNetworkAnnotation".equals(e.getReason())));
    }
}
