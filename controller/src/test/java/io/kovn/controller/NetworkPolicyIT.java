package io.kovn.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.kovn.controller.reconcile.NamespaceIsolationReconciler;
import io.kovn.ovn.Names;
import io.kovn.ovn.annotations.NodeSubnets;
import io.kovn.ovn.annotations.PodNetwork;
import io.kovn.ovn.net.MacAddress;
import io.kovn.testing.Exec;
import io.kovn.testing.OvnDaemons;
import io.kovn.testing.WithOvn;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * NetworkPolicy as OVN port groups, address sets and ACLs, checked by ovn-trace verdicts on new connections
 * (the packet-level truth table runs in the sandbox).
 */
@WithOvn(northd = true)
class NetworkPolicyIT extends TwoNodeControllerIT {
    private static final Duration WAIT = Duration.ofSeconds(20);
    NetworkPolicyIT(OvnDaemons ovn) {
        super(ovn);
    }

    @BeforeAll
    void start() throws Exception {
        for (String ns : List.of("x", "y", "z")) {
            kube.client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns)
                    .addToLabels("ns", ns).endMetadata().build()).create();
            int i = 0;
            for (String p : List.of("a", "b", "c")) {
                kube.client.pods().inNamespace(ns).resource(new PodBuilder().withNewMetadata().withNamespace(ns).withName(p)
                        .withUid(UUID.randomUUID().toString()).addToLabels("pod", p).endMetadata().withNewSpec()
                        .withNodeName(i++ % 2 == 0 ? "node-a" : "node-b").addNewContainer().withName("c").withImage("x")
                        .addNewPort().withName("serve-80").withContainerPort(80).withProtocol("TCP").endPort()
                        .addNewPort().withName("serve-81-udp").withContainerPort(81).withProtocol("UDP").endPort()
                        .endContainer().endSpec().withNewStatus().withPhase("Running").endStatus().build()).create();
            }
        }
        await().atMost(WAIT).until(() -> kube.client.pods().inAnyNamespace().list().getItems().stream()
                .allMatch(p -> p.getMetadata().getAnnotations() != null
                        && p.getMetadata().getAnnotations().containsKey(PodNetwork.ANNOTATION)));
    }


    @AfterEach
    void removePolicies() {
        kube.client.network().v1().networkPolicies().inAnyNamespace().delete();
        await().atMost(WAIT).until(() -> ovn.nbctl("--bare", "--columns=name", "list", "port_group").isEmpty());
    }

    private PodNetwork net(String ns, String pod) {
        Pod p = kube.client.pods().inNamespace(ns).withName(pod).get();
        return PodNetwork.parse(p.getMetadata().getAnnotations().get(PodNetwork.ANNOTATION));
    }

    /** Whether ovn-trace delivers a new connection from one pod to another (or from an address on a pod's switch). */
    private boolean delivered(String fromNs, String fromPod, String toNs, String toPod, String proto, int port) {
        PodNetwork from = net(fromNs, fromPod);
        PodNetwork to = net(toNs, toPod);
        Pod src = kube.client.pods().inNamespace(fromNs).withName(fromPod).get();
        String node = src.getSpec().getNodeName();
        NodeSubnets subnet = NodeSubnets.parse(kube.client.nodes().withName(node).get().getMetadata().getAnnotations()
                .get(NodeSubnets.ANNOTATION));
        String flow = "inport == \"" + fromNs + "_" + fromPod + "\" && eth.src == " + from.macAddress() + " && eth.dst == "
                + MacAddress.fromIpv4(subnet.first().gateway()) + " && ip4.src == " + from.ip() + " && ip4.dst == "
                + to.ip() + " && ip.ttl == 64 && " + proto + " && " + proto + ".dst == " + port;
        String trace = Exec.run(List.of("ovn-trace", "--db=" + ovn.sbUnix(), "--ct=new", node, flow), Map.of(), ovn.dir(),
                Duration.ofSeconds(20)).check().out();
        return trace.contains("output to \"" + toNs + "_" + toPod + "\"");
    }

    private void apply(NetworkPolicy np) {
        kube.client.network().v1().networkPolicies().inNamespace(np.getMetadata().getNamespace()).resource(np).createOr(x -> x.update());
    }

    private NetworkPolicyBuilder policy(String ns, String name) {
        return new NetworkPolicyBuilder().withNewMetadata().withNamespace(ns).withName(name).endMetadata();
    }

    @Test
    void denyAllIngressThenDeleteRestoresTraffic() {
        assertThat(delivered("y", "b", "x", "a", "tcp", 80)).isTrue();
        apply(policy("x", "deny-all").withNewSpec().withNewPodSelector().endPodSelector()
                .withPolicyTypes("Ingress").endSpec().build());
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(delivered("y", "b", "x", "a", "tcp", 80)).isFalse();
            assertThat(delivered("x", "b", "x", "a", "udp", 81)).isFalse();
        });
        assertThat(delivered("x", "a", "y", "b", "tcp", 80)).as("egress is not isolated").isTrue();
        assertThat(ovn.nbctl("--bare", "--columns=addresses", "find", "address_set",
                "name=" + NamespaceIsolationReconciler.NODE_MANAGEMENT_SET)).contains(".2");
        kube.client.network().v1().networkPolicies().inNamespace("x").withName("deny-all").delete();
        await().atMost(WAIT).untilAsserted(() -> assertThat(delivered("y", "b", "x", "a", "tcp", 80)).isTrue());
    }

    @Test
    void allowFromNamespaceByLabelAndPodSelectorAndVsOr() {
        // AND: pods labelled pod=b in namespaces labelled ns=y
        apply(policy("x", "and").withNewSpec().withNewPodSelector().addToMatchLabels("pod", "a").endPodSelector()
                .addNewIngress().addNewFrom().withNewNamespaceSelector().addToMatchLabels("ns", "y").endNamespaceSelector()
                .withNewPodSelector().addToMatchLabels("pod", "b").endPodSelector().endFrom().endIngress().endSpec().build());
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(delivered("y", "b", "x", "a", "tcp", 80)).isTrue();
            assertThat(delivered("y", "c", "x", "a", "tcp", 80)).isFalse();
            assertThat(delivered("z", "b", "x", "a", "tcp", 80)).isFalse();
            assertThat(delivered("x", "b", "x", "a", "tcp", 80)).isFalse();
        });
        assertThat(delivered("z", "c", "x", "b", "tcp", 80)).as("x/b is not selected").isTrue();
        // OR: namespace ns=y, or pod=b in x
        apply(policy("x", "and").withNewSpec().withNewPodSelector().addToMatchLabels("pod", "a").endPodSelector()
                .addNewIngress().addNewFrom().withNewNamespaceSelector().addToMatchLabels("ns", "y").endNamespaceSelector().endFrom()
                .addNewFrom().withNewPodSelector().addToMatchLabels("pod", "b").endPodSelector().endFrom().endIngress().endSpec().build());
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(delivered("y", "c", "x", "a", "tcp", 80)).isTrue();
            assertThat(delivered("x", "b", "x", "a", "tcp", 80)).isTrue();
            assertThat(delivered("z", "b", "x", "a", "tcp", 80)).isFalse();
        });
        // a namespace label change updates the peer's address set
        kube.client.namespaces().withName("z").edit(n -> {
            n.getMetadata().getLabels().put("ns", "y");
            return n;
        });
        await().atMost(WAIT).untilAsserted(() -> assertThat(delivered("z", "b", "x", "a", "tcp", 80)).isTrue());
        kube.client.namespaces().withName("z").edit(n -> {
            n.getMetadata().getLabels().put("ns", "z");
            return n;
        });
        await().atMost(WAIT).untilAsserted(() -> assertThat(delivered("z", "b", "x", "a", "tcp", 80)).isFalse());
    }

    /**
     * A pod created while a policy isolates its namespace joins the isolation and its namespace's address set in its
     * own reconcile (nothing recomputes the namespace for it); deleted, its address leaves the set.
     */
    @Test
    void aPodCreatedUnderAPolicyJoinsItsNamespaceRows() {
        apply(policy("x", "deny-all").withNewSpec().withNewPodSelector().endPodSelector()
                .withPolicyTypes("Ingress").endSpec().build());
        await().atMost(WAIT).untilAsserted(() -> assertThat(delivered("y", "b", "x", "a", "tcp", 80)).isFalse());
        kube.client.pods().inNamespace("x").resource(new PodBuilder().withNewMetadata().withNamespace("x").withName("d")
                .withUid(UUID.randomUUID().toString()).addToLabels("pod", "d").endMetadata().withNewSpec()
                .withNodeName("node-b").addNewContainer().withName("c").withImage("x").endContainer().endSpec()
                .withNewStatus().withPhase("Running").endStatus().build()).create();
        await().atMost(WAIT).until(() -> {
            Pod p = kube.client.pods().inNamespace("x").withName("d").get();
            return p.getMetadata().getAnnotations() != null && p.getMetadata().getAnnotations().containsKey(PodNetwork.ANNOTATION);
        });
        String ip = net("x", "d").ip();
        try {
            await().atMost(WAIT).untilAsserted(() -> {
                assertThat(delivered("y", "b", "x", "d", "tcp", 80)).as("the new pod is isolated").isFalse();
                assertThat(namespaceSet("x")).contains(ip);
            });
            assertThat(delivered("x", "d", "y", "b", "tcp", 80)).as("its egress is not").isTrue();
        } finally {
            kube.client.pods().inNamespace("x").withName("d").delete();
        }
        await().atMost(WAIT).untilAsserted(() -> assertThat(namespaceSet("x")).doesNotContain(ip)
                .contains(net("x", "a").ip()));
    }

    /** The addresses in namespace {@code ns}'s own address set. */
    private String namespaceSet(String ns) {
        return ovn.nbctl("--bare", "--columns=addresses", "find", "address_set", "name=" + Names.namespaceAddressSet(ns));
    }

    /**
     * Policies naming the same pods share one address set: two policies admitting x/b name one set holding x/b's
     * address; it stays while either names it, goes once neither does, and a policy whose peer changes names a new
     * one.
     */
    @Test
    void policiesNamingTheSamePodsShareOneAddressSet() {
        apply(policy("x", "to-a").withNewSpec().withNewPodSelector().addToMatchLabels("pod", "a").endPodSelector()
                .addNewIngress().addNewFrom().withNewPodSelector().addToMatchLabels("pod", "b").endPodSelector().endFrom()
                .endIngress().endSpec().build());
        apply(policy("x", "to-c").withNewSpec().withNewPodSelector().addToMatchLabels("pod", "c").endPodSelector()
                .addNewIngress().addNewFrom().withNewPodSelector().addToMatchLabels("pod", "b").endPodSelector().endFrom()
                .endIngress().endSpec().build());
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(delivered("x", "b", "x", "a", "tcp", 80)).isTrue();
            assertThat(delivered("x", "b", "x", "c", "tcp", 80)).isTrue();
            assertThat(delivered("x", "c", "x", "a", "tcp", 80)).isFalse();
            assertThat(peerSets()).containsExactly(net("x", "b").ip());
        });
        kube.client.network().v1().networkPolicies().inNamespace("x").withName("to-a").delete();
        await().atMost(WAIT).untilAsserted(() -> assertThat(delivered("x", "c", "x", "a", "tcp", 80)).isTrue());
        assertThat(peerSets()).as("still named by x/to-c").containsExactly(net("x", "b").ip());
        assertThat(delivered("x", "b", "x", "c", "tcp", 80)).isTrue();
        apply(policy("x", "to-c").withNewSpec().withNewPodSelector().addToMatchLabels("pod", "c").endPodSelector()
                .addNewIngress().addNewFrom().withNewPodSelector().addToMatchLabels("pod", "a").endPodSelector().endFrom()
                .endIngress().endSpec().build());
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(delivered("x", "a", "x", "c", "tcp", 80)).isTrue();
            assertThat(delivered("x", "b", "x", "c", "tcp", 80)).isFalse();
            assertThat(peerSets()).as("the pod=b set went with the last policy naming it").containsExactly(net("x", "a").ip());
        });
        kube.client.network().v1().networkPolicies().inNamespace("x").withName("to-c").delete();
        await().atMost(WAIT).untilAsserted(() -> assertThat(peerSets()).isEmpty());
    }

    /** The addresses of each shared peer address set in NB, one line per set. */
    private List<String> peerSets() {
        return ovn.nbctl("--bare", "--columns=addresses", "find", "address_set",
                "external_ids:\"kovn.io/owner-type\"=NetworkPolicyPeer").lines().filter(l -> !l.isBlank()).toList();
    }

    /**
     * Each ACL names its rule; two rules that say the same become one ACL, named after the first.
     */
    @Test
    void aclsNameTheirRuleAndIdenticalRulesMakeOne() {
        apply(policy("x", "twins").withNewSpec().withNewPodSelector().endPodSelector()
                .addNewIngress().addNewFrom().withNewIpBlock().withCidr("192.0.2.0/24").endIpBlock().endFrom().endIngress()
                .addNewIngress().addNewFrom().withNewIpBlock().withCidr("192.0.2.0/24").endIpBlock().endFrom().endIngress()
                .addNewEgress().addNewTo().withNewNamespaceSelector().addToMatchLabels("ns", "z").endNamespaceSelector()
                .endTo().endEgress().endSpec().build());
        await().atMost(WAIT).untilAsserted(() -> assertThat(ovn.nbctl("--bare", "--columns=external_ids", "find", "acl",
                "external_ids:\"kovn.io/owner\"=\"x/twins\"").lines().filter(l -> !l.isBlank()).sorted().toList())
                .hasSize(2).allSatisfy(l -> assertThat(l).contains("kovn.io/owner-type=NetworkPolicy"))
                .anySatisfy(l -> assertThat(l).contains("kovn.io/rule=ingress/0"))
                .anySatisfy(l -> assertThat(l).contains("kovn.io/rule=egress/0")));
        assertThat(ovn.nbctl("--bare", "--columns=external_ids", "find", "acl", "external_ids:\"kovn.io/rule\"="
                + "default-deny-ingress")).contains("kovn.io/owner=x");
        await().atMost(WAIT).untilAsserted(() -> assertThat(kube.client.v1().events().inNamespace("x").list().getItems())
                .anySatisfy(e -> {
                    assertThat(e.getInvolvedObject().getName()).isEqualTo("twins");
                    assertThat(e.getType()).isEqualTo("Normal");
                    assertThat(e.getReason()).isEqualTo("NetworkPolicyWrittenToNB");
                    // the egress peer names namespaces and every pod in them: their shared sets, none of its own
                    assertThat(e.getMessage()).contains("with 3 pods, 2 ACLs, 0 address sets");
                }));
        await().atMost(WAIT).until(() -> controller.idle());
        long transactions = controller.metrics().nbTransactions();
        kube.client.namespaces().withName("x").edit(n -> {
            n.getMetadata().getLabels().put("touched", "yes"); // re-reconciles the policies: nothing to write
            return n;
        });
        await().atMost(WAIT).pollDelay(Duration.ofSeconds(1)).until(() -> controller.idle());
        assertThat(controller.metrics().nbTransactions()).isEqualTo(transactions);
    }

    @Test
    void portsByNumberNameAndRange() {
        apply(policy("x", "ports").withNewSpec().withNewPodSelector().endPodSelector()
                .addNewIngress().addNewPort().withProtocol("TCP").withPort(new IntOrString(80)).endPort()
                .addNewPort().withProtocol("UDP").withPort(new IntOrString("serve-81-udp")).endPort()
                .addNewPort().withProtocol("TCP").withPort(new IntOrString(8000)).withEndPort(8010).endPort()
                .endIngress().endSpec().build());
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(delivered("y", "a", "x", "b", "tcp", 80)).isTrue();
            assertThat(delivered("y", "a", "x", "b", "tcp", 81)).isFalse();
            assertThat(delivered("y", "a", "x", "b", "udp", 81)).isTrue();
            assertThat(delivered("y", "a", "x", "b", "udp", 80)).isFalse();
            assertThat(delivered("y", "a", "x", "b", "tcp", 8005)).isTrue();
            assertThat(delivered("y", "a", "x", "b", "tcp", 8011)).isFalse();
        });
    }

    @Test
    void ipBlockWithExceptAndEgressOnlyToSomePods() {
        PodNetwork yb = net("y", "b");
        String yc = net("y", "c").ip();
        apply(policy("x", "egress").withNewSpec().withNewPodSelector().addToMatchLabels("pod", "a").endPodSelector()
                .withPolicyTypes("Egress").addNewEgress().addNewTo().withNewIpBlock().withCidr("10.244.0.0/16")
                .withExcept(yc + "/32").endIpBlock().endTo().endEgress().endSpec().build());
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(delivered("x", "a", "y", "b", "tcp", 80)).isTrue();
            assertThat(delivered("x", "a", "y", "c", "tcp", 80)).isFalse();
            assertThat(delivered("y", "c", "x", "a", "tcp", 80)).as("ingress not isolated").isTrue();
        });
        apply(policy("x", "egress").withNewSpec().withNewPodSelector().addToMatchLabels("pod", "a").endPodSelector()
                .withPolicyTypes("Egress").addNewEgress().addNewTo().withNewNamespaceSelector().addToMatchLabels("ns", "y")
                .endNamespaceSelector().withNewPodSelector().addToMatchLabels("pod", "b").endPodSelector().endTo().endEgress()
                .endSpec().build());
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(delivered("x", "a", "y", "b", "tcp", 80)).isTrue();
            assertThat(delivered("x", "a", "z", "b", "tcp", 80)).isFalse();
        });
        assertThat(yb.ip()).isNotEqualTo(yc);
    }

    @Test
    void aclLoggingFollowsTheNamespaceAnnotation() {
        kube.client.namespaces().withName("z").edit(n -> {
            n.getMetadata().setAnnotations(Map.of("k8s.ovn.org/acl-logging", "{\"deny\":\"alert\",\"allow\":\"notice\"}"));
            return n;
        });
        apply(policy("z", "web").withNewSpec().withNewPodSelector().endPodSelector().addNewIngress().addNewPort()
                .withPort(new IntOrString(80)).endPort().endIngress().endSpec().build());
        await().atMost(WAIT).untilAsserted(() -> {
            String acls = ovn.nbctl("--bare", "--columns=action,log,severity", "list", "acl");
            assertThat(acls).contains("drop\ntrue\nalert").contains("allow-related\ntrue\nnotice");
        });
    }
}
