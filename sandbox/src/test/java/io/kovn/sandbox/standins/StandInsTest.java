package io.kovn.sandbox.standins;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kovn.ovn.net.Ipv4Cidr;
import io.kovn.sandbox.api.SandboxApiServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The scheduling, service IP and EndpointSlice stand-ins against the sandbox's API server, in process. */
class StandInsTest {
    private SandboxApiServer api;
    private KubernetesClient client;

    @BeforeEach
    void start() {
        api = SandboxApiServer.start(0);
        client = api.newClient();
    }

    @AfterEach
    void stop() {
        client.close();
        api.close();
    }

    @Test
    void binderSpreadsPodsOverReadyNodesAndHonoursNodeSelectors() {
        node("n1", true);
        node("n2", true);
        node("n3", false);
        try (PodBinder binder = new PodBinder(client)) {
            for (int i = 0; i < 4; i++) {
                pod("p" + i, Map.of(), null, null);
            }
            client.pods().inNamespace("default").resource(new PodBuilder().withNewMetadata().withName("pinned")
                    .endMetadata().withNewSpec().addToNodeSelector("kubernetes.io/hostname", "n2").addNewContainer()
                    .withName("c").endContainer().endSpec().build()).create();
            await().atMost(Duration.ofSeconds(10)).until(() -> client.pods().inNamespace("default").list().getItems()
                    .stream().allMatch(p -> p.getSpec().getNodeName() != null));
            Map<String, Long> perNode = client.pods().inNamespace("default").list().getItems().stream()
                    .filter(p -> p.getMetadata().getName().matches("p\\d"))
                    .collect(Collectors.groupingBy(p -> p.getSpec().getNodeName(), Collectors.counting()));
            assertThat(perNode).containsOnly(Map.entry("n1", 2L), Map.entry("n2", 2L));
            assertThat(client.pods().inNamespace("default").withName("pinned").get().getSpec().getNodeName())
                    .isEqualTo("n2");
        }
    }

    @Test
    void servicesWithoutClusterIpGetTheNextFreeAddress() {
        try (ClusterIpAllocator alloc = new ClusterIpAllocator(client, Ipv4Cidr.parse("10.96.0.0/16"))) {
            service("taken", "10.96.0.11", Map.of("app", "x"));
            service("a", null, Map.of("app", "x"));
            service("b", null, Map.of("app", "x"));
            service("headless", "None", Map.of("app", "x"));
            await().atMost(Duration.ofSeconds(10)).until(() -> clusterIp("a") != null && clusterIp("b") != null);
            assertThat(List.of(clusterIp("a"), clusterIp("b"))).containsExactlyInAnyOrder("10.96.0.12", "10.96.0.13");
            assertThat(clusterIp("headless")).isEqualTo("None");
            assertThat(client.services().inNamespace("default").withName("a").get().getSpec().getClusterIPs())
                    .containsExactly(clusterIp("a"));
        }
    }

    @Test
    void endpointSlicesFollowReadyPodsAndResolveNamedPorts() {
        try (EndpointSliceMirror mirror = new EndpointSliceMirror(client)) {
            service("web", "10.96.0.20", Map.of("app", "web"));
            pod("ready", Map.of("app", "web"), "10.244.0.5", true);
            pod("starting", Map.of("app", "web"), "10.244.0.6", false);
            pod("no-ip", Map.of("app", "web"), null, false);
            pod("other", Map.of("app", "db"), "10.244.0.7", true);
            pod("other-port", Map.of("app", "web"), "10.244.0.8", true, 9090);
            await().atMost(Duration.ofSeconds(10)).until(() -> endpoints("web").size() == 3);
            List<EndpointSlice> slices = slices("web");
            assertThat(slices).hasSize(2);
            EndpointSlice main = slices.stream().filter(s -> s.getPorts().get(0).getPort() == 8080).findFirst().orElseThrow();
            assertThat(main.getPorts()).extracting(p -> p.getName() + "/" + p.getProtocol() + "/" + p.getPort())
                    .containsExactly("http/TCP/8080", "dns/UDP/5353");
            assertThat(main.getEndpoints()).extracting(e -> e.getAddresses().get(0) + "=" + e.getConditions().getReady())
                    .containsExactly("10.244.0.5=true", "10.244.0.6=false");
            assertThat(main.getMetadata().getLabels()).containsEntry(EndpointSliceMirror.SERVICE_NAME, "web");
            assertThat(main.getEndpoints().get(0).getTargetRef().getName()).isEqualTo("ready");

            client.pods().inNamespace("default").withName("ready").delete();
            await().atMost(Duration.ofSeconds(10)).until(() -> endpoints("web").size() == 2);
            client.services().inNamespace("default").withName("web").delete();
            await().atMost(Duration.ofSeconds(10)).until(() -> slices("web").isEmpty());
        }
    }

    private void node(String name, boolean ready) {
        client.nodes().resource(new NodeBuilder().withNewMetadata().withName(name)
                .addToLabels("kubernetes.io/hostname", name).endMetadata().withNewStatus().addNewCondition()
                .withType("Ready").withStatus(ready ? "True" : "False").endCondition().endStatus().build()).create();
    }

    private void pod(String name, Map<String, String> labels, String ip, Boolean ready) {
        pod(name, labels, ip, ready, 8080);
    }

    private void pod(String name, Map<String, String> labels, String ip, Boolean ready, int httpPort) {
        PodBuilder b = new PodBuilder().withNewMetadata().withName(name).withNamespace("default").addToLabels(labels)
                .endMetadata().withNewSpec().addNewContainer().withName("c").addNewPort().withName("http")
                .withContainerPort(httpPort).endPort().endContainer().endSpec();
        if (ip != null) {
            b.withNewStatus().withPodIP(ip).addNewCondition().withType("Ready").withStatus(ready ? "True" : "False")
                    .endCondition().endStatus();
        }
        client.pods().inNamespace("default").resource(b.build()).create();
    }

    private void service(String name, String clusterIp, Map<String, String> selector) {
        client.services().inNamespace("default").resource(new ServiceBuilder().withNewMetadata().withName(name)
                .endMetadata().withNewSpec().withClusterIP(clusterIp).withSelector(selector)
                .addNewPort().withName("http").withPort(80).withTargetPort(new IntOrString("http")).endPort()
                .addNewPort().withName("dns").withProtocol("UDP").withPort(53).withTargetPort(new IntOrString(5353))
                .endPort().endSpec().build()).create();
    }

    private String clusterIp(String name) {
        return client.services().inNamespace("default").withName(name).get().getSpec().getClusterIP();
    }

    private List<EndpointSlice> slices(String service) {
        return client.discovery().v1().endpointSlices().inNamespace("default")
                .withLabel(EndpointSliceMirror.SERVICE_NAME, service).list().getItems();
    }

    private List<Endpoint> endpoints(String service) {
        return slices(service).stream().flatMap(s -> s.getEndpoints() == null ? java.util.stream.Stream.empty()
                : s.getEndpoints().stream()).toList();
    }
}
