package io.kovn.controller.reconcile;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Service;
import io.kovn.controller.ObjectKey;
import io.kovn.controller.alloc.AddressPool;
import io.kovn.ovn.Owners;
import io.kovn.ovn.annotations.GatewayConfig;
import io.kovn.ovn.annotations.NodeSubnets;
import io.kovn.ovn.nb.LogicalRouterPort;
import io.kovn.ovn.nb.LogicalSwitch;
import io.kovn.ovn.net.Ipv4Cidr;
import io.kovn.ovn.ops.NbTxn;
import io.kovn.ovn.ops.TemplateVarOps;
import io.kovn.ovsdb.replica.DatabaseReplica;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A Node gets a subnet, a logical switch, a router port and a management port; a deleted node releases them. */
public final class NodeReconciler implements Reconciler {
    private static final Logger log = LoggerFactory.getLogger(NodeReconciler.class);
    private final ClusterState state;

    public NodeReconciler(ClusterState state) {
        this.state = state;
    }

    /**
     * Node subnets from the Node annotations and NB's node switches, the gateway routers' join addresses from NB,
     * and an empty address pool per node subnet (filled by {@link PodReconciler#rebuildAllocations}).
     */
    @Override
    public void rebuildAllocations(DatabaseReplica nb) {
        for (Node node : state.nodesList()) {
            String a = node.getMetadata().getAnnotations() == null ? null : node.getMetadata().getAnnotations().get(NodeSubnets.ANNOTATION);
            if (a != null) {
                try {
                    Ipv4Cidr subnet = NodeSubnets.parse(a).first();
                    if (!state.subnets().claim(node.getMetadata().getName(), subnet)) {
                        log.warn("node {}: subnet {} from its annotation is not usable; it will get a new one", node.getMetadata().getName(), subnet);
                    }
                } catch (IllegalArgumentException e) {
                    log.warn("node {}: ignoring bad annotation: {}", node.getMetadata().getName(), e.getMessage());
                }
            }
        }
        for (LogicalSwitch sw : nb.list(LogicalSwitch.TABLE)) {
            String owner = sw.externalIds().get(Owners.OWNER);
            String subnet = sw.otherConfig().get("subnet");
            if (Owners.TYPE_NODE.equals(sw.externalIds().get(Owners.OWNER_TYPE)) && owner != null && subnet != null) {
                state.subnets().claim(owner, Ipv4Cidr.parse(subnet));
            }
        }
        for (LogicalRouterPort p : nb.byExternalId(LogicalRouterPort.TABLE, Owners.OWNER_TYPE, Owners.TYPE_NODE)) {
            String owner = p.externalIds().get(Owners.OWNER);
            if (p.name().equals(GatewayTopology.joinPort(owner)) && !p.networks().isEmpty()) {
                String n = p.networks().iterator().next();
                state.joinIps().claim(owner, Ipv4Cidr.parseAddress(n.substring(0, n.indexOf('/'))));
            }
        }
        for (Node node : state.nodesList()) {
            state.subnets().get(node.getMetadata().getName()).ifPresent(subnet ->
                    state.podIps().computeIfAbsent(node.getMetadata().getName(), n -> new AddressPool(subnet)));
        }
        log.info("full sync: {} node subnets rebuilt", state.subnets().allocatedCount());
    }

