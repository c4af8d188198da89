package io.kovn.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.kovn.controller.reconcile.PodReconciler;
import io.kovn.ovn.annotations.PodNetwork;
import io.kovn.ovn.net.MacAddress;
import io.kovn.testing.OvnDaemons;
import io.kovn.testing.WithOvn;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Whoever creates a pod can give it a {@value PodNetwork#ANNOTATION} annotation. The controller owns it: one it
 * did not write is replaced by its own allocation, with an Event on the pod, and never reserves or takes an
 * address, neither while the controller runs nor when it rebuilds its allocations at start.
 */
@WithOvn
class HostilePodAnnotationIT {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private final OvnDaemons ovn;

    HostilePodAnnotationIT(OvnDaemons ovn) {
        this.ovn = ovn;
    }

    private static void podWithAnnotation(MockKube kube, String name, String annotation) {
        kube.client.pods().inNamespace("default").resource(new PodBuilder().withNewMetadata().withNamespace("default")
                .withName(name).withUid(UUID.randomUUID().toString())
                .addToAnnotations(PodNetwork.ANNOTATION, annotation).endMetadata()
                .withNewSpec().withNodeName("n1").addNewContainer().withName("c").withImage("busybox").endContainer()
                .endSpec().withNewStatus().withPhase("Running").endStatus().build()).create();
    }

    private static String annotation(MockKube kube, String name) {
        Pod p = kube.client.pods().inNamespace("default").withName(name).get();
        Map<String, String> a = p.getMetadata().getAnnotations();
        return a == null ? null : a.get(PodNetwork.ANNOTATION);
    }

    /** The pod's network once its annotation is the one the controller put into NB for it. */
    private PodNetwork awaitOwnAllocation(MockKube kube, String name) {
        await().atMost(WAIT).ignoreExceptions().untilAsserted(() -> {
            String a = annotation(kube, name);
            assertThat(a).isNotNull();
            PodNetwork n = PodNetwork.parse(a);
            assertThat(ovn.nbctl("lsp-get-addresses", "default_" + name)).isEqualTo(n.macAddress() + " " + n.ip());
        });
        return PodNetwork.parse(annotation(kube, name));
    }

    private static void awaitEvent(MockKube kube, String pod, String says) {
        await().atMost(WAIT).untilAsserted(() -> assertThat(kube.client.v1().events().inNamespace("default").list()
                .getItems()).anySatisfy((Event e) -> {
                    assertThat(e.getInvolvedObject().getName()).isEqualTo(pod);
                    assertThat(e.getReason()).isEqualTo(PodReconciler.INVALID_ANNOTATION);
                    assertThat(e.getMessage()).contains(PodNetwork.ANNOTATION, says).doesNotContain("\n");
                }));
    }

    @Test
    void foreignAnnotationsAreReplacedWithAnEventAndNeverTakeAnAddress() throws Exception {
        try (MockKube kube = new MockKube()) {
            KovnController first = new KovnController(ControllerConfig.defaults(ovn.nbUnix()), kube.newClient());
            first.start();
            kube.node("n1", "192.168.60.1");
            kube.pod("default", "victim", "n1");
            PodNetwork victim = awaitOwnAllocation(kube, "victim");

            // created with a copy of another pod's annotation: it gets an address of its own
            podWithAnnotation(kube, "thief", victim.toJson());
            PodNetwork thief = awaitOwnAllocation(kube, "thief");
            assertThat(thief.ip()).isNotEqualTo(victim.ip());
            awaitEvent(kube, "thief", "is not the pod's allocation in NB");

            // created with commands for the node's ip -batch: replaced, never left to block the pod
            String injected = victim.toJson().replace("\"" + victim.macAddress() + "\"",
                    "\"" + victim.macAddress() + "\\nlink set dev lo down\\n#\"");
            podWithAnnotation(kube, "inject", injected);
            PodNetwork inject = awaitOwnAllocation(kube, "inject");
            assertThat(inject.ip()).isNotIn(victim.ip(), thief.ip());
            awaitEvent(kube, "inject", "is unreadable");
            first.close();

            // while no controller runs: one pod names the victim's address, one an address nobody has
            String free = victim.ip().substring(0, victim.ip().lastIndexOf('.')) + ".200";
            podWithAnnotation(kube, "aaa-thief", victim.toJson());
            podWithAnnotation(kube, "squatter", victim.toJson().replace(victim.ip(), free)
                    .replace(victim.macAddress().toString(), MacAddress.fromIpv4(free)));
            try (KovnController second = new KovnController(ControllerConfig.defaults(ovn.nbUnix()), kube.newClient())) {
                second.start();
                PodNetwork aaaThief = awaitOwnAllocation(kube, "aaa-thief");
                PodNetwork squatter = awaitOwnAllocation(kube, "squatter");
                assertThat(aaaThief.ip()).isNotEqualTo(victim.ip());
                assertThat(squatter.ip()).isNotEqualTo(free);
                awaitEvent(kube, "aaa-thief", "is not the pod's allocation in NB");
                awaitEvent(kube, "squatter", "is not the pod's allocation in NB");
                assertThat(PodNetwork.parse(annotation(kube, "victim"))).isEqualTo(victim);
                assertThat(ovn.nbctl("lsp-get-addresses", "default_victim")).isEqualTo(victim.macAddress() + " " + victim.ip());
            }
        }
    }
}
