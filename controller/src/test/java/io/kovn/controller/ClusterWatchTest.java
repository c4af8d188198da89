package io.kovn.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.kovn.controller.reconcile.ClusterState;
import io.kovn.controller.reconcile.PodEvents;
import io.kovn.ovn.annotations.GatewayConfig;
import io.kovn.ovn.annotations.NodeSubnets;
import io.kovn.ovn.net.Ipv4Cidr;
import io.kovn.ovn.net.MacAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The informers' declarations ({@link ClusterWatch}): which keys an event maps to, and that updates changing
 * nothing the controller reads (the kubelet's status, a new resourceVersion, an informer resync) map to none, so
 * they never reach the queue. The state the fan-outs read is real informers over fabric8's mock API.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClusterWatchTest {
    private MockKube kube;
    private Informers informers;
    private ClusterState state;

    @BeforeAll
    void start() throws Exception {
        kube = new MockKube();
        kube.client.nodes().resource(gateway(node("gw-1"), "172.18.0.11")).create();
        kube.client.nodes().resource(gateway(node("gw-2"), "172.18.0.12")).create();
        kube.client.nodes().resource(node("plain")).create();
        kube.client.services().inNamespace("default").resource(service("cluster-ip", "ClusterIP")).create();
        kube.client.services().inNamespace("default").resource(service("node-port", "NodePort")).create();
        kube.client.network().v1().networkPolicies().inNamespace("other").resource(namespacePeerPolicy()).create();
        kube.client.network().v1().networkPolicies().inNamespace("other").resource(new NetworkPolicyBuilder()
                .withNewMetadata().withNamespace("other").withName("from-web").endMetadata().withNewSpec()
                .withNewPodSelector().endPodSelector().addNewIngress().addNewFrom().withNewNamespaceSelector()
                .addToMatchLabels("team", "a").endNamespaceSelector().withNewPodSelector().addToMatchLabels("app", "web")
                .endPodSelector().endFrom().endIngress().endSpec().build()).create();
        FabricClusterApi api = new FabricClusterApi(kube.client);
        informers = new Informers();
        ClusterWatch watch = new ClusterWatch(ControllerConfig.defaults("unix:/nonexistent"), api, null,
                new EventRecorder(api, "test"), informers, () -> false, key -> { });
        informers.start();
        assertThat(informers.awaitSynced(Duration.ofSeconds(30), () -> true)).isTrue();
        state = watch.state();
        await().atMost(Duration.ofSeconds(10)).until(() -> state.nodesList().size() == 3 && state.policiesList().size() == 2);
    }

    @AfterAll
    void stop() {
        informers.stop();
        kube.close();
    }

    private static Node node(String name) {
        return new NodeBuilder().withNewMetadata().withName(name).withUid("uid-" + name).withResourceVersion("1")
                .addToAnnotations("example.com/other", "x").endMetadata().build();
    }

    private static Node gateway(Node node, String ip) {
        GatewayConfig gw = new GatewayConfig("shared", "breth0_" + node.getMetadata().getName(), MacAddress.fromIpv4(ip),
                List.of(ip + "/16"), List.of("172.18.0.1"), true, List.of());
        return new NodeBuilder(node).editMetadata().addToAnnotations(GatewayConfig.ANNOTATION, gw.toJson())
                .addToAnnotations(GatewayConfig.CHASSIS_ANNOTATION, "chassis-" + node.getMetadata().getName())
                .endMetadata().build();
    }

    private static Service service(String name, String type) {
        return new ServiceBuilder().withNewMetadata().withNamespace("default").withName(name).withResourceVersion("1")
                .endMetadata().withNewSpec().withType(type).withClusterIP("10.96.0.10").addNewPort().withName("http")
                .withProtocol("TCP").withPort(80).endPort().endSpec().build();
    }

    private static NetworkPolicy namespacePeerPolicy() {
        return new NetworkPolicyBuilder().withNewMetadata().withNamespace("other").withName("from-labelled")
                .withResourceVersion("1").endMetadata().withNewSpec().withNewPodSelector().endPodSelector()
                .addNewIngress().addNewFrom().withNewNamespaceSelector().addToMatchLabels("team", "a")
                .endNamespaceSelector().endFrom().endIngress().endSpec().build();
    }

    /** The key of the shared address set of the one pod-selecting peer of policy other/{@code name}. */
    private ObjectKey peerOf(String name) {
        List<ObjectKey> peers = ClusterWatch.POLICIES.keys(state, null, state.policy("other", name)).stream()
                .filter(k -> k.kind() == ObjectKey.Kind.POLICY_PEER).toList();
        assertThat(peers).hasSize(1);
        return peers.get(0);
    }

    private static Pod pod(String labelValue) {
        return new PodBuilder().withNewMetadata().withNamespace("default").withName("p").withUid("uid-p")
                .withResourceVersion("1").addToLabels("app", labelValue).endMetadata().withNewSpec().withNodeName("plain")
                .addNewContainer().withName("c").endContainer().endSpec().withNewStatus().withPhase("Running")
                .endStatus().build();
    }

    @Test
    void nodeStatusAndResyncMapToNothing() {
        Node before = node("plain");
        Node heartbeat = new NodeBuilder(before).editMetadata().withResourceVersion("2").endMetadata().withNewStatus()
                .withConditions(new NodeConditionBuilder().withType("Ready").withStatus("True").build()).endStatus().build();
        assertThat(ClusterWatch.NODES.keys(state, before, heartbeat)).isEmpty();
        assertThat(ClusterWatch.NODES.keys(state, before, before)).isEmpty();
    }

    @Test
    void nodeAnnotationChangeOtherThanGatewayIsTheNodeAlone() {
        Node before = node("plain");
        Node after = new NodeBuilder(before).editMetadata().addToAnnotations("example.com/other", "y").endMetadata().build();
        assertThat(ClusterWatch.NODES.keys(state, before, after)).containsExactly(ObjectKey.node("plain"));
        assertThat(ClusterWatch.NODES.keys(state, null, node("new"))).containsExactly(ObjectKey.node("new"));
        assertThat(ClusterWatch.NODES.keys(state, node("plain"), null)).containsExactly(ObjectKey.node("plain"));
    }

    @Test
    void theEchoOfTheNodesOwnSubnetAnnotationMapsToNothingAnotherValueToTheNode() throws Exception {
        Ipv4Cidr held = state.subnets().allocate("plain");
        try {
            Node before = node("plain");
            Node ours = new NodeBuilder(before).editMetadata().addToAnnotations(NodeSubnets.ANNOTATION,
                    new NodeSubnets(List.of(held)).toJson()).endMetadata().build();
            assertThat(ClusterWatch.NODES.keys(state, before, ours)).isEmpty();
            Ipv4Cidr other = Ipv4Cidr.parse("10.99.0.0/24");
            Node foreign = new NodeBuilder(before).editMetadata().addToAnnotations(NodeSubnets.ANNOTATION,
                    new NodeSubnets(List.of(other)).toJson()).endMetadata().build();
            assertThat(ClusterWatch.NODES.keys(state, before, foreign)).containsExactly(ObjectKey.node("plain"));
            Node alsoOther = new NodeBuilder(ours).editMetadata().addToAnnotations("example.com/other", "y").endMetadata().build();
            assertThat(ClusterWatch.NODES.keys(state, before, alsoOther)).containsExactly(ObjectKey.node("plain"));
            Node removed = new NodeBuilder(ours).editMetadata().removeFromAnnotations(NodeSubnets.ANNOTATION).endMetadata().build();
            assertThat(ClusterWatch.NODES.keys(state, ours, removed)).containsExactly(ObjectKey.node("plain"));
        } finally {
            state.subnets().release("plain");
        }
    }

    @Test
    void gatewaysAndTheSubnetsTheyPinAreFoundThroughIndexes() {
        assertThat(state.gatewayNodes()).extracting(n -> n.getMetadata().getName()).containsExactlyInAnyOrder("gw-1", "gw-2");
        assertThat(state.nodesPinning(Ipv4Cidr.parse("10.128.5.0/24"))).isEmpty();
        GatewayConfig pinning = new GatewayConfig("shared", "breth0_gw-1", MacAddress.fromIpv4("172.18.0.11"),
                List.of("172.18.0.11/16"), List.of("172.18.0.1"), true, List.of("10.128.5.0/24"));
        kube.client.nodes().withName("gw-1").edit(n -> new NodeBuilder(n).editMetadata()
                .addToAnnotations(GatewayConfig.ANNOTATION, pinning.toJson()).endMetadata().build());
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> state.nodesPinning(Ipv4Cidr.parse("10.128.5.0/24")).size() == 1);
            assertThat(state.nodesPinning(Ipv4Cidr.parse("10.128.5.0/24")).get(0).getMetadata().getName()).isEqualTo("gw-1");
        } finally {
            String original = gateway(node("gw-1"), "172.18.0.11").getMetadata().getAnnotations().get(GatewayConfig.ANNOTATION);
            kube.client.nodes().withName("gw-1").edit(n -> new NodeBuilder(n).editMetadata()
                    .addToAnnotations(GatewayConfig.ANNOTATION, original).endMetadata().build());
            await().atMost(Duration.ofSeconds(10)).until(() -> state.nodesPinning(Ipv4Cidr.parse("10.128.5.0/24")).isEmpty());
        }
    }

    @Test
    void gatewayChangeReachesTheOtherGatewaysAndTheNodePortServicesOnly() {
        Node before = gateway(node("gw-1"), "172.18.0.11");
        Node moved = gateway(node("gw-1"), "172.18.0.99");
        assertThat(ClusterWatch.NODES.keys(state, before, moved)).containsExactlyInAnyOrder(ObjectKey.node("gw-1"),
                ObjectKey.node("gw-2"), ObjectKey.service("default", "node-port"));
        assertThat(ClusterWatch.NODES.keys(state, before, null)).contains(ObjectKey.node("gw-2"),
                ObjectKey.service("default", "node-port"));
        assertThat(ClusterWatch.NODES.keys(state, node("plain"), gateway(node("plain"), "172.18.0.13")))
                .contains(ObjectKey.node("gw-1"), ObjectKey.node("gw-2")).doesNotContain(ObjectKey.service("default", "cluster-ip"));
    }

    @Test
    void podStatusWrittenByTheKubeletMapsToNothing() {
        Pod before = pod("web");
        Pod ready = new PodBuilder(before).editMetadata().withResourceVersion("2").endMetadata().editStatus()
                .withPodIP("10.244.0.5").withConditions(new PodConditionBuilder().withType("Ready").withStatus("True").build())
                .endStatus().build();
        assertThat(ClusterWatch.PODS.keys(state, before, ready)).isEmpty();
        assertThat(ClusterWatch.PODS.keys(state, null, before)).contains(ObjectKey.pod("default", "p"));
        Pod deleted = new PodBuilder(before).editStatus().withPhase("Succeeded").endStatus().build();
        assertThat(ClusterWatch.PODS.keys(state, before, deleted)).contains(ObjectKey.pod("default", "p"));
    }

    /**
     * A pod's labels matter to the address set of a peer naming its namespace and pods by label (shared by the
     * policies naming those pods, not the policy itself), not to a peer naming whole namespaces (their own address
     * sets, kept by the namespace's reconcile).
     */
    @Test
    void podLabelChangeReachesThePoliciesNamingItsNamespaceAndLabels() {
        kube.client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("default")
                .addToLabels("team", "a").endMetadata().build()).createOr(c -> c.update());
        await().atMost(Duration.ofSeconds(10)).until(() -> state.namespace("default") != null);
        assertThat(ClusterWatch.PODS.keys(state, pod("web"), pod("db")))
                .containsExactly(peerOf("from-web"), ObjectKey.namespace("default"));
        assertThat(ClusterWatch.PODS.keys(state, pod("db"), pod("cache")))
                .containsExactly(ObjectKey.namespace("default"));
    }

    @Test
    void serviceStatusOtherThanItsLoadBalancerMapsToNothing() {
        Service before = service("node-port", "NodePort");
        Service conditions = new ServiceBuilder(before).editMetadata().withResourceVersion("2").endMetadata()
                .withNewStatus().addNewCondition().withType("Example").withStatus("True").endCondition().endStatus().build();
        assertThat(ClusterWatch.SERVICES.keys(state, before, conditions)).isEmpty();
        Service ingress = new ServiceBuilder(before).withNewStatus().withNewLoadBalancer().addNewIngress().withIp("192.0.2.1")
                .endIngress().endLoadBalancer().endStatus().build();
        assertThat(ClusterWatch.SERVICES.keys(state, before, ingress)).containsExactly(ObjectKey.service("default", "node-port"));
    }

    @Test
    void sliceMovedToAnotherServiceReachesBoth() {
        EndpointSlice before = new EndpointSliceBuilder().withNewMetadata().withNamespace("default").withName("s-1")
                .withResourceVersion("1").addToLabels("kubernetes.io/service-name", "a").endMetadata()
                .withAddressType("IPv4").build();
        EndpointSlice moved = new EndpointSliceBuilder(before).editMetadata().addToLabels("kubernetes.io/service-name", "b")
                .endMetadata().build();
        EndpointSlice touched = new EndpointSliceBuilder(before).editMetadata().withResourceVersion("2")
                .addToAnnotations("endpoints.kubernetes.io/last-change-trigger-time", "now").endMetadata().build();
        assertThat(ClusterWatch.SLICES.keys(state, before, moved)).containsExactly(ObjectKey.service("default", "a"),
                ObjectKey.service("default", "b"));
        assertThat(ClusterWatch.SLICES.keys(state, before, touched)).isEmpty();
    }

    @Test
    void policyMetadataChangeMapsToNothingAndSpecChangeToThePolicyAndItsNamespace() {
        NetworkPolicy before = namespacePeerPolicy();
        NetworkPolicy annotated = new NetworkPolicyBuilder(before).editMetadata().withResourceVersion("2")
                .addToAnnotations("example.com/x", "y").endMetadata().build();
        NetworkPolicy changed = new NetworkPolicyBuilder(before).editSpec().withPolicyTypes("Ingress").endSpec().build();
        assertThat(ClusterWatch.POLICIES.keys(state, before, annotated)).isEmpty();
        assertThat(ClusterWatch.POLICIES.keys(state, before, changed)).containsExactly(
                ObjectKey.networkPolicy("other", "from-labelled"), ObjectKey.namespace("other"));
    }

    @Test
    void namespaceLabelChangeReachesItsIsolationAndThePoliciesNamingNamespaces() {
        Namespace before = new NamespaceBuilder().withNewMetadata().withName("web").withResourceVersion("1").endMetadata().build();
        Namespace labelled = new NamespaceBuilder(before).editMetadata().addToLabels("team", "a").endMetadata().build();
        Namespace terminating = new NamespaceBuilder(before).withNewStatus().withPhase("Terminating").endStatus().build();
        assertThat(ClusterWatch.NAMESPACES.keys(state, before, labelled)).containsExactlyInAnyOrder(
                ObjectKey.namespace("web"), ObjectKey.networkPolicy("other", "from-labelled"),
                ObjectKey.networkPolicy("other", "from-web"), peerOf("from-web"));
        assertThat(ClusterWatch.NAMESPACES.keys(state, before, terminating)).isEmpty();
    }

    @Test
    void thePodsStoreKeepsTheCopyOfEachPodWithWhatTheControllerReads() {
        Pod fat = StoredPodTest.fatPod();
        fat.getMetadata().setResourceVersion(null);
        Pod created = kube.client.pods().inNamespace("shop").resource(fat).create();
        await().atMost(Duration.ofSeconds(10)).until(() -> state.pod("shop", fat.getMetadata().getName()) != null);
        Pod stored = state.pod("shop", fat.getMetadata().getName());
        assertThat(stored.getMetadata().getManagedFields()).isNull();
        assertThat(stored.getSpec().getVolumes()).isNull();
        assertThat(PodEvents.reads(stored)).isEqualTo(PodEvents.reads(created));
        assertThat(stored.getMetadata().getResourceVersion()).isEqualTo(created.getMetadata().getResourceVersion());
        kube.client.pods().inNamespace("shop").resource(created).delete();
        await().atMost(Duration.ofSeconds(10)).until(() -> state.pod("shop", fat.getMetadata().getName()) == null);
    }

    /** The pods' store indexes them itself (by namespace, by namespace and label), through adds, relabels, deletes. */
    @Test
    void podsAreSelectedThroughTheStoresIndexes() {
        for (String[] p : new String[][] {{"a", "web"}, {"b", "web"}, {"c", "db"}}) {
            kube.client.pods().inNamespace("idx").resource(new PodBuilder(pod(p[1])).editMetadata().withNamespace("idx")
                    .withName(p[0]).withUid("uid-idx-" + p[0]).withResourceVersion(null).endMetadata().build()).create();
        }
        LabelSelector web = new LabelSelectorBuilder().addToMatchLabels("app", "web").build();
        await().atMost(Duration.ofSeconds(10)).until(() -> state.selectPods("idx", null).size() == 3);
        assertThat(names(state.selectPods("idx", web))).containsExactlyInAnyOrder("a", "b");
        assertThat(state.selectPods("default", web)).allMatch(p -> p.getMetadata().getNamespace().equals("default"));
        kube.client.pods().inNamespace("idx").withName("b").edit(p -> new PodBuilder(p).editMetadata()
                .addToLabels("app", "db").endMetadata().build());
        await().atMost(Duration.ofSeconds(10)).until(() -> names(state.selectPods("idx", web)).equals(List.of("a")));
        kube.client.pods().inNamespace("idx").withName("a").delete();
        await().atMost(Duration.ofSeconds(10)).until(() -> state.selectPods("idx", web).isEmpty());
        assertThat(names(state.selectPods("idx", null))).containsExactlyInAnyOrder("b", "c");
        assertThat(names(state.selectPods("idx", new LabelSelectorBuilder().addToMatchLabels("app", "db").build())))
                .containsExactlyInAnyOrder("b", "c");
    }

    private static List<String> names(List<Pod> pods) {
        return pods.stream().map(p -> p.getMetadata().getName()).toList();
    }

    @Test
    void ownerValuesParseStrictly() {
        assertThat(ObjectKey.Kind.POD.keyOfOwner("ns/p")).contains(ObjectKey.pod("ns", "p"));
        assertThat(ObjectKey.Kind.NODE.keyOfOwner("node-1")).contains(ObjectKey.node("node-1"));
        for (String bad : new String[] {"", "no-slash", "/p", "ns/", "a/b/c"}) {
            assertThat(ObjectKey.Kind.NETWORK_POLICY.keyOfOwner(bad)).as(bad).isEmpty();
        }
        assertThat(ObjectKey.Kind.NODE.keyOfOwner("a/b")).isEmpty();
        assertThat(ObjectKey.Kind.ofOwnerType("Pod")).contains(ObjectKey.Kind.POD);
    }
}
