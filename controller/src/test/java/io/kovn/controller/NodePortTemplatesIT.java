package io.kovn.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.kovn.ovn.annotations.GatewayConfig;
import io.kovn.ovn.net.MacAddress;
import io.kovn.testing.OvnDaemons;
import io.kovn.testing.WithOvn;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * NodePorts as OVN load balancer templates, at a reduced scale (20 gateway nodes x 200 NodePort services, two
 * endpoints each): the NB rows (one template load balancer per service, one Chassis_Template_Var row per gateway
 * chassis, an explicit VIP only on the gateways of the nodes the endpoints run on, not one load balancer per
 * service and node), the operations a gateway change costs (a new gateway: its own rows and no load
 * balancer), externalTrafficPolicy Local as per-chassis backends variables, and an idle restart that writes
 * nothing. Prints its figures ({@code NodePort templates:} lines).
 */
@WithOvn
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NodePortTemplatesIT {
    private static final int NODES = 20;
    private static final int SERVICES = 200;
    private static final Duration WAIT = Duration.ofSeconds(90);
    private final OvnDaemons ovn;
    private MockKube kube;
    private KovnController controller;

    NodePortTemplatesIT(OvnDaemons ovn) {
        this.ovn = ovn;
    }

    private static String node(int i) {
        return "node-" + i;
    }

    private static String gatewayIp(int i) {
        return "172.18." + (i / 200) + "." + (10 + i % 200);
    }

    private void gatewayNode(int i, String ip) {
        kube.node(node(i), "192.168.50." + (10 + i));
        annotate(i, ip);
    }

    private void annotate(int i, String ip) {
        GatewayConfig gw = new GatewayConfig("shared", "breth0_" + node(i), MacAddress.fromIpv4(ip), List.of(ip + "/16"),
                List.of("172.18.0.1"), true, List.of());
        // the controller annotates the node too: an edit that lost the race (409) is made again
        await().atMost(WAIT).ignoreExceptions().until(() -> {
            kube.client.nodes().withName(node(i)).edit(n -> {
                n.getMetadata().getAnnotations().put(GatewayConfig.ANNOTATION, gw.toJson());
                n.getMetadata().getAnnotations().put(GatewayConfig.CHASSIS_ANNOTATION, "chassis-" + node(i));
                return n;
            });
            return true;
        });
    }

    private void nodePortService(int s, String policy) {
        String name = "svc-" + s;
        kube.client.services().inNamespace("default").resource(new ServiceBuilder().withNewMetadata().withNamespace("default")
                .withName(name).endMetadata().withNewSpec().withType("NodePort").withExternalTrafficPolicy(policy)
                .withClusterIP("10.96." + (s / 250) + "." + (1 + s % 250)).addNewPort().withName("http").withProtocol("TCP")
                .withPort(80).withNodePort(30000 + s).endPort().endSpec().build()).createOr(x -> x.update());
        kube.client.discovery().v1().endpointSlices().inNamespace("default").resource(new EndpointSliceBuilder()
                .withNewMetadata().withNamespace("default").withName(name + "-1").addToLabels("kubernetes.io/service-name", name)
                .endMetadata().withAddressType("IPv4").addNewPort().withName("http").withProtocol("TCP").withPort(8080).endPort()
                .addNewEndpoint().withAddresses("10.244." + (s % NODES) + ".5").withNodeName(node(s % NODES)).withNewConditions()
                .withReady(true).endConditions().endEndpoint()
                .addNewEndpoint().withAddresses("10.244." + ((s + 1) % NODES) + ".6").withNodeName(node((s + 1) % NODES))
                .withNewConditions().withReady(true).endConditions().endEndpoint().build()).createOr(x -> x.update());
    }

    private List<String> column(String table, String column) {
        String out = ovn.nbctl("--bare", "--columns=" + column, "list", table);
        return Arrays.stream(out.split("\n")).map(String::trim).filter(l -> !l.isEmpty()).toList();
    }

    /** The value of {@code name} in the chassis's template variables, null if it has none. */
    private String variable(String chassis, String name) {
        String vars = ovn.nbctl("--bare", "--columns=variables", "find", "Chassis_Template_Var", "chassis=" + chassis);
        return Arrays.stream(vars.split(" ")).filter(v -> v.startsWith(name + "=")).map(v -> v.substring(name.length() + 1))
                .findFirst().orElse(null);
    }

    private long nbOperations() {
        return (long) controller.metrics().nbOperations.count();
    }

    private long nbTransactions() {
        return controller.metrics().nbTransaction.count();
    }

    /** The operations the controller commits until it is idle again after {@code change}. */
    private long[] costOf(Runnable change) {
        long ops = nbOperations();
        long txns = nbTransactions();
        change.run();
        await().atMost(WAIT).pollDelay(Duration.ofMillis(500)).until(() -> nbTransactions() > txns && controller.idle());
        return new long[] {nbOperations() - ops, nbTransactions() - txns};
    }

    @BeforeAll
    void start() throws Exception {
        kube = new MockKube();
        controller = new KovnController(ControllerConfig.defaults(ovn.nbUnix()), kube.client);
        controller.start();
        for (int i = 0; i < NODES; i++) {
            gatewayNode(i, gatewayIp(i));
        }
        for (int s = 0; s < SERVICES; s++) {
            nodePortService(s, "Cluster");
        }
    }

    @AfterAll
    void stop() {
        if (controller != null) {
            controller.close();
        }
        if (kube != null) {
            kube.close();
        }
    }

    @Test
    @Order(1)
    void everyNodePortIsOneTemplateAndEveryGatewayOneVariableRow() {
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(column("Chassis_Template_Var", "chassis")).hasSize(NODES);
            assertThat(column("Load_Balancer", "name").stream().filter(n -> n.endsWith("_NodePort"))).hasSize(SERVICES);
        });
        await().atMost(WAIT).until(controller::idle);
        List<String> names = column("Load_Balancer", "name");
        System.out.printf("NodePort templates: %d gateway nodes x %d NodePort services: %d Load_Balancer rows (%d of them "
                        + "NodePort templates), %d Chassis_Template_Var rows; cold sync %d NB transactions, %d operations%n",
                NODES, SERVICES, names.size(), names.stream().filter(n -> n.endsWith("_NodePort")).count(),
                column("Chassis_Template_Var", "chassis").size(), nbTransactions(), nbOperations());
        // and on the two nodes each service's endpoints run on, its NodePort as an explicit VIP (ServiceReconciler
        // #gatewayLoadBalancers: the template alone does not answer on the backend's own node)
        assertThat(names).hasSize(4 * SERVICES);
        assertThat(names.stream().filter(n -> n.contains("_GR_"))).hasSize(2 * SERVICES)
                .contains("Service_default/svc-7_TCP_GR_node-7", "Service_default/svc-7_TCP_GR_node-8");
        assertThat(ovn.nbctl("--bare", "--columns=vips", "find", "Load_Balancer", "name=\"Service_default/svc-7_TCP_NodePort\""))
                .isEqualTo("^NODEIP_IPv4:30007=10.244.7.5:8080,10.244.8.6:8080");
        assertThat(ovn.nbctl("get", "Load_Balancer", "Service_default/svc-7_TCP_NodePort", "options"))
                .contains("template=\"true\"").contains("address-family=ipv4");
        assertThat(ovn.nbctl("--bare", "--columns=variables", "find", "Chassis_Template_Var", "chassis=chassis-node-3"))
                .isEqualTo("NODEIP_IPv4=172.18.0.13");
        assertThat(ovn.nbctl("--bare", "--columns=external_ids", "find", "Chassis_Template_Var", "chassis=chassis-node-3"))
                .contains("kovn.io/owner=node-3").contains("kovn.io/owner-type=Node");
        String group = ovn.nbctl("--bare", "--columns=_uuid", "find", "Load_Balancer_Group", "name=clusterNodePortLBGroup");
        assertThat(ovn.nbctl("get", "Logical_Router", "GR_node-3", "load_balancer_group")).contains(group);
        assertThat(ovn.nbctl("get", "Load_Balancer_Group", group, "load_balancer").split(",")).hasSize(SERVICES);
    }

    @Test
    @Order(2)
    void aNewGatewayWritesItsOwnRowsAndNoLoadBalancer() {
        List<String> before = column("Load_Balancer", "_uuid");
        long[] cost = costOf(() -> gatewayNode(NODES, gatewayIp(NODES)));
        System.out.printf("NodePort templates: a new gateway node: %d NB transactions, %d operations%n", cost[1], cost[0]);
        assertThat(column("Load_Balancer", "_uuid")).containsExactlyInAnyOrderElementsOf(before);
        assertThat(ovn.nbctl("--bare", "--columns=variables", "find", "Chassis_Template_Var", "chassis=chassis-node-" + NODES))
                .isEqualTo("NODEIP_IPv4=" + gatewayIp(NODES));
        // its switch, router port, management port, gateway router, join and external switches and ports, routes,
        // NAT, the variable row: a node's worth, however many services there are
        assertThat(cost[0]).isLessThan(60);

        long[] moved = costOf(() -> annotate(3, "172.18.9.9"));
        System.out.printf("NodePort templates: a gateway's address changed: %d NB transactions, %d operations%n", moved[1], moved[0]);
        assertThat(ovn.nbctl("--bare", "--columns=variables", "find", "Chassis_Template_Var", "chassis=chassis-node-3"))
                .isEqualTo("NODEIP_IPv4=172.18.9.9");
        assertThat(column("Load_Balancer", "_uuid")).containsExactlyInAnyOrderElementsOf(before);
        assertThat(moved[0]).isLessThan(40);
    }

    @Test
    @Order(3)
    void localTrafficPolicyGivesEachChassisItsOwnBackends() {
        costOf(() -> nodePortService(7, "Local"));
        String var = "ETP_LOCAL.default.svc_7.TCP.30007";
        assertThat(ovn.nbctl("--bare", "--columns=vips", "find", "Load_Balancer", "name=\"Service_default/svc-7_TCP_NodePort\""))
                .isEqualTo("^NODEIP_IPv4:30007=^" + var);
        assertThat(ovn.nbctl("get", "Load_Balancer", "Service_default/svc-7_TCP_NodePort", "options")).contains("skip_snat=\"true\"");
        assertThat(variable("chassis-node-7", var)).isEqualTo("10.244.7.5:8080");
        assertThat(variable("chassis-node-8", var)).isEqualTo("10.244.8.6:8080");
        assertThat(variable("chassis-node-9", var)).isEqualTo("");

        costOf(() -> nodePortService(7, "Cluster"));
        assertThat(ovn.nbctl("--bare", "--columns=variables", "list", "Chassis_Template_Var")).doesNotContain("ETP_LOCAL");
        assertThat(ovn.nbctl("--bare", "--columns=vips", "find", "Load_Balancer", "name=\"Service_default/svc-7_TCP_NodePort\""))
                .isEqualTo("^NODEIP_IPv4:30007=10.244.7.5:8080,10.244.8.6:8080");
    }

    @Test
    @Order(4)
    void aStaleVariableRowAndAnIdleRestart() throws Exception {
        costOf(() -> nodePortService(9, "Local"));
        String var = "ETP_LOCAL.default.svc_9.TCP.30009";
        assertThat(variable("chassis-node-9", var)).isEqualTo("10.244.9.5:8080");
        controller.close();
        // while the controller is down: a service goes, and a row of a chassis no node has any more stays behind
        kube.client.services().inNamespace("default").withName("svc-9").delete();
        ovn.nbctl("create", "Chassis_Template_Var", "chassis=chassis-gone", "variables:NODEIP_IPv4=\"172.18.99.1\"",
                "external_ids:kovn.io/owner-type=Node", "external_ids:kovn.io/owner=node-gone");
        controller = new KovnController(ControllerConfig.defaults(ovn.nbUnix()), kube.client);
        controller.start();
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(column("Chassis_Template_Var", "chassis")).hasSize(NODES + 1).doesNotContain("chassis-gone");
            assertThat(ovn.nbctl("--bare", "--columns=variables", "list", "Chassis_Template_Var")).doesNotContain("ETP_LOCAL");
        });
        await().atMost(WAIT).until(controller::idle);

        controller.close();
        controller = new KovnController(ControllerConfig.defaults(ovn.nbUnix()), kube.client);
        controller.start();
        await().atMost(WAIT).pollDelay(Duration.ofSeconds(1)).until(controller::idle);
        System.out.printf("NodePort templates: idle restart: %d NB transactions, %d operations%n", nbTransactions(),
                nbOperations());
        assertThat(nbOperations()).isZero();
        assertThat(column("Load_Balancer", "name").stream().filter(n -> n.endsWith("_NodePort"))).hasSize(SERVICES - 1);
    }
}
