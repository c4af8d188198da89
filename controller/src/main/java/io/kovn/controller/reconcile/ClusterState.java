package io.kovn.controller.reconcile;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.kovn.controller.ClusterApi;
import io.kovn.controller.ControllerConfig;
import io.kovn.controller.EventRecorder;
import io.kovn.controller.alloc.NodeSubnetAllocator;
import io.kovn.controller.alloc.AddressPool;
import io.kovn.ovn.annotations.GatewayConfig;
import io.kovn.ovsdb.replica.DatabaseReplica;
import io.fabric8.kubernetes.api.model.LabelSelector;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** What the reconcilers share: configuration, the informers' caches, the NB replica and the allocators. */
public final class ClusterState {
    public static final String SLICES_BY_SERVICE = "service";
    /** fabric8's informers index every namespaced kind by namespace under this name. */
    static final String BY_NAMESPACE = "namespace";
    /** Pods by "namespace/key=value" of each label: a selector's matchLabels resolve to one bucket. */
    static final String PODS_BY_NAMESPACE_LABEL = "namespace-label";
    /** NetworkPolicies with a namespaceSelector peer, under {@value #HAS_NAMESPACE_SELECTOR}. */
    static final String POLICIES_BY_PEER = "peer";
    static final String HAS_NAMESPACE_SELECTOR = "namespaceSelector";
    /** ... and those with an egress rule to any pod on a named port (resolved on every pod), under this. */
    static final String NAMED_PORT_TO_ANY_POD = "namedPortToAnyPod";

    final ControllerConfig config;
    final ClusterApi api;
    final DatabaseReplica nb;
    final EventRecorder events;
    final SharedIndexInformer<Node> nodes;
    final SharedIndexInformer<Pod> pods;
    final SharedIndexInformer<Service> services;
    final SharedIndexInformer<EndpointSlice> slices;
    final SharedIndexInformer<Namespace> namespaces;
    final SharedIndexInformer<NetworkPolicy> policies;
    final NodeSubnetAllocator subnets;
    final Map<String, AddressPool> podIps = new ConcurrentHashMap<>();
    /** Gateway routers' join switch addresses, by node. */
    final AddressPool joinIps;

    public ClusterState(ControllerConfig config, ClusterApi api, DatabaseReplica nb, EventRecorder events,
                        SharedIndexInformer<Node> nodes, SharedIndexInformer<Pod> pods,
                        SharedIndexInformer<Service> services, SharedIndexInformer<EndpointSlice> slices,
                        SharedIndexInformer<Namespace> namespaces, SharedIndexInformer<NetworkPolicy> policies) {
        this.config = config;
        this.api = api;
        this.nb = nb;
        this.events = events;
        this.nodes = nodes;
        this.pods = pods;
        this.services = services;
        this.slices = slices;
        this.namespaces = namespaces;
        this.policies = policies;
        this.subnets = new NodeSubnetAllocator(config.clusterSubnet(), config.nodeSubnetPrefix());
        this.joinIps = new AddressPool(config.joinSubnet());
    }

    /**
     * Adds the indexes selectors resolve through, before the informers start: pods by namespace and label, and
     * the policies that name other namespaces; a pod event then costs the policies it can affect, not a scan.
     */
    public static void index(SharedIndexInformer<Pod> pods, SharedIndexInformer<NetworkPolicy> policies) {
        pods.addIndexers(Map.of(PODS_BY_NAMESPACE_LABEL, p -> {
            Map<String, String> labels = p.getMetadata().getLabels();
            if (labels == null || labels.isEmpty()) {
                return List.of();
            }
            List<String> keys = new ArrayList<>(labels.size());
            labels.forEach((k, v) -> keys.add(p.getMetadata().getNamespace() + "/" + k + "=" + v));
            return keys;
        }));
        policies.addIndexers(Map.of(POLICIES_BY_PEER, np -> {
            List<String> keys = new ArrayList<>(2);
            if (PolicyPeers.hasNamespaceSelector(np)) {
                keys.add(HAS_NAMESPACE_SELECTOR);
            }
            if (PolicyPeers.namedPortToAnyPod(np)) {
                keys.add(NAMED_PORT_TO_ANY_POD);
            }
            return keys;
        }));
    }

