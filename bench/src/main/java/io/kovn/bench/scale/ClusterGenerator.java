package io.kovn.bench.scale;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRuleBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeerBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPortBuilder;
import io.kovn.ovn.net.Ipv4Cidr;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

/**
 * A cluster of slim objects, the same for the same seed and sizes: namespaces of about 1000 pods labelled
 * {@code team}; pods spread over the nodes at random (at most 220 a node), labelled {@code app} (20 per namespace)
 * and {@code tier} (frontend/backend), with container ports named {@code http} and {@code metrics}; services with an
 * EndpointSlice of three endpoints; NetworkPolicies selecting an app, admitting frontends of their namespace on
 * the named port {@code http}, every fourth one also a team's namespaces (a namespace selector) on 9090, every
 * fifth one with an egress rule to another app on UDP 53.
 */
public final class ClusterGenerator {
    static final int APPS = 20;
    static final int TEAMS = 10;
    static final int PODS_PER_NAMESPACE = 1000;

    private final int nodes;
    private final int pods;
    private final int services;
    private final int policies;
    private final long seed;
    private final Ipv4Cidr serviceCidr;
    private final Ipv4Cidr clusterSubnet;

    public ClusterGenerator(int nodes, int pods, int services, int policies, long seed, Ipv4Cidr serviceCidr,
                            Ipv4Cidr clusterSubnet) {
        this.nodes = nodes;
        this.pods = pods;
        this.services = services;
        this.policies = policies;
        this.seed = seed;
        this.serviceCidr = serviceCidr;
        this.clusterSubnet = clusterSubnet;
    }

    public int namespaces() {
        return Math.max(1, (pods + PODS_PER_NAMESPACE - 1) / PODS_PER_NAMESPACE);
    }

    public static String namespace(int i) {
        return "ns-" + i;
    }

    public static String node(int i) {
        return "node-" + i;
    }

    /**
     * Pods a node gets at most: at 200 pods per node on average (the most the benchmark takes), a random spread
     * would give some nodes more than their /24 holds, and the churn's pods on them would wait for an address.
     */
    static final int MAX_PODS_PER_NODE = 220;

    /** Every object, fresh (no annotations, no conditions): nodes, namespaces, pods, services, slices, policies. */
    public List<HasMetadata> objects() {
        Random random = new Random(seed);
        List<HasMetadata> out = new ArrayList<>();
        for (int n = 0; n < nodes; n++) {
            out.add(new NodeBuilder().withNewMetadata().withName(node(n)).withUid(uid(random)).endMetadata().build());
        }
        int namespaces = namespaces();
        for (int i = 0; i < namespaces; i++) {
            out.add(new NamespaceBuilder().withNewMetadata().withName(namespace(i)).withUid(uid(random))
                    .withLabels(Map.of("team", "team-" + (i % TEAMS), "kubernetes.io/metadata.name", namespace(i)))
                    .endMetadata().build());
        }
        int[] onNode = new int[nodes];
        for (int p = 0; p < pods; p++) {
            int n = random.nextInt(nodes);
            while (onNode[n] >= MAX_PODS_PER_NODE) { // a full node draws again: its /24 keeps room for the churn
                n = random.nextInt(nodes);
            }
            onNode[n]++;
            out.add(pod(namespace(p % namespaces), "pod-" + p, node(n), p / namespaces, uid(random)));
        }
        for (int s = 0; s < services; s++) {
            out.add(service(namespace(s % namespaces), "svc-" + s, serviceCidr.addressString(10 + s), s / namespaces));
            out.add(slice(namespace(s % namespaces), "svc-" + s, random));
        }
        for (int k = 0; k < policies; k++) {
            out.add(policy(namespace(k % namespaces), "np-" + k, k));
        }
        return out;
    }

