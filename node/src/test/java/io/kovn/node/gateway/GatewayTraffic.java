package io.kovn.node.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.kovn.node.lab.CniExec;
import io.kovn.node.cni.CniInstaller;
import io.kovn.ovn.annotations.GatewayConfig;
import io.kovn.ovn.annotations.PodNetwork;
import io.kovn.testing.Exec;
import io.kovn.testing.Netns;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * A gateway end to end, in either mode: the agent in gateway mode, the real controller building the gateway
 * router from the agent's annotations, a pod plumbed by the CNI plugin; then real packets between the pod and the
 * external host, both ways.
 */
@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class GatewayTraffic {
    static final Duration WAIT = Duration.ofSeconds(30);
    GatewayLab lab;
    Netns pod;
    PodNetwork podNet;

    /** The node's name and how its network is prepared before the agent starts. */
    abstract String nodeName();

    abstract Function<GatewayLab, GatewaySettings> prepare();

    @BeforeAll
    void start() {
        lab = GatewayLab.start(nodeName(), prepare());
        lab.api.client().pods().inNamespace("default").resource(new PodBuilder().withNewMetadata().withName("web")
                .withNamespace("default").endMetadata().withNewSpec().withNodeName(nodeName())
                .addNewContainer().withName("c").withImage("pause").endContainer().endSpec().build()).create();
        await().atMost(WAIT).until(() -> podAnnotations().containsKey(PodNetwork.ANNOTATION));
        podNet = PodNetwork.parse(podAnnotations().get(PodNetwork.ANNOTATION));
        pod = lab.node.createPod("web");
        CniExec plugin = new CniExec(lab.config.cniBinDir().resolve(CniInstaller.PLUGIN));
        CniExec.Outcome add = plugin.run(plugin.env("ADD", "c0ffee-web", pod.path(), "eth0", "default", "web"),
                "{\"cniVersion\":\"1.0.0\",\"name\":\"kovn\",\"type\":\"kovn-cni\",\"serverSocket\":\""
                        + lab.config.cniSocket() + "\"}");
        assertThat(add.exitCode()).as(add.stdout() + add.stderr()).isZero();
    }

    @AfterAll
    void stop() {
        if (lab != null) {
            lab.close();
        }
    }

    private Map<String, String> podAnnotations() {
        Pod p = lab.api.client().pods().inNamespace("default").withName("web").get();
        return p.getMetadata().getAnnotations() == null ? Map.of() : p.getMetadata().getAnnotations();
    }

    GatewayConfig publishedGateway() {
        return GatewayConfig.parse(nodeAnnotations().get(GatewayConfig.ANNOTATION));
    }

    Map<String, String> nodeAnnotations() {
        return lab.api.client().nodes().withName(nodeName()).get().getMetadata().getAnnotations();
    }

    String eth0Mac() {
        return lab.node.netns().ip("-br", "link", "show", "dev", "eth0").trim().split("\\s+")[2];
    }

    String dumpFlows() {
        return Exec.run(List.of("ovs-ofctl", "-O", "OpenFlow14", "dump-flows", "unix:" + lab.node.dir().resolve("breth0.mgmt")),
                Map.of(), lab.node.dir(), Duration.ofSeconds(10)).check().out();
    }

    @Test
    @Order(1)
    void theControllerBuildsTheRouterFromTheAgentsAnnotationsAndOvnPatchesTheBridge() throws Exception {
        assertThat(lab.node.vsctl("get", "open_vswitch", ".", "external_ids:ovn-bridge-mappings"))
                .isEqualTo("\"physnet:breth0\"");
        GatewayConfig gw = publishedGateway();
        assertThat(gw.interfaceId()).isEqualTo("breth0_" + nodeName());
        assertThat(gw.macAddress()).isEqualTo(eth0Mac());
        assertThat(gw.ipAddresses()).containsExactly(GatewayLab.NODE_IP + "/24");
        assertThat(gw.nextHops()).containsExactly(GatewayLab.EXT_IP);
        String systemId = Files.readString(lab.config.systemIdFile()).trim();
        assertThat(nodeAnnotations().get(GatewayConfig.CHASSIS_ANNOTATION)).isEqualTo(systemId);
        await().atMost(WAIT).untilAsserted(() -> assertThat(lab.central.nbctl("get", "logical_router",
                "GR_" + nodeName(), "options:chassis").replace("\"", "")).isEqualTo(systemId));
        await().atMost(WAIT).untilAsserted(() -> assertThat(lab.node.vsctl("list-ports", "breth0"))
                .contains("patch-breth0_" + nodeName() + "-to-br-int"));
        await().atMost(WAIT).untilAsserted(() -> assertThat(dumpFlows()).contains("in_port=" + ofport(patchPort())));
    }

    String patchPort() {
        return "patch-breth0_" + nodeName() + "-to-br-int";
    }

    String ofport(String iface) {
        return lab.node.vsctl("get", "interface", iface, "ofport");
    }

    @Test
    @Order(3)
    void aPodReachesTheOutsideAsTheGateway() throws Exception {
        await().atMost(WAIT).untilAsserted(() ->
                assertThat(Traffic.tcp(lab.ext, pod, GatewayLab.EXT_IP, 8000)).isEqualTo(GatewayLab.NODE_IP));
        assertThat(Traffic.tcp(lab.ext, pod, GatewayLab.EXT_IP, 8001)).isEqualTo(GatewayLab.NODE_IP);
        Traffic.ping(pod, GatewayLab.EXT_IP);
    }

    private void nodePortService(String name, int nodePort, boolean local) {
        lab.api.client().services().inNamespace("default").resource(new ServiceBuilder().withNewMetadata()
                .withNamespace("default").withName(name).endMetadata().withNewSpec().withType("NodePort")
                .withExternalTrafficPolicy(local ? "Local" : "Cluster").addNewPort().withName("http").withProtocol("TCP")
                .withPort(80).withNodePort(nodePort).endPort().endSpec().build()).create();
        lab.api.client().discovery().v1().endpointSlices().inNamespace("default").resource(new EndpointSliceBuilder()
                .withNewMetadata().withNamespace("default").withName(name + "-1").addToLabels("kubernetes.io/service-name", name)
                .endMetadata().withAddressType("IPv4").addNewPort().withName("http").withProtocol("TCP").withPort(8080).endPort()
                .addNewEndpoint().withAddresses(podNet.ip()).withNodeName(nodeName()).withNewConditions().withReady(true)
                .endConditions().endEndpoint().build()).create();
        // one template load balancer serves every gateway: its VIP is the chassis's NODEIP_IPv4 variable
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(lab.central.nbctl("--bare", "--columns=vips", "find", "load_balancer",
                    "name=\"Service_default/" + name + "_TCP_NodePort\"")).contains("^NODEIP_IPv4:" + nodePort);
            assertThat(lab.central.nbctl("--bare", "--columns=variables", "list", "Chassis_Template_Var"))
                    .contains("NODEIP_IPv4=" + GatewayLab.NODE_IP);
        });
    }

    @Test
    @Order(4)
    void theOutsideReachesAPodThroughANodePort() throws Exception {
        nodePortService("web", 30080, false);
        await().atMost(WAIT).untilAsserted(() -> Traffic.tcp(pod, 8080, lab.ext, GatewayLab.NODE_IP, 30080));
    }

    @Test
    @Order(5)
    void externalTrafficPolicyLocalKeepsTheClientAddress() throws Exception {
        nodePortService("web-local", 30081, true);
        await().atMost(WAIT).untilAsserted(() ->
                assertThat(Traffic.tcp(pod, 8080, lab.ext, GatewayLab.NODE_IP, 30081)).isEqualTo(GatewayLab.EXT_IP));
    }
}
