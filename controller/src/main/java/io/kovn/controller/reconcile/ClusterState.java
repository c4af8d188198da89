package io.kovn.controller.reconcile;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicySpec;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.kovn.controller.ClusterApi;
import io.kovn.controller.ControllerConfig;
import io.kovn.controller.EventRecorder;
import io.kovn.controller.ObjectKey;
import io.kovn.controller.alloc.NodeSubnetAllocator;
import io.kovn.controller.alloc.AddressPool;
import io.kovn.ovn.annotations.GatewayConfig;
import io.kovn.ovn.net.Ipv4Cidr;
import io.kovn.ovn.nb.AddressSet;
import io.kovn.ovsdb.replica.DatabaseReplica;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/** What the reconcilers share: configuration, the informers' caches, the NB replica and the allocators. */
public final class ClusterState {
    public static final String SLICES_BY_SERVICE = "service";
    /** fabric8's informers index every namespaced kind by namespace under this name; the pods' store its pods alike. */
    static final String BY_NAMESPACE = "namespace";
    /** Pods by "namespace/key=value" of each label: a selector's matchLabels resolve to one bucket. */
    static final String PODS_BY_NAMESPACE_LABEL = "namespace-label";
    /** NetworkPolicies with a namespaceSelector peer, under {@value #HAS_NAMESPACE_SELECTOR}. */
    static final String POLICIES_BY_PEER = "peer";
    static final String HAS_NAMESPACE_SELECTOR = "namespaceSelector";
    /** ... of those, the ones a pod event can change ({@link PolicyPeers#podDependent}), under this. */
    static final String POD_DEPENDENT_NAMESPACE_PEER = "podDependentNamespacePeer";
    /** ... and those with an egress rule to any pod on a named port (resolved on every pod), under this. */
    static final String NAMED_PORT_TO_ANY_POD = "namedPortToAnyPod";
    /** NetworkPolicies by the ids of their shared peers ({@link PolicyPeers#shared}). */
    static final String POLICIES_BY_SHARED_PEER = "sharedPeer";
    /** Nodes by role: {@link #GATEWAY} for those with a valid gateway. */
    static final String NODES_BY_ROLE = "role";
    static final String GATEWAY = "gateway";
    /** Gateway nodes by the subnets their rampout-ip-subnets pin to them (canonical CIDR text). */
    static final String NODES_BY_RAMPOUT = "rampout";