    /** A networked pod; {@code ordinal} within its namespace picks its app and tier. */
    public static Pod pod(String namespace, String name, String node, int ordinal, String uid) {
        return new PodBuilder().withNewMetadata().withNamespace(namespace).withName(name).withUid(uid)
                .withCreationTimestamp(Instant.now().toString())
                .withLabels(Map.of("app", "app-" + (ordinal % APPS), "tier", ordinal % 2 == 0 ? "frontend" : "backend"))
                .endMetadata().withNewSpec().withNodeName(node).addNewContainer().withName("c").withImage("app")
                .addNewPort().withName("http").withContainerPort(8080).withProtocol("TCP").endPort()
                .addNewPort().withName("metrics").withContainerPort(9090).withProtocol("TCP").endPort()
                .endContainer().endSpec().withNewStatus().withPhase("Running").endStatus().build();
    }

    private static Service service(String namespace, String name, String vip, int ordinal) {
        return new ServiceBuilder().withNewMetadata().withNamespace(namespace).withName(name).endMetadata()
                .withNewSpec().withClusterIP(vip).withSelector(Map.of("app", "app-" + (ordinal % APPS)))
                .addNewPort().withName("http").withProtocol("TCP").withPort(80).withTargetPort(new IntOrString("http"))
                .endPort().endSpec().build();
    }

    private EndpointSlice slice(String namespace, String service, Random random) {
        EndpointSliceBuilder b = new EndpointSliceBuilder().withNewMetadata().withNamespace(namespace)
                .withName(service + "-1").addToLabels("kubernetes.io/service-name", service).endMetadata()
                .withAddressType("IPv4").addNewPort().withName("http").withProtocol("TCP").withPort(8080).endPort();
        for (int i = 0; i < 3; i++) {
            b.addNewEndpoint().withAddresses(clusterSubnet.addressString(256 + random.nextInt(nodes * 256 - 256)))
                    .withNewConditions().withReady(true).endConditions().endEndpoint();
        }
        return b.build();
    }

    private static NetworkPolicy policy(String namespace, String name, int k) {
        List<io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule> ingress = new ArrayList<>();
        ingress.add(new NetworkPolicyIngressRuleBuilder().addToFrom(new NetworkPolicyPeerBuilder().withNewPodSelector()
                .addToMatchLabels("tier", "frontend").endPodSelector().build())
                .addToPorts(new NetworkPolicyPortBuilder().withProtocol("TCP").withPort(new IntOrString("http")).build()).build());
        if (k % 4 == 0) {
            ingress.add(new NetworkPolicyIngressRuleBuilder().addToFrom(new NetworkPolicyPeerBuilder()
                    .withNewNamespaceSelector().addToMatchLabels("team", "team-" + (k % TEAMS)).endNamespaceSelector().build())
                    .addToPorts(new NetworkPolicyPortBuilder().withProtocol("TCP").withPort(new IntOrString(9090)).build()).build());
        }
        NetworkPolicyBuilder b = new NetworkPolicyBuilder().withNewMetadata().withNamespace(namespace).withName(name)
                .endMetadata().withNewSpec().withNewPodSelector().addToMatchLabels("app", "app-" + (k % APPS))
                .endPodSelector().withIngress(ingress).endSpec();
        if (k % 5 == 0) {
            b.editSpec().addNewEgress().addNewTo().withNewPodSelector().addToMatchLabels("app", "app-" + ((k + 1) % APPS))
                    .endPodSelector().endTo().addNewPort().withProtocol("UDP").withPort(new IntOrString(53)).endPort()
                    .endEgress().withPolicyTypes("Ingress", "Egress").endSpec();
        }
        return b.build();
    }

    static String uid(Random random) {
        return new UUID(random.nextLong(), random.nextLong()).toString();
    }

    /**
     * The uid of a pod added after the generated ones (churn, the Southbound phase), named after it: unique as its
     * name is, as an API server's uids are. Not drawn from a seeded {@link Random}: a stream seeded like the
     * generator's replays its uids once the two line up, and the controller holds pod addresses by uid.
     */
    static String uid(String namespace, String name) {
        return UUID.nameUUIDFromBytes(("pod/" + namespace + "/" + name).getBytes(StandardCharsets.UTF_8)).toString();
    }
}