    @Override
    public AfterCommit reconcile(ObjectKey key, NbTxn txn) throws Exception {
        String name = key.name();
        Node node = state.node(name);
        if (node == null) {
            ClusterTopology.deleteNode(txn, name);
            GatewayTopology.delete(txn, name);
            txn.onFinish(NamespaceIsolationReconciler.NODE_MANAGEMENT_SET, this::ensureManagementSet);
            return () -> {
                state.subnets.release(name);
                state.joinIps.release(name);
                state.podIps.remove(name);
                log.info("node {} deleted: released its switch and subnet", name);
            };
        }
        Ipv4Cidr subnet = subnetOf(node);
        ClusterTopology.ensureNode(txn, name, subnet);
        state.podIps.computeIfAbsent(name, n -> new AddressPool(subnet));
        txn.onFinish(NamespaceIsolationReconciler.NODE_MANAGEMENT_SET, this::ensureManagementSet);
        Map<String, String> publish = new java.util.LinkedHashMap<>();
        String published = annotation(node);
        if (!announces(published, subnet)) {
            publish.put(NodeSubnets.ANNOTATION, new NodeSubnets(List.of(subnet)).toJson());
        }
        Optional<GatewayConfig> gw = ClusterState.gateway(node);
        if (gw.isPresent()) {
            String join = joinAddress(node);
            String chassis = ClusterState.gatewayChassis(node).orElseThrow();
            ClusterTopology.ensureNodeRoutes(txn, name, subnet, GatewayTopology.ensure(txn,
                    new GatewayTopology.GatewaySpec(name, chassis, gw.get(), join, state.config.joinSubnet(),
                            state.config.clusterSubnet(), routedSubnets(name, subnet, gw.get()))));
            removeStaleServiceVariables(txn, name, chassis, gw.get().nodePortEnable());
            String joinJson = joinJson(join, state.config.joinSubnet());
            if (!joinJson.equals(node.getMetadata().getAnnotations().get(GatewayConfig.JOIN_ADDRESS_ANNOTATION))) {
                publish.put(GatewayConfig.JOIN_ADDRESS_ANNOTATION, joinJson);
            }
        } else {
            GatewayTopology.delete(txn, name);
            ClusterTopology.ensureNodeRoutes(txn, name, subnet, java.util.Set.of());
            state.joinIps.release(name);
        }
        if (publish.isEmpty()) {
            return AfterCommit.NOTHING;
        }
        return () -> state.api.annotateNode(name, publish);
    }

    /**
     * Removes from the chassis's template variables those of services that no longer want them on this node (the
     * service is gone, or no longer has that externalTrafficPolicy Local NodePort, or the node stopped serving
     * NodePorts). A service's own reconcile removes what it stops using; this catches what nothing would (a
     * service deleted while the controller was down): the full sync reconciles every node.
     */
    private void removeStaleServiceVariables(NbTxn txn, String node, String chassis, boolean servesNodePorts) {
        TemplateVarOps.row(txn, chassis).filter(r -> !r.inserted()).ifPresent(row -> {
            Set<String> stale = new TreeSet<>();
            for (String variable : row.variables().keySet()) {
                NodePortTemplates.serviceOf(variable).ifPresent(key -> {
                    Service svc = state.service(key.namespace(), key.name());
                    if (!servesNodePorts || svc == null || !ServiceReconciler.localVariables(key, svc).contains(variable)) {
                        stale.add(variable);
                    }
                });
            }
            TemplateVarOps.set(txn, row, Map.of(), stale);
        });
    }

    /** The join address annotation's value for {@code address} in {@code joinSubnet}. */
    static String joinJson(String address, Ipv4Cidr joinSubnet) {
        return "{\"ipv4\":\"" + address + "/" + joinSubnet.prefix() + "\"}";
    }

    /** The gateway router's join address: the one it holds, the one its annotation names, or a new one. */
    private String joinAddress(Node node) throws Exception {
        String name = node.getMetadata().getName();
        Optional<Integer> held = state.joinIps.get(name);
        if (held.isPresent()) {
            return Ipv4Cidr.format(held.get());
        }
        String published = node.getMetadata().getAnnotations().get(GatewayConfig.JOIN_ADDRESS_ANNOTATION);
        if (published != null) {
            try {
                String cidr = io.kovn.ovsdb.wire.OvsdbJson.MAPPER.readTree(published).path("ipv4").asString("");
                int ip = Ipv4Cidr.parseAddress(cidr.substring(0, cidr.indexOf('/')));
                if (state.joinIps.claim(name, ip)) {
                    return Ipv4Cidr.format(ip);
                }
            } catch (RuntimeException e) {
                log.warn("node {}: ignoring bad {}: {}", name, GatewayConfig.JOIN_ADDRESS_ANNOTATION, published);
            }
        }
        return Ipv4Cidr.format(state.joinIps.allocate(name));
    }

