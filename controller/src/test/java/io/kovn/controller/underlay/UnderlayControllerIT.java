package io.kovn.controller.underlay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.kovn.controller.ControllerConfig;
import io.kovn.ovn.annotations.UnderlayPool;
import io.kovn.ovn.net.Ipv4Cidr;
import io.kovn.testing.OvnDaemons;
import io.kovn.testing.WithOvn;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The NB-native back end under {@code kovn controller --mode underlay}, against a real NB and fabric8's mock API:
 * child ports with parent_name/tag on per-VM pod switches on a router, the pool published on each Node, grown on
 * request, a restart that writes nothing, hostile annotations refused, a Service's load balancer on the pod switches,
 * a pod's port joining its security profile and denied for an unknown one, a VM leaving underlay mode cleaned up.
 */
@WithOvn(northd = false)
class UnderlayControllerIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    /** The mock server logs every request through java.util.logging; kept referenced so the level sticks. */
    private static final Logger QUIET = Logger.getLogger("io.fabric8.mockwebserver");

    static {
        QUIET.setLevel(Level.WARNING);
    }

    private final OvnDaemons ovn;
    private KubernetesMockServer server;
    private KubernetesClient kube;

    UnderlayControllerIT(OvnDaemons ovn) {
        this.ovn = ovn;
    }

    @BeforeEach
    void api() {
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
        server.init();
        kube = server.createClient();
        ovn.nbctl("ls-add", "cloud");
        ovn.nbctl("lsp-add", "cloud", "vm1-port");
        ovn.nbctl("lsp-add", "cloud", "vm2-port");
    }

    @AfterEach
    void stop() {
        kube.close();
        server.destroy();
        for (String ls : ovn.nbctl("--bare", "--columns=name", "list", "logical_switch").lines().filter(l -> !l.isBlank()).toList()) {
            ovn.nbctl("ls-del", ls);
        }
        for (String lr : ovn.nbctl("--bare", "--columns=name", "list", "logical_router").lines().filter(l -> !l.isBlank()).toList()) {
            ovn.nbctl("lr-del", lr);
        }
    }

    private UnderlayController started() throws Exception {
        UnderlayController c = new UnderlayController(ControllerConfig.defaults(ovn.nbUnix()),
                new UnderlaySettings("kovn-underlay", 4, Ipv4Cidr.parse("10.128.0.0/16"), 24), server.createClient());
        c.start();
        return c;
    }

    private void node(String name, Map<String, String> annotations) {
        kube.nodes().resource(new NodeBuilder().withNewMetadata().withName(name).withAnnotations(annotations)
                .endMetadata().build()).create();
    }

    private UnderlayPool pool(String node) {
        Node n = kube.nodes().withName(node).get();
        String a = n.getMetadata().getAnnotations().get(UnderlayPool.ANNOTATION);
        return a == null ? new UnderlayPool(List.of()) : UnderlayPool.parse(a);
    }

    private String nbDump() {
        return ovn.nbctl("--columns=name,addresses,port_security,parent_name,tag,tag_request,options,external_ids",
                "list", "logical_switch_port").lines().filter(l -> !l.startsWith("_uuid")).sorted()
                .collect(Collectors.joining("\n"))
                + ovn.nbctl("--columns=name,other_config,external_ids", "list", "logical_switch")
                        .lines().filter(l -> !l.startsWith("_uuid")).sorted().collect(Collectors.joining("\n"))
                + ovn.nbctl("--columns=name,networks,mac,external_ids", "list", "logical_router_port")
                        .lines().filter(l -> !l.startsWith("_uuid")).sorted().collect(Collectors.joining("\n"));
    }

    @Test
    void poolsAreMadePublishedGrownKeptOverARestartAndRemoved() throws Exception {
        node("vm1", Map.of(UnderlayPool.VM_PORT, "vm1-port"));
        node("vm2", Map.of(UnderlayPool.VM_PORT, "vm2-port", UnderlayPool.POOL_SIZE, "3"));
        node("overlay-node", Map.of());
        node("hostile", Map.of(UnderlayPool.VM_PORT, "vm$(reboot)"));
        try (UnderlayController c = started()) {
            await().atMost(WAIT).until(() -> pool("vm1").ports().size() == 4 && pool("vm2").ports().size() == 3);
        }
        UnderlayPool vm1 = pool("vm1");
        assertThat(vm1.ports()).extracting(UnderlayPool.Port::tag).containsExactly(1, 2, 3, 4);
        assertThat(vm1.ports()).allSatisfy(p -> {
            assertThat(p.gateway().toString()).isEqualTo(p.address().subnet().gateway());
            assertThat(ovn.nbctl("get", "logical_switch_port", p.id(), "parent_name")).isEqualTo("vm1-port");
            assertThat(ovn.nbctl("get", "logical_switch_port", p.id(), "tag")).isEqualTo(Integer.toString(p.tag()));
            assertThat(ovn.nbctl("get", "logical_switch_port", p.id(), "addresses"))
                    .isEqualTo("[\"" + p.mac() + " " + p.address().address() + "\"]");
            assertThat(ovn.nbctl("get", "logical_switch_port", p.id(), "port_security"))
                    .isEqualTo("[\"" + p.mac() + " " + p.address().address() + "\"]");
            assertThat(ovn.nbctl("get", "logical_switch_port", p.id(), "external_ids:\"kovn.io/owner\"")).isEqualTo("vm1");
        });
        assertThat(vm1.ports().get(0).address().subnet()).isNotEqualTo(pool("vm2").ports().get(0).address().subnet());
        assertThat(ovn.nbctl("--bare", "--columns=name", "find", "logical_switch_port", "parent_name=vm2-port")
                .lines().filter(l -> !l.isBlank()).count()).isEqualTo(3);
        assertThat(ovn.nbctl("lsp-list", "kovn-pods-vm1")).contains("kovn-stor-vm1");
        assertThat(ovn.nbctl("lrp-list", "kovn-underlay")).contains("kovn-rtos-vm1", "kovn-rtos-vm2");
        assertThat(ovn.nbctl("ls-list")).doesNotContain("overlay-node", "hostile");
        assertThat(kube.v1().events().inAnyNamespace().list().getItems())
                .anySatisfy(e -> assertThat(e.getReason()).isEqualTo("InvalidUnderlayAnnotation"));
        for (String table : List.of("logical_switch", "logical_switch_port", "logical_router", "logical_router_port")) {
            assertThat(ovn.nbctl("--bare", "--columns=name", "find", table, "external_ids:\"kovn.io/owner-type\"!=\"\"")
                    .lines().filter(l -> !l.isBlank()).count()).as("%s rows with kovn's owner", table).isPositive();
        }
        assertThat(ovn.nbctl("--bare", "--columns=name", "find", "logical_switch_port", "external_ids:\"kovn.io/owner\"=\"\"")
                .lines().filter(l -> l.startsWith("kup-") || l.startsWith("kovn-")).toList())
                .as("every port kovn made names its owner").isEmpty();

        String before = nbDump();
        try (UnderlayController c = started()) {
            Thread.sleep(3000);
            assertThat(nbDump()).as("a restart with nothing changed writes nothing, duplicates nothing").isEqualTo(before);
            kube.nodes().withName("vm1").edit(n -> new NodeBuilder(n).editMetadata()
                    .addToAnnotations(UnderlayPool.POOL_SIZE, "6").endMetadata().build());
            await().atMost(WAIT).until(() -> pool("vm1").ports().size() == 6);
            assertThat(pool("vm1").ports().subList(0, 4)).isEqualTo(vm1.ports());

            kube.services().inNamespace("default").resource(new ServiceBuilder().withNewMetadata().withName("web")
                    .withNamespace("default").endMetadata().withNewSpec().withClusterIP("10.96.0.10").addNewPort()
                    .withName("http").withProtocol("TCP").withPort(80).withNewTargetPort(8080).endPort().endSpec()
                    .build()).create();
            String backend = vm1.ports().get(0).address().address().toString();
            kube.discovery().v1().endpointSlices().inNamespace("default").resource(new EndpointSliceBuilder()
                    .withNewMetadata().withName("web-1").withNamespace("default")
                    .addToLabels("kubernetes.io/service-name", "web").endMetadata().withAddressType("IPv4")
                    .addNewPort().withName("http").withProtocol("TCP").withPort(8080).endPort()
                    .addNewEndpoint().withAddresses(backend).withNewConditions().withReady(true).endConditions()
                    .endEndpoint().build()).create();
            await().atMost(WAIT).untilAsserted(() -> {
                assertThat(ovn.nbctl("get", "load_balancer", "Service_default/web_TCP", "vips"))
                        .isEqualTo("{\"10.96.0.10:80\"=\"" + backend + ":8080\"}");
                String group = ovn.nbctl("get", "load_balancer_group", "kovn-underlay-services", "_uuid");
                assertThat(ovn.nbctl("get", "logical_switch", "kovn-pods-vm1", "load_balancer_group")).contains(group);
            });
            kube.services().inNamespace("default").withName("web").delete();
            await().atMost(WAIT).until(() -> ovn.nbctl("--bare", "--columns=name", "list", "load_balancer").isBlank());

            ovn.nbctl("pg-add", "web_only", "--", "set", "port_group", "web_only",
                    "external_ids:\"kovn.io/security-profile\"=web-only");
            UnderlayPool.Port held = pool("vm1").ports().get(1);
            kube.pods().inNamespace("default").resource(new PodBuilder().withNewMetadata().withName("p")
                    .withNamespace("default").addToAnnotations(PodProfiles.ANNOTATION, "web-only").endMetadata()
                    .withNewSpec().withNodeName("vm1").endSpec().withNewStatus()
                    .withPodIP(held.address().address().toString()).endStatus().build()).create();
            String heldUuid = ovn.nbctl("get", "logical_switch_port", held.id(), "_uuid");
            await().atMost(WAIT).until(() -> ovn.nbctl("get", "port_group", "web_only", "ports").contains(heldUuid));
            kube.pods().inNamespace("default").withName("p").edit(pod -> new PodBuilder(pod).editMetadata()
                    .addToAnnotations(PodProfiles.ANNOTATION, "web-only,no-such").endMetadata().build());
            await().atMost(WAIT).untilAsserted(() -> {
                assertThat(ovn.nbctl("get", "port_group", "web_only", "ports")).doesNotContain(heldUuid);
                assertThat(ovn.nbctl("get", "port_group", "kovn_underlay_deny", "ports")).contains(heldUuid);
                assertThat(kube.v1().events().inAnyNamespace().list().getItems())
                        .anySatisfy(e -> assertThat(e.getReason()).isEqualTo("UnknownSecurityProfile"));
            });
            kube.pods().inNamespace("default").withName("p").delete();
            await().atMost(WAIT).until(() -> !ovn.nbctl("get", "port_group", "kovn_underlay_deny", "ports")
                    .contains(heldUuid));

            kube.nodes().withName("vm2").delete();
            await().atMost(WAIT).untilAsserted(() -> {
                assertThat(ovn.nbctl("ls-list")).doesNotContain("kovn-pods-vm2");
                assertThat(ovn.nbctl("lrp-list", "kovn-underlay")).doesNotContain("kovn-rtos-vm2");
                assertThat(ovn.nbctl("--bare", "--columns=name", "find", "logical_switch_port", "parent_name=vm2-port"))
                        .isEmpty();
            });
            assertThat(ovn.nbctl("lsp-list", "cloud")).as("the cloud's own ports are left alone")
                    .contains("vm1-port", "vm2-port");
        }
    }
}
