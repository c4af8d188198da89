package io.kovn.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Pod;
import io.kovn.ovn.annotations.NodeSubnets;
import io.kovn.ovn.annotations.PodNetwork;
import io.kovn.ovn.net.MacAddress;
import io.kovn.testing.OvnDaemons;
import io.kovn.testing.WithOvn;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/** Nodes and pods through the controller into NB, checked by NB rows, annotations and ovn-trace. */
@WithOvn(northd = true)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ControllerTopologyIT {
    private static final Duration WAIT = Duration.ofSeconds(15);
    private final OvnDaemons ovn;
    private MockKube kube;
    private KovnController controller;

    ControllerTopologyIT(OvnDaemons ovn) {
        this.ovn = ovn;
    }

    @BeforeAll
    void start() throws Exception {
        kube = new MockKube();
        controller = new KovnController(ControllerConfig.defaults(ovn.nbUnix()).withMetricsPort(0), kube.client);
        controller.start();
    }

    @AfterAll
    void stop() {
        controller.close();
        kube.close();
    }

    private String nb(String... args) {
        return ovn.nbctl(args);
    }

    private Pod podWithNetwork(String ns, String name) {
        await().atMost(WAIT).until(() -> {
            Pod p = kube.client.pods().inNamespace(ns).withName(name).get();
            return p.getMetadata().getAnnotations() != null && p.getMetadata().getAnnotations().containsKey(PodNetwork.ANNOTATION);
        });
        return kube.client.pods().inNamespace(ns).withName(name).get();
    }

    @Test
    @Order(1)
    void clusterRouterAndJoinSwitchExist() {
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(nb("lr-list")).contains("ovn_cluster_router");
            assertThat(nb("lrp-list", "ovn_cluster_router")).contains("rtoj-ovn_cluster_router");
            assertThat(nb("get", "logical_router_port", "rtoj-ovn_cluster_router", "networks")).isEqualTo("[\"100.64.0.1/16\"]");
            assertThat(nb("get", "logical_switch_port", "jtor-ovn_cluster_router", "type")).isEqualTo("router");
        });
    }

    @Test
    @Order(2)
    void aNodeGetsASubnetSwitchRouterPortAndManagementPort() {
        kube.node("node-a", "192.168.50.11");
        kube.node("node-b", "192.168.50.12");
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(kube.client.nodes().withName("node-a").get().getMetadata().getAnnotations())
                    .containsKey(NodeSubnets.ANNOTATION);
            assertThat(kube.client.nodes().withName("node-b").get().getMetadata().getAnnotations())
                    .containsKey(NodeSubnets.ANNOTATION);
        });
        NodeSubnets a = NodeSubnets.parse(kube.client.nodes().withName("node-a").get().getMetadata().getAnnotations().get(NodeSubnets.ANNOTATION));
        NodeSubnets b = NodeSubnets.parse(kube.client.nodes().withName("node-b").get().getMetadata().getAnnotations().get(NodeSubnets.ANNOTATION));
        assertThat(a.first()).isNotEqualTo(b.first());
        assertThat(a.first().prefix()).isEqualTo(24);
        assertThat(kube.client.nodes().withName("node-a").get().getMetadata().getAnnotations().get(NodeSubnets.ANNOTATION))
                .isEqualTo("{\"default\":[\"" + a.first() + "\"]}");
        assertThat(nb("get", "logical_switch", "node-a", "other_config:subnet")).isEqualTo("\"" + a.first() + "\"");
        assertThat(nb("get", "logical_router_port", "rtos-node-a", "networks")).isEqualTo("[\"" + a.first().gateway() + "/24\"]");
        assertThat(nb("get", "logical_switch_port", "stor-node-a", "options:router-port")).isEqualTo("rtos-node-a");
        assertThat(nb("lsp-get-addresses", "k8s-node-a")).endsWith(" " + a.first().managementAddress());
        assertThat(nb("get", "logical_switch", "node-a", "load_balancer_group")).isNotEqualTo("[]");
        // the host's service traffic comes from its service source address, routed back to its management port
        String source = io.kovn.ovn.net.HostServiceSource.of(a.first());
        assertThat(source).isNotEqualTo(io.kovn.ovn.net.HostServiceSource.of(b.first())).startsWith("169.254.");
        assertThat(nb("lr-route-list", "ovn_cluster_router")).containsPattern(java.util.regex.Pattern.quote(source) + "\\s+" + java.util.regex.Pattern.quote(
                        a.first().managementAddress()));
        assertThat(nb("get", "address_set", "kovn_node_mgmt", "addresses")).contains(source, a.first().managementAddress());
    }

    @Test
    @Order(3)
    void podsGetAPortAnAddressAndTheAnnotation() {
        kube.pod("default", "web-1", "node-a");
        kube.pod("prod", "db-1", "node-b");
        Pod web = podWithNetwork("default", "web-1");
        Pod db = podWithNetwork("prod", "db-1");
        PodNetwork webNet = PodNetwork.parse(web.getMetadata().getAnnotations().get(PodNetwork.ANNOTATION));
        PodNetwork dbNet = PodNetwork.parse(db.getMetadata().getAnnotations().get(PodNetwork.ANNOTATION));
        NodeSubnets a = NodeSubnets.parse(kube.client.nodes().withName("node-a").get().getMetadata().getAnnotations().get(NodeSubnets.ANNOTATION));
        assertThat(a.first().contains(io.kovn.ovn.net.Ipv4Cidr.parseAddress(webNet.ip()))).isTrue();
        assertThat(webNet.ip()).isEqualTo(a.first().addressString(3)); // never network, gateway or management
        assertThat(webNet.gatewayIp().toString()).isEqualTo(a.first().gateway());
        assertThat(webNet.macAddress().toString()).isEqualTo(MacAddress.fromIpv4(webNet.ip()));
        assertThat(nb("lsp-get-addresses", "default_web-1")).isEqualTo(webNet.macAddress() + " " + webNet.ip());
        assertThat(nb("lsp-get-port-security", "default_web-1")).isEqualTo(webNet.macAddress() + " " + webNet.ip());
        assertThat(nb("get", "logical_switch_port", "default_web-1", "external_ids:pod-uid"))
                .isEqualTo("\"" + web.getMetadata().getUid() + "\"");
        assertThat(nb("lsp-list", "node-b")).contains("(prod_db-1)");

        // ovn-trace: a packet from web-1 on node-a reaches db-1 on node-b through the cluster router
        String rtosMac = MacAddress.fromIpv4(a.first().gateway());
        await().atMost(WAIT).untilAsserted(() -> assertThat(ovn.sbctl("--bare", "--columns=logical_port", "list", "port_binding"))
                .contains("prod_db-1"));
        String trace = Exec(ovnTrace("node-a", "inport == \"default_web-1\" && eth.src == " + webNet.macAddress()
                + " && eth.dst == " + rtosMac + " && ip4.src == " + webNet.ip() + " && ip4.dst == " + dbNet.ip()
                + " && ip.ttl == 64 && tcp && tcp.dst == 5432"));
        assertThat(trace).contains("/* output to \"prod_db-1\"").contains("ovn_cluster_router");
    }

    @Test
    @Order(4)
    void aDeletedOrFinishedPodReleasesItsPortAndARecreatedOneGetsAFreshPort() {
        Pod web = podWithNetwork("default", "web-1");
        kube.client.pods().inNamespace("default").withName("web-1").delete();
        await().atMost(WAIT).until(() -> !nb("lsp-list", "node-a").contains("default_web-1"));

        Pod again = kube.pod("default", "web-1", "node-a");
        podWithNetwork("default", "web-1");
        await().atMost(WAIT).untilAsserted(() -> assertThat(nb("get", "logical_switch_port", "default_web-1",
                "options:iface-id-ver")).isEqualTo("\"" + again.getMetadata().getUid() + "\""));
        assertThat(again.getMetadata().getUid()).isNotEqualTo(web.getMetadata().getUid());

        kube.pod("default", "job-1", "node-a");
        podWithNetwork("default", "job-1");
        Pod job = kube.client.pods().inNamespace("default").withName("job-1").get();
        job.getStatus().setPhase("Succeeded");
        kube.client.pods().inNamespace("default").resource(job).updateStatus();
        await().atMost(WAIT).until(() -> !nb("lsp-list", "node-a").contains("default_job-1"));
    }

    @Test
    @Order(5)
    void aDeletedNodeReleasesItsSwitchAndRouterPort() {
        kube.node("node-c", "192.168.50.13");
        await().atMost(WAIT).until(() -> nb("ls-list").contains("(node-c)"));
        kube.client.nodes().withName("node-c").delete();
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(nb("ls-list")).doesNotContain("(node-c)");
            assertThat(nb("lrp-list", "ovn_cluster_router")).doesNotContain("rtos-node-c");
            assertThat(nb("--bare", "--columns=external_ids", "list", "logical_router_static_route"))
                    .doesNotContain("owner=node-c");
        });
    }

    @Test
    @Order(6)
    void metricsAndHealthAreServed() throws Exception {
        var http = java.net.http.HttpClient.newHttpClient();
        var metrics = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:"
                + controller.metricsPort() + "/metrics")).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(metrics.body()).contains("kovn_pod_port_add_seconds_bucket", "kovn_nb_transaction_seconds_count",
                "kovn_objects{kind=\"pod\"}", "kovn_reconcile_errors");
        var health = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:"
                + controller.metricsPort() + "/healthz")).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
    }

    private String[] ovnTrace(String datapath, String flow) {
        return new String[] {"ovn-trace", "--db=" + ovn.sbUnix(), "--summary", datapath, flow};
    }

    private String Exec(String[] cmd) {
        return io.kovn.testing.Exec.run(java.util.List.of(cmd), Map.of(), ovn.dir(), Duration.ofSeconds(20)).check().out();
    }
}