    /** Networked pods of {@code namespace} that {@code selector} selects (null: all), through the indexes. */
    public List<Pod> selectPods(String namespace, LabelSelector selector) {
        List<Pod> candidates = null;
        Map<String, String> match = selector == null ? null : selector.getMatchLabels();
        if (match != null) {
            for (Map.Entry<String, String> e : match.entrySet()) {
                List<Pod> bucket = pods.getIndexer().byIndex(PODS_BY_NAMESPACE_LABEL, namespace + "/" + e.getKey() + "=" + e.getValue());
                if (candidates == null || bucket.size() < candidates.size()) {
                    candidates = bucket;
                }
            }
        }
        if (candidates == null) {
            candidates = pods.getIndexer().byIndex(BY_NAMESPACE, namespace);
        }
        List<Pod> out = new ArrayList<>();
        for (Pod p : candidates) {
            if (networked(p) && namespace.equals(p.getMetadata().getNamespace())
                    && LabelSelectors.matches(selector, p.getMetadata().getLabels())) {
                out.add(p);
            }
        }
        return out;
    }

    public List<NetworkPolicy> policiesIn(String namespace) {
        return policies.getIndexer().byIndex(BY_NAMESPACE, namespace);
    }

    /** The policies with a namespaceSelector peer: they may admit pods of any namespace. */
    public List<NetworkPolicy> policiesNamingNamespaces() {
        return policies.getIndexer().byIndex(POLICIES_BY_PEER, HAS_NAMESPACE_SELECTOR);
    }

    /** The policies with an egress rule to any pod on a named port: every pod may change their match. */
    public List<NetworkPolicy> policiesNamingAnyPod() {
        return policies.getIndexer().byIndex(POLICIES_BY_PEER, NAMED_PORT_TO_ANY_POD);
    }

    public NodeSubnetAllocator subnets() {
        return subnets;
    }

    public AddressPool joinIps() {
        return joinIps;
    }

    /** The node's gateway configuration, if its annotations declare a valid one with a valid chassis. */
    public static Optional<GatewayConfig> gateway(Node node) {
        Map<String, String> a = node.getMetadata().getAnnotations();
        if (a == null || a.get(GatewayConfig.ANNOTATION) == null || gatewayChassis(node).isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(GatewayConfig.parse(a.get(GatewayConfig.ANNOTATION)));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** The node's chassis name from its annotation, if it is one kovn accepts. */
    public static Optional<String> gatewayChassis(Node node) {
        Map<String, String> a = node.getMetadata().getAnnotations();
        String chassis = a == null ? null : a.get(GatewayConfig.CHASSIS_ANNOTATION);
        try {
            return chassis == null ? Optional.empty()
                    : Optional.of(GatewayConfig.chassisId(chassis));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    public Map<String, AddressPool> podIps() {
        return podIps;
    }

    public java.util.List<Node> nodesList() {
        return nodes.getStore().list();
    }

    public java.util.List<Pod> podsList() {
        return pods.getStore().list();
    }

    public java.util.List<Service> servicesList() {
        return services.getStore().list();
    }

    public java.util.List<Namespace> namespacesList() {
        return namespaces.getStore().list();
    }

    public java.util.List<NetworkPolicy> policiesList() {
        return policies.getStore().list();
    }

    public Namespace namespace(String name) {
        return namespaces.getStore().getByKey(name);
    }

    public NetworkPolicy policy(String namespace, String name) {
        return policies.getStore().getByKey(namespace + "/" + name);
    }

    /** The address kovn allocated to a pod, if any. */
    public Optional<String> podIp(Pod pod) {
        if (!networked(pod)) {
            return Optional.empty();
        }
        AddressPool pool = podIps.get(pod.getSpec().getNodeName());
        return pool == null ? Optional.empty()
                : pool.get(pod.getMetadata().getUid()).map(io.kovn.ovn.net.Ipv4Cidr::format);
    }

    public Node node(String name) {
        return nodes.getStore().getByKey(name);
    }

    public Pod pod(String namespace, String name) {
        return pods.getStore().getByKey(namespace + "/" + name);
    }

    public Service service(String namespace, String name) {
        return services.getStore().getByKey(namespace + "/" + name);
    }

    /** Whether kovn gives this pod a port: scheduled, not host-network, not finished. */
    public static boolean networked(Pod pod) {
        if (pod == null || pod.getSpec() == null || pod.getSpec().getNodeName() == null) {
            return false;
        }
        if (Boolean.TRUE.equals(pod.getSpec().getHostNetwork())) {
            return false;
        }
        String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        return !"Succeeded".equals(phase) && !"Failed".equals(phase);
    }
}