    /**
     * The pod subnets whose egress leaves through this node's gateway: its own, unless another gateway pins it
     * with rampout-ip-subnets, and those it pins itself. A bad entry of this node fails this node only; another
     * node's bad entry is skipped here (its own reconcile reports it), so it cannot hold every gateway back.
     */
    private java.util.Set<Ipv4Cidr> routedSubnets(String name, Ipv4Cidr own, GatewayConfig gw) {
        java.util.Set<Ipv4Cidr> out = new java.util.LinkedHashSet<>();
        boolean pinnedElsewhere = false;
        for (Node other : state.nodesPinning(own)) {
            pinnedElsewhere |= !other.getMetadata().getName().equals(name);
        }
        if (!pinnedElsewhere) {
            out.add(own);
        }
        for (String s : gw.rampoutIpSubnets()) {
            try {
                out.add(Ipv4Cidr.parse(s));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(GatewayConfig.ANNOTATION + " rampout-ip-subnets: " + e.getMessage(), e);
            }
        }
        return out;
    }

    /**
     * The management port addresses and host service source addresses of every node: network policy always admits
     * them. Written once per transaction after every node's step ({@link NbTxn#onFinish}), from the subnets the
     * nodes hold then (a node deleted in the transaction is out of the informer's store already).
     */
    private void ensureManagementSet(NbTxn txn) {
        java.util.Set<String> ips = new java.util.TreeSet<>();
        for (Node n : state.nodesList()) {
            state.subnets.get(n.getMetadata().getName()).ifPresent(s -> {
                ips.add(s.managementAddress());
                ips.add(io.kovn.ovn.net.HostServiceSource.of(s)); // the host's source for service traffic
            });
        }
        io.kovn.ovn.ops.PolicyOps.ensureAddressSet(txn, NamespaceIsolationReconciler.NODE_MANAGEMENT_SET, ips,
                io.kovn.ovn.Owners.of(io.kovn.ovn.Owners.TYPE_CLUSTER, NamespaceIsolationReconciler.NODE_MANAGEMENT_SET));
    }

    /** The node's subnet: the one it holds, the one its annotation names (after a restart), or a new one. */
    private Ipv4Cidr subnetOf(Node node) throws Exception {
        String name = node.getMetadata().getName();
        Optional<Ipv4Cidr> held = state.subnets.get(name);
        if (held.isPresent()) {
            return held.get();
        }
        String published = annotation(node);
        if (published != null) {
            Optional<NodeSubnets> parsed = parses(published);
            if (parsed.isPresent() && state.subnets.claim(name, parsed.get().first())) {
                return parsed.get().first();
            }
            log.warn("node {}: annotation {}={} is not a free subnet of {}; allocating a new one", name,
                    NodeSubnets.ANNOTATION, published, state.config.clusterSubnet());
        }
        Ipv4Cidr s = state.subnets.allocate(name);
        log.info("node {}: allocated subnet {}", name, s);
        return s;
    }

    static String annotation(Node node) {
        Map<String, String> a = node.getMetadata().getAnnotations();
        return a == null ? null : a.get(NodeSubnets.ANNOTATION);
    }

    /** Whether {@code published} (the subnet annotation's value, null if absent) is the one for {@code subnet}. */
    static boolean announces(String published, Ipv4Cidr subnet) {
        return published != null && parses(published).filter(new NodeSubnets(List.of(subnet))::equals).isPresent();
    }

    static Optional<NodeSubnets> parses(String json) {
        try {
            return Optional.of(NodeSubnets.parse(json));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