    /**
     * Gateway annotations parsed, by their text: every gateway's reconcile reads every node's, and every NodePort
     * service's reconcile every gateway's, so a JSON parse each time would cost nodes x (nodes + services) parses.
     */
    private static final ParsedCache<Optional<GatewayConfig>> PARSED_GATEWAYS = new ParsedCache<>(8192, 4096, text -> {
        try {
            return Optional.of(GatewayConfig.parse(text));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    });

    final ControllerConfig config;
    final ClusterApi api;
    final DatabaseReplica nb;
    final EventRecorder events;
    final SharedIndexInformer<Node> nodes;
    final SharedIndexInformer<Pod> pods;
    /** The pods by {@link #podIndexers()}. */
    private final ObjectIndex<Pod> podIndex;
    final SharedIndexInformer<Service> services;
    final SharedIndexInformer<EndpointSlice> slices;
    final SharedIndexInformer<Namespace> namespaces;
    final SharedIndexInformer<NetworkPolicy> policies;
    final NodeSubnetAllocator subnets;
    final Map<String, AddressPool> podIps = new ConcurrentHashMap<>();
    /** Each policy's shared peers, by "namespace/name", for the spec they were computed from. */
    private final Map<String, SharedPeers> sharedPeers = new ConcurrentHashMap<>();

    private record SharedPeers(NetworkPolicySpec spec, List<PolicyPeers.Shared> peers) {
    }
    private final Set<ObjectKey> followUps = new LinkedHashSet<>();
    private final Map<String, ObjectKey> emptiedCandidates = new LinkedHashMap<>();
    /** Gateway routers' join switch addresses, by node. */
    final AddressPool joinIps;

    public ClusterState(ControllerConfig config, ClusterApi api, DatabaseReplica nb, EventRecorder events,
                        SharedIndexInformer<Node> nodes, SharedIndexInformer<Pod> pods, ObjectIndex<Pod> podIndex,
                        SharedIndexInformer<Service> services, SharedIndexInformer<EndpointSlice> slices,
                        SharedIndexInformer<Namespace> namespaces, SharedIndexInformer<NetworkPolicy> policies) {
        this.config = config;
        this.api = api;
        this.nb = nb;
        this.events = events;
        this.nodes = nodes;
        this.pods = pods;
        this.podIndex = podIndex;
        this.services = services;
        this.slices = slices;
        this.namespaces = namespaces;
        this.policies = policies;
        this.subnets = new NodeSubnetAllocator(config.clusterSubnet(), config.nodeSubnetPrefix());
        this.joinIps = new AddressPool(config.joinSubnet());
    }

    /**
     * The indexes pod selectors resolve through: pods by namespace, and by namespace and label, so a pod event costs
     * the policies it can affect, not a scan.
     */
    public static Map<String, Function<Pod, List<String>>> podIndexers() {
        return Map.of(BY_NAMESPACE, p -> p.getMetadata().getNamespace() == null ? List.of()
                : List.of(p.getMetadata().getNamespace()), PODS_BY_NAMESPACE_LABEL, p -> {
            Map<String, String> labels = p.getMetadata().getLabels();
            if (labels == null || labels.isEmpty()) {
                return List.of();
            }
            List<String> keys = new ArrayList<>(labels.size());
            labels.forEach((k, v) -> keys.add(p.getMetadata().getNamespace() + "/" + k + "=" + v));
            return keys;
        });
    }

    /**
     * The policies that name other namespaces, or name a port on any pod: every pod event may concern them; and
     * the policies by the peers whose address sets they share.
     */
    public static Map<String, Function<NetworkPolicy, List<String>>> policyIndexers() {
        return Map.of(POLICIES_BY_SHARED_PEER, PolicyPeers::sharedIds, POLICIES_BY_PEER, np -> {
            List<String> keys = new ArrayList<>(2);
            if (PolicyPeers.hasNamespaceSelector(np)) {
                keys.add(HAS_NAMESPACE_SELECTOR);
            }
            if (PolicyPeers.hasPodDependentNamespacePeer(np)) {
                keys.add(POD_DEPENDENT_NAMESPACE_PEER);
            }
            if (PolicyPeers.namedPortToAnyPod(np)) {
                keys.add(NAMED_PORT_TO_ANY_POD);
            }
            return keys;
        });
    }

    /**
     * The gateway nodes, and the gateways by the pod subnets they pin: a node's reconcile finds the gateways pinning
     * its subnet without reading every node (each node of a cold start would read every node otherwise).
     */
    public static Map<String, Function<Node, List<String>>> nodeIndexers() {
        return Map.of(NODES_BY_ROLE, n -> gateway(n).isPresent() ? List.of(GATEWAY) : List.of(),
                NODES_BY_RAMPOUT, n -> {
                    Optional<GatewayConfig> gw = gateway(n);
                    if (gw.isEmpty()) {
                        return List.of();
                    }
                    List<String> pinned = new ArrayList<>();
                    for (String cidr : gw.get().rampoutIpSubnets()) {
                        try {
                            pinned.add(Ipv4Cidr.parse(cidr).toString());
                        } catch (IllegalArgumentException e) {
                            // the node's own reconcile reports it
                        }
                    }
                    return pinned;
                });
    }

    /** The nodes with a valid gateway. */
    public List<Node> gatewayNodes() {
        return nodes.getIndexer().byIndex(NODES_BY_ROLE, GATEWAY);
    }

    /** The gateway nodes whose rampout-ip-subnets pin {@code subnet}. */
    public List<Node> nodesPinning(Ipv4Cidr subnet) {
        return nodes.getIndexer().byIndex(NODES_BY_RAMPOUT, subnet.toString());
    }

    /** EndpointSlices by the "namespace/name" of their Service. */
    public static Map<String, Function<EndpointSlice, List<String>>> sliceIndexers() {
        return Map.of(SLICES_BY_SERVICE, s -> {
            String key = ServiceReconciler.sliceServiceKey(s);
            return key == null ? List.of() : List.of(key);
        });
    }

    /** The object a key names, if the informers hold it (the object Events about the key are recorded on). */
    public HasMetadata object(ObjectKey key) {
        return switch (key.kind()) {
            case NODE -> node(key.name());
            case POD -> pod(key.namespace(), key.name());
            case SERVICE -> service(key.namespace(), key.name());
            case NAMESPACE -> namespace(key.name());
            case POLICY_PEER -> policiesWithPeer(key.name()).stream().findFirst().orElse(null);
            case NETWORK_POLICY -> policy(key.namespace(), key.name());
        };
    }

    /** The keys of every object of {@code kind} the informers hold. */
    public List<ObjectKey> keys(ObjectKey.Kind kind) {
        if (kind == ObjectKey.Kind.POLICY_PEER) {
            return policiesList().stream().flatMap(np -> sharedPeers(np).stream()).map(PolicyPeers.Shared::id)
                    .distinct().map(ObjectKey::policyPeer).toList();
        }
        List<? extends HasMetadata> objects = switch (kind) {
            case NODE -> nodesList();
            case POD -> podsList();
            case SERVICE -> servicesList();
            case NAMESPACE -> namespacesList();
            case NETWORK_POLICY -> policiesList();
            case POLICY_PEER -> throw new IllegalStateException("not an object");
        };
        return objects.stream().map(kind::key).toList();
    }

    /**
     * A namespace change (labels, annotations) may change what policies admit: the namespace's isolation, its own
     * policies (their logging), the policies that name namespaces, and the shared sets of their peers that pick
     * namespaces by label.
     */
    public List<ObjectKey> namespaceKeys(String namespace) {
        Set<ObjectKey> keys = new LinkedHashSet<>();
        keys.add(ObjectKey.namespace(namespace));
        for (NetworkPolicy np : policiesIn(namespace)) {
            keys.add(ObjectKey.Kind.NETWORK_POLICY.key(np));
        }
        for (NetworkPolicy np : policiesNamingNamespaces()) {
            keys.add(ObjectKey.Kind.NETWORK_POLICY.key(np));
            for (PolicyPeers.Shared peer : sharedPeers(np)) {
                if (peer.peer().getNamespaceSelector() != null) {
                    keys.add(ObjectKey.policyPeer(peer.id()));
                }
            }
        }
        return new ArrayList<>(keys);
    }

    /** Networked pods of {@code namespace} that {@code selector} selects (null: all), through the indexes. */
    public List<Pod> selectPods(String namespace, LabelSelector selector) {
        List<Pod> candidates = null;
        Map<String, String> match = selector == null ? null : selector.getMatchLabels();
        if (match != null) {
            for (Map.Entry<String, String> e : match.entrySet()) {
                List<Pod> bucket = podIndex.byIndex(PODS_BY_NAMESPACE_LABEL, namespace + "/" + e.getKey() + "=" + e.getValue());
                if (candidates == null || bucket.size() < candidates.size()) {
                    candidates = bucket;
                }
            }
        }
        if (candidates == null) {
            candidates = podIndex.byIndex(BY_NAMESPACE, namespace);
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

    /** The names of the namespaces {@code selector} (a peer's namespaceSelector) picks. */
    public List<String> namespacesMatching(LabelSelector selector) {
        List<String> out = new ArrayList<>();
        for (Namespace n : namespacesList()) {
            if (LabelSelectors.matches(selector, n.getMetadata().getLabels())) {
                out.add(n.getMetadata().getName());
            }
        }
        return out;
    }

    /** Networked pods a peer selects: its podSelector in the policy's namespace, or in the namespaces it picks. */
    public List<Pod> peerPods(String policyNamespace, NetworkPolicyPeer peer) {
        if (peer.getNamespaceSelector() == null) {
            return selectPods(policyNamespace, peer.getPodSelector());
        }
        List<Pod> out = new ArrayList<>();
        for (String ns : namespacesMatching(peer.getNamespaceSelector())) {
            out.addAll(selectPods(ns, peer.getPodSelector()));
        }
        return out;
    }

    /**
     * {@link PolicyPeers#shared} of a policy, computed once per version of its spec (an informer hands out the same
     * object until the policy changes): every pod event checks the policies of its namespace against them, and
     * each peer's id is a hash of its canonical form.
     */
    public List<PolicyPeers.Shared> sharedPeers(NetworkPolicy np) {
        String ref = np.getMetadata().getNamespace() + "/" + np.getMetadata().getName();
        SharedPeers cached = sharedPeers.get(ref);
        if (cached != null && cached.spec() == np.getSpec()) {
            return cached.peers();
        }
        List<PolicyPeers.Shared> peers = PolicyPeers.shared(np);
        sharedPeers.put(ref, new SharedPeers(np.getSpec(), peers));
        return peers;
    }

    /**
     * Asks for {@code key} to be reconciled after the current batch: a reconcile found a row another object owns
     * needing more than it may write itself ({@link PolicyMembers}). Worker thread only.
     */
    void followUp(ObjectKey key) {
        followUps.add(key);
    }

    /** The keys {@link #followUp} asked for since the last call. */
    public Set<ObjectKey> drainFollowUps() {
        Set<ObjectKey> out = new LinkedHashSet<>(followUps);
        followUps.clear();
        return out;
    }

    /**
     * Asks for {@code key} to be reconciled if its address set {@code addressSet} is empty once the current batch is
     * committed ({@link PolicyMembers#leave}). Worker thread only.
     */
    void followUpIfEmptied(ObjectKey key, String addressSet) {
        emptiedCandidates.put(addressSet, key);
    }

    /**
     * The keys {@link #followUpIfEmptied} asked for whose set {@code nb} shows empty; forgets every candidate (a batch
     * that failed and is processed again asks again).
     */
    public Set<ObjectKey> drainEmptied(DatabaseReplica nb) {
        Set<ObjectKey> out = new LinkedHashSet<>();
        emptiedCandidates.forEach((set, key) -> {
            if (nb.lookupOne(AddressSet.TABLE, AddressSet.NAME, set).map(as -> as.addresses().isEmpty()).orElse(false)) {
                out.add(key);
            }
        });
        emptiedCandidates.clear();
        return out;
    }

    /** Drops what {@link #sharedPeers} remembers of a deleted policy. */
    void forgetPolicy(NetworkPolicy np) {
        sharedPeers.remove(np.getMetadata().getNamespace() + "/" + np.getMetadata().getName());
    }

    /** The policies with a peer whose shared address set has this id. */
    public List<NetworkPolicy> policiesWithPeer(String id) {
        return policies.getIndexer().byIndex(POLICIES_BY_SHARED_PEER, id);
    }

    public List<NetworkPolicy> policiesIn(String namespace) {
        return policies.getIndexer().byIndex(BY_NAMESPACE, namespace);
    }

    /** The policies with a namespaceSelector peer: they may admit pods of any namespace. */
    public List<NetworkPolicy> policiesNamingNamespaces() {
        return policies.getIndexer().byIndex(POLICIES_BY_PEER, HAS_NAMESPACE_SELECTOR);
    }

    /**
     * The policies with a peer naming namespaces whose addresses a pod event can change (not the shared namespace
     * sets: {@link PolicyPeers#podDependent}).
     */
    public List<NetworkPolicy> policiesWithPodDependentNamespacePeers() {
        return policies.getIndexer().byIndex(POLICIES_BY_PEER, POD_DEPENDENT_NAMESPACE_PEER);
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
        return PARSED_GATEWAYS.get(a.get(GatewayConfig.ANNOTATION));
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

    public List<Node> nodesList() {
        return nodes.getStore().list();
    }

    public List<Pod> podsList() {
        return pods.getStore().list();
    }

    public List<Service> servicesList() {
        return services.getStore().list();
    }

    public List<Namespace> namespacesList() {
        return namespaces.getStore().list();
    }

    public List<NetworkPolicy> policiesList() {
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
                : pool.get(pod.getMetadata().getUid()).map(Ipv4Cidr::format);
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
