package io.kovn.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.kovn.ovn.annotations.NodeSubnets;
import io.kovn.ovn.annotations.PodNetwork;
import io.kovn.ovn.net.MacAddress;
import io.kovn.testing.Exec;
import io.kovn.testing.OvnDaemons;
import io.kovn.testing.WithOvn;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Services and EndpointSlices through the controller into OVN load balancers. */
@WithOvn(northd = true)
class ControllerServicesIT extends TwoNodeControllerIT {
    private static final Duration WAIT = Duration.ofSeconds(15);
    ControllerServicesIT(OvnDaemons ovn) {
        super(ovn);
    }


    private String lb(String name, String column) {
        return ovn.nbctl("--bare", "--columns=" + column, "find", "load_balancer", "name=\"" + name + "\"");
    }

    @Test
    void aClusterIpServiceFollowsItsEndpointSlices() {
        kube.service("default", "web", "10.96.0.10", 80, 8080);
        String name = "Service_default/web_TCP";
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(lb(name, "protocol")).isEqualTo("tcp");
            assertThat(lb(name, "vips")).isEqualTo("10.96.0.10:80=");
            assertThat(lb(name, "options")).isEqualTo("reject=true");
        });
        assertThat(ovn.nbctl("--bare", "--columns=load_balancer", "list", "load_balancer_group")).isNotEmpty();

        kube.slice("default", "web", 8080, List.of("10.244.0.5", "10.244.1.7"), List.of("10.244.1.9"));
        await().atMost(WAIT).untilAsserted(() ->
                assertThat(lb(name, "vips")).isEqualTo("10.96.0.10:80=10.244.0.5:8080,10.244.1.7:8080"));

        kube.slice("default", "web", 8080, List.of("10.244.1.7"), List.of());
        await().atMost(WAIT).untilAsserted(() ->
                assertThat(lb(name, "vips")).isEqualTo("10.96.0.10:80=10.244.1.7:8080"));

        kube.client.services().inNamespace("default").withName("web").delete();
        await().atMost(WAIT).until(() -> lb(name, "name").isEmpty());
    }

    @Test
    void severalPortsProtocolsExternalIpsAndAffinity() {
        Service svc = new io.fabric8.kubernetes.api.model.ServiceBuilder().withNewMetadata().withNamespace("prod")
                .withName("dns").endMetadata().withNewSpec().withClusterIP("10.96.0.53").withExternalIPs("192.0.2.53")
                .withSessionAffinity("ClientIP").withNewSessionAffinityConfig().withNewClientIP().withTimeoutSeconds(300)
                .endClientIP().endSessionAffinityConfig()
                .addNewPort().withName("dns").withProtocol("UDP").withPort(53).endPort()
                .addNewPort().withName("dns-tcp").withProtocol("TCP").withPort(53).endPort()
                .addNewPort().withName("sctp").withProtocol("SCTP").withPort(9999).endPort().endSpec().build();
        kube.client.services().inNamespace("prod").resource(svc).create();
        kube.client.discovery().v1().endpointSlices().inNamespace("prod").resource(
                new io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder().withNewMetadata().withNamespace("prod")
                        .withName("dns-1").addToLabels("kubernetes.io/service-name", "dns").endMetadata()
                        .withAddressType("IPv4")
                        .addNewPort().withName("dns").withProtocol("UDP").withPort(5353).endPort()
                        .addNewPort().withName("dns-tcp").withProtocol("TCP").withPort(5353).endPort()
                        .addNewEndpoint().withAddresses("10.244.0.20").withNewConditions().withReady(true).endConditions().endEndpoint()
                        .build()).create();
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(lb("Service_prod/dns_UDP", "vips"))
                    .isEqualTo("10.96.0.53:53=10.244.0.20:5353 192.0.2.53:53=10.244.0.20:5353");
            assertThat(lb("Service_prod/dns_TCP", "vips"))
                    .isEqualTo("10.96.0.53:53=10.244.0.20:5353 192.0.2.53:53=10.244.0.20:5353");
            assertThat(lb("Service_prod/dns_SCTP", "vips"))
                    .isEqualTo("10.96.0.53:9999= 192.0.2.53:9999=");
            assertThat(lb("Service_prod/dns_UDP", "options")).contains("affinity_timeout=300");
        });
    }

    @Test
    void headlessAndExternalNameServicesGetNoLoadBalancer() throws Exception {
        kube.service("default", "headless", "None", 80, 80);
        kube.client.services().inNamespace("default").resource(new io.fabric8.kubernetes.api.model.ServiceBuilder()
                .withNewMetadata().withNamespace("default").withName("ext").endMetadata().withNewSpec()
                .withType("ExternalName").withExternalName("example.org").endSpec().build()).create();
        kube.service("default", "marker", "10.96.0.99", 80, 80);
        await().atMost(WAIT).until(() -> !lb("Service_default/marker_TCP", "name").isEmpty());
        assertThat(ovn.nbctl("--bare", "--columns=name", "list", "load_balancer"))
                .doesNotContain("headless").doesNotContain("ext_");
    }

    @Test
    void ovnTraceShowsAClusterIpDnatToABackend() {
        kube.pod("default", "client-1", "node-a");
        kube.pod("default", "backend-1", "node-b");
        Pod client = withNetwork("default", "client-1");
        Pod backend = withNetwork("default", "backend-1");
        PodNetwork c = PodNetwork.parse(client.getMetadata().getAnnotations().get(PodNetwork.ANNOTATION));
        PodNetwork b = PodNetwork.parse(backend.getMetadata().getAnnotations().get(PodNetwork.ANNOTATION));
        kube.service("default", "api", "10.96.0.80", 80, 8080);
        kube.slice("default", "api", 8080, List.of(b.ip()), List.of());
        await().atMost(WAIT).untilAsserted(() ->
                assertThat(lb("Service_default/api_TCP", "vips")).isEqualTo("10.96.0.80:80=" + b.ip() + ":8080"));
        NodeSubnets a = NodeSubnets.parse(kube.client.nodes().withName("node-a").get().getMetadata().getAnnotations()
                .get(NodeSubnets.ANNOTATION));
        String flow = "inport == \"default_client-1\" && eth.src == " + c.macAddress() + " && eth.dst == "
                + MacAddress.fromIpv4(a.first().gateway()) + " && ip4.src == " + c.ip()
                + " && ip4.dst == 10.96.0.80 && ip.ttl == 64 && tcp && tcp.dst == 80";
        await().atMost(WAIT).untilAsserted(() -> {
            String trace = Exec.run(List.of("ovn-trace", "--db=" + ovn.sbUnix(), "--ct=new", "node-a", flow), Map.of(), ovn.dir(),
                    Duration.ofSeconds(20)).check().out();
            assertThat(trace).contains("ct_lb_mark(backends=" + b.ip() + ":8080)");
        });
    }

    private Pod withNetwork(String ns, String name) {
        await().atMost(WAIT).until(() -> {
            Pod p = kube.client.pods().inNamespace(ns).withName(name).get();
            return p.getMetadata().getAnnotations() != null && p.getMetadata().getAnnotations().containsKey(PodNetwork.ANNOTATION);
        });
        return kube.client.pods().inNamespace(ns).withName(name).get();
    }
}
