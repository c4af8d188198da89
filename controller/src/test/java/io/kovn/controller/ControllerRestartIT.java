package io.kovn.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Pod;
import io.kovn.ovn.Names;
import io.kovn.ovn.annotations.PodNetwork;
import io.kovn.testing.OvnDaemons;
import io.kovn.testing.WithOvn;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Restarts: nothing written when nothing changed, stale rows removed, no address handed out twice. */
@WithOvn(northd = false)
class ControllerRestartIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private final OvnDaemons ovn;

    ControllerRestartIT(OvnDaemons ovn) {
        this.ovn = ovn;
    }

    private KovnController started(MockKube kube) throws Exception {
        KovnController c = new KovnController(ControllerConfig.defaults(ovn.nbUnix()), kube.newClient());
        c.start();
        return c;
    }

    private Map<String, String> podAnnotations(MockKube kube) {
        Map<String, String> out = new TreeMap<>();
        for (Pod p : kube.client.pods().inAnyNamespace().list().getItems()) {
            Map<String, String> a = p.getMetadata().getAnnotations();
            out.put(p.getMetadata().getNamespace() + "/" + p.getMetadata().getName(), a == null ? null : a.get(PodNetwork.ANNOTATION));
        }
        return out;
    }

    private boolean allAnnotated(MockKube kube) {
        return podAnnotations(kube).values().stream().allMatch(v -> v != null);
    }

    private String nbDump() {
        return ovn.nbctl("--columns=name,addresses,port_security,options,external_ids,type", "list", "logical_switch_port")
                .lines().filter(l -> !l.startsWith("_uuid")).sorted().collect(Collectors.joining("\n"))
                + ovn.nbctl("--columns=name,vips,options,external_ids,protocol", "list", "load_balancer")
                + ovn.nbctl("--columns=name,networks,mac", "list", "logical_router_port")
                + ovn.nbctl("--columns=direction,priority,match,action,log,severity", "list", "acl")
                        .lines().filter(l -> !l.startsWith("_uuid")).sorted().collect(Collectors.joining("\n"))
                + ovn.nbctl("--columns=name,addresses", "list", "address_set")
                + ovn.nbctl("--columns=name", "list", "port_group");
    }

    @Test
    void restartWritesNothingRemovesStaleRowsAndNeverDuplicatesAnAddress() throws Exception {
        try (MockKube kube = new MockKube()) {
            kube.node("node-a", "192.168.50.11");
            kube.node("node-b", "192.168.50.12");
            for (int i = 0; i < 20; i++) {
                kube.pod("ns" + (i % 2), "p-" + i, i % 2 == 0 ? "node-a" : "node-b");
            }
            kube.service("ns0", "svc", "10.96.1.1", 80, 8080);
            kube.slice("ns0", "svc", 8080, List.of("10.244.0.3"), List.of());
            kube.client.namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder().withNewMetadata()
                    .withName("ns0").addToLabels("team", "a")
                    .addToAnnotations("k8s.ovn.org/acl-logging", "{\"deny\":\"alert\"}").endMetadata().build()).create();
            kube.client.network().v1().networkPolicies().inNamespace("ns0").resource(
                    new io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder().withNewMetadata()
                            .withNamespace("ns0").withName("web").endMetadata().withNewSpec().withNewPodSelector().endPodSelector()
                            .addNewIngress().addNewFrom().withNewNamespaceSelector().addToMatchLabels("team", "a")
                            .endNamespaceSelector().endFrom().addNewPort().withPort(new io.fabric8.kubernetes.api.model.IntOrString(80))
                            .endPort().endIngress().addNewEgress().addNewTo().withNewIpBlock().withCidr("10.0.0.0/8")
                            .withExcept("10.1.0.0/16").endIpBlock().endTo().endEgress().endSpec().build()).create();

            try (KovnController first = started(kube)) {
                await().atMost(WAIT).until(() -> allAnnotated(kube)
                        && !ovn.nbctl("--bare", "--columns=name", "list", "load_balancer").isEmpty()
                        && ovn.nbctl("--bare", "--columns=name", "list", "port_group").lines().filter(x -> !x.isBlank()).count() == 3);
                await().atMost(WAIT).until(first::idle);
            }
            Map<String, String> annotations = podAnnotations(kube);
            String before = nbDump();

            try (KovnController second = started(kube)) {
                await().atMost(WAIT).until(second::idle);
                Thread.sleep(500);
                assertThat(second.idle()).isTrue();
                assertThat(second.metrics().nbTransactions()).as("NB transactions of a restart with nothing changed").isZero();
            }
            assertThat(nbDump()).isEqualTo(before);
            assertThat(podAnnotations(kube)).isEqualTo(annotations);

            // while no controller runs: a pod and a service go, a foreign row and stale kovn rows appear
            kube.client.pods().inNamespace("ns1").withName("p-3").delete();
            kube.client.services().inNamespace("ns0").withName("svc").delete();
            kube.client.network().v1().networkPolicies().inNamespace("ns0").withName("web").delete();
            ovn.nbctl("lsp-add", "node-a", "ghost_pod", "--", "set", "logical_switch_port", "ghost_pod",
                    "external_ids:kovn.io/owner-type=Pod", "external_ids:kovn.io/owner=ghost/pod",
                    "external_ids:namespace=ghost", "external_ids:pod=pod");
            ovn.nbctl("lsp-add", "node-a", "not-kovns");
            ovn.nbctl("ls-add", "gone-node", "--", "set", "logical_switch", "gone-node",
                    "external_ids:kovn.io/owner-type=Node", "external_ids:kovn.io/owner=gone-node", "other_config:subnet=10.244.9.0/24");

            try (KovnController third = started(kube)) {
                await().atMost(WAIT).untilAsserted(() -> {
                    String ports = ovn.nbctl("--bare", "--columns=name", "list", "logical_switch_port");
                    assertThat(ports).doesNotContain("ghost_pod").doesNotContain("ns1_p-3").contains("not-kovns", "ns0_p-2");
                    assertThat(ovn.nbctl("ls-list")).doesNotContain("gone-node");
                    assertThat(ovn.nbctl("--bare", "--columns=name", "list", "load_balancer")).isEmpty();
                    assertThat(ovn.nbctl("--bare", "--columns=name", "list", "port_group")).isEmpty();
                    assertThat(ovn.nbctl("--bare", "--columns=name", "list", "acl")).isEmpty();
                    // the nodes' management addresses, and the pods' addresses of the one namespace object
                    assertThat(ovn.nbctl("--bare", "--columns=name", "list", "address_set").lines()
                            .filter(l -> !l.isBlank()).sorted().toList())
                            .containsExactlyInAnyOrder(Names.namespaceAddressSet("ns0"), "kovn_node_mgmt");
                });
                for (int i = 20; i < 30; i++) {
                    kube.pod("ns0", "p-" + i, "node-a");
                }
                await().atMost(WAIT).until(() -> allAnnotated(kube));
                List<String> ips = podAnnotations(kube).values().stream().map(a -> PodNetwork.parse(a).ip()).toList();
                Set<String> unique = new HashSet<>(ips);
                assertThat(unique).as("pod addresses").hasSize(ips.size());
                String lspAddresses = ovn.nbctl("--bare", "--columns=addresses", "list", "logical_switch_port");
                for (String ip : ips) {
                    assertThat(lspAddresses).contains(" " + ip);
                }
            }
        }
    }
}
