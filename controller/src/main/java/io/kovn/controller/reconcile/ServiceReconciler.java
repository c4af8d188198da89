package io.kovn.controller.reconcile;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.kovn.controller.ObjectKey;
import io.kovn.ovn.Names;
import io.kovn.ovn.Owners;
import io.kovn.ovn.nb.ChassisTemplateVar;
import io.kovn.ovn.nb.LoadBalancer;
import io.kovn.ovn.net.Ipv4Cidr;
import io.kovn.ovn.ops.LoadBalancerOps;
import io.kovn.ovn.ops.NbTxn;
import io.kovn.ovn.ops.TemplateVarOps;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A ClusterIP service becomes one OVN load balancer per protocol, in the cluster load balancer group, with a
 * VIP per cluster IP and external IP and port, and the backends its EndpointSlices name; its NodePorts one
 * template load balancer per protocol in the gateway routers' NodePort group ({@link NodePortTemplates}). kovn
 * never computes endpoints from selectors: that is the EndpointSlice controller's job.
 */
public final class ServiceReconciler implements Reconciler {
    /** sessionAffinity ClientIP's default timeout, as Kubernetes defines it. */
    static final int DEFAULT_AFFINITY_SECONDS = 10800;
    static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";

    private final ClusterState state;

    public ServiceReconciler(ClusterState state) {
        this.state = state;
    }

    public static String loadBalancerName(ObjectKey key, String protocol) {
        return "Service_" + key.ref() + "_" + protocol.toUpperCase(Locale.ROOT);
    }

    @Override
    public AfterCommit reconcile(ObjectKey key, NbTxn txn) {
        Service svc = state.service(key.namespace(), key.name());
        Map<String, LoadBalancerOps.LoadBalancerSpec> desired = new HashMap<>(svc == null ? Map.of() : desired(key, svc));
        for (LoadBalancerOps.LoadBalancerSpec spec : desired.values()) {
            LoadBalancerOps.ensure(txn, spec, ClusterTopology.CLUSTER_LB_GROUP);
        }
        Set<String> localNames = Set.of();
        Map<String, Map<String, String>> localValues = Map.of();
        if (svc != null) {
            List<EndpointSlice> slices = state.slices.getIndexer().byIndex(ClusterState.SLICES_BY_SERVICE, key.ref());
            for (LoadBalancerOps.LoadBalancerSpec spec : nodePortTemplates(key, svc, slices).values()) {
                LoadBalancerOps.ensure(txn, spec, ClusterTopology.NODE_PORT_LB_GROUP);
                desired.put(spec.name(), spec);
            }
            for (Map.Entry<String, Map<String, LoadBalancerOps.LoadBalancerSpec>> gw : gatewayLoadBalancers(key, svc).entrySet()) {
                for (LoadBalancerOps.LoadBalancerSpec spec : gw.getValue().values()) {
                    LoadBalancerOps.ensureOnRouter(txn, spec, Names.gatewayRouter(gw.getKey()));
                    desired.put(spec.name(), spec);
                }
            }
            localNames = localVariables(key, svc);
            localValues = localBackendsByChassis(key, svc, slices, localNames);
        }
        Set<String> referenced = new TreeSet<>();
        for (LoadBalancer lb : txn.nb().byExternalId(LoadBalancer.TABLE, Owners.OWNER, key.ref())) {
            if (Owners.TYPE_SERVICE.equals(lb.externalIds().get(Owners.OWNER_TYPE))) {
                referenced.addAll(NodePortTemplates.referencedBy(lb, key));
                if (!desired.containsKey(lb.name())) {
                    LoadBalancerOps.delete(txn, lb);
                }
            }
        }
        setLocalVariables(txn, localNames, localValues, referenced);
        return AfterCommit.NOTHING;
    }

    /** Load balancers by name; none for headless and ExternalName services. */
    Map<String, LoadBalancerOps.LoadBalancerSpec> desired(ObjectKey key, Service svc) {
        return clusterLoadBalancers(key, svc, state.slices.getIndexer().byIndex(ClusterState.SLICES_BY_SERVICE, key.ref()));
    }

    /**
     * The service's cluster load balancers by name (ClusterIPs and, unless externalTrafficPolicy is Local, external
     * addresses), backends from {@code slices}; none for headless and ExternalName services. Underlay mode's
     * controller uses it too.
     */
    public static Map<String, LoadBalancerOps.LoadBalancerSpec> clusterLoadBalancers(ObjectKey key, Service svc,
                                                                                     List<EndpointSlice> slices) {
        if (!hasClusterIp(svc)) {
            return Map.of();
        }
        List<String> vips = new ArrayList<>();
        List<String> clusterIps = svc.getSpec().getClusterIPs();
        if (clusterIps == null || clusterIps.isEmpty()) {
            clusterIps = List.of(svc.getSpec().getClusterIP());
        }
        clusterIps.stream().filter(ip -> !ip.contains(":")).forEach(vips::add);
        if (!localTraffic(svc)) {
            vips.addAll(externalAddresses(svc));
        }
        Map<String, Map<String, String>> vipsByProtocol = new TreeMap<>();
        for (ServicePort sp : svc.getSpec().getPorts()) {
            String protocol = sp.getProtocol() == null ? "TCP" : sp.getProtocol();
            String backends = String.join(",", backends(slices, sp, protocol));
            for (String vip : vips) {
                vipsByProtocol.computeIfAbsent(protocol, p -> new TreeMap<>()).put(vip + ":" + sp.getPort(), backends);
            }
        }
        Map<String, String> options = baseOptions(svc);
        Map<String, LoadBalancerOps.LoadBalancerSpec> out = new HashMap<>();
        vipsByProtocol.forEach((protocol, v) -> {
            String name = loadBalancerName(key, protocol);
            Map<String, String> ext = Owners.of(Owners.TYPE_SERVICE, key.ref());
            out.put(name, new LoadBalancerOps.LoadBalancerSpec(name, protocol.toLowerCase(Locale.ROOT), v, options, ext));
        });
        return out;
    }

    /** Options every load balancer of the service carries: reject without backends, client-IP affinity. */
    private static Map<String, String> baseOptions(Service svc) {
        Map<String, String> options = new TreeMap<>();
        // a VIP without backends answers with a reset / ICMP unreachable instead of dropping silently
        options.put("reject", "true");
        if ("ClientIP".equals(svc.getSpec().getSessionAffinity())) {
            Integer timeout = svc.getSpec().getSessionAffinityConfig() == null
                    || svc.getSpec().getSessionAffinityConfig().getClientIP() == null ? null
                    : svc.getSpec().getSessionAffinityConfig().getClientIP().getTimeoutSeconds();
            options.put("affinity_timeout", String.valueOf(timeout == null ? DEFAULT_AFFINITY_SECONDS : timeout));
        }
        return options;
    }

    /** externalTrafficPolicy Local: only endpoints on the receiving node, and the client's address is kept. */
    static boolean localTraffic(Service svc) {
        return "Local".equals(svc.getSpec().getExternalTrafficPolicy());
    }

    /** spec.externalIPs and status.loadBalancer.ingress IPs (IPv4). */
    static List<String> externalAddresses(Service svc) {
        List<String> out = new ArrayList<>();
        if (svc.getSpec().getExternalIPs() != null) {
            svc.getSpec().getExternalIPs().stream().filter(ip -> !ip.contains(":")).forEach(out::add);
        }
        if (svc.getStatus() != null && svc.getStatus().getLoadBalancer() != null
                && svc.getStatus().getLoadBalancer().getIngress() != null) {
            svc.getStatus().getLoadBalancer().getIngress().stream().map(i -> i.getIp())
                    .filter(ip -> ip != null && !ip.contains(":")).forEach(out::add);
        }
        return out;
    }

    /**
     * The service's NodePort template load balancers by name, one per protocol, for the gateway routers' NodePort
     * group ({@link NodePortTemplates}): VIP {@code ^NODEIP_IPv4:<nodePort>}; backends every endpoint, or with
     * externalTrafficPolicy Local the node's own ({@code ^ETP_LOCAL...}, and SNAT skipped so the client's address
     * is kept). None for a service with ClientIP affinity: OVN 23.03's affinity flows need the VIP's address,
     * which a template VIP has only on the chassis; those stay per gateway router ({@link #gatewayLoadBalancers}).
     */
    static Map<String, LoadBalancerOps.LoadBalancerSpec> nodePortTemplates(ObjectKey key, Service svc,
                                                                           List<EndpointSlice> slices) {
        Map<String, LoadBalancerOps.LoadBalancerSpec> out = new TreeMap<>();
        if (!hasNodePorts(svc) || clientIpAffinity(svc)) {
            return out;
        }
        boolean local = localTraffic(svc);
        Map<String, Map<String, String>> vipsByProtocol = new TreeMap<>();
        for (ServicePort sp : svc.getSpec().getPorts()) {
            if (sp.getNodePort() == null) {
                continue;
            }
            String protocol = protocol(sp);
            String backends = local ? NodePortTemplates.REF + NodePortTemplates.localBackends(key, protocol, sp.getNodePort())
                    : String.join(",", backends(slices, sp, protocol));
            vipsByProtocol.computeIfAbsent(protocol, p -> new TreeMap<>())
                    .put(NodePortTemplates.REF + NodePortTemplates.NODE_IP + ":" + sp.getNodePort(), backends);
        }
        Map<String, String> options = baseOptions(svc);
        options.put("template", "true");
        options.put("address-family", "ipv4");
        if (local) {
            options.put("skip_snat", "true");
        }
        vipsByProtocol.forEach((protocol, v) -> {
            String name = nodePortTemplateName(key, protocol);
            out.put(name, new LoadBalancerOps.LoadBalancerSpec(name, protocol.toLowerCase(Locale.ROOT), v, options,
                    Owners.of(Owners.TYPE_SERVICE, key.ref())));
        });
        return out;
    }

    public static String nodePortTemplateName(ObjectKey key, String protocol) {
        return loadBalancerName(key, protocol) + "_NodePort";
    }

    /**
     * The local-backends variables the service's NodePort templates refer to (externalTrafficPolicy Local, no
     * ClientIP affinity); none otherwise.
     */
    static Set<String> localVariables(ObjectKey key, Service svc) {
        Set<String> out = new TreeSet<>();
        if (hasNodePorts(svc) && !clientIpAffinity(svc) && localTraffic(svc)) {
            for (ServicePort sp : svc.getSpec().getPorts()) {
                if (sp.getNodePort() != null) {
                    out.add(NodePortTemplates.localBackends(key, protocol(sp), sp.getNodePort()));
                }
            }
        }
        return out;
    }

    /**
     * Per chassis of a gateway node that serves NodePorts, the value there of each of the service's local-backends
     * variables ({@code names}): that node's endpoints of the port ("" if it has none: the NodePort then drops,
     * as kube-proxy does for Local without a local endpoint).
     */
    private Map<String, Map<String, String>> localBackendsByChassis(ObjectKey key, Service svc, List<EndpointSlice> slices,
                                                                   Set<String> names) {
        if (names.isEmpty()) {
            return Map.of();
        }
        Map<String, Map<String, String>> out = new TreeMap<>();
        for (Node node : state.gatewayNodes()) {
            var gw = ClusterState.gateway(node);
            if (gw.isEmpty() || !gw.get().nodePortEnable()) {
                continue;
            }
            String nodeName = node.getMetadata().getName();
            Map<String, String> values = new TreeMap<>();
            for (ServicePort sp : svc.getSpec().getPorts()) {
                if (sp.getNodePort() != null) {
                    String protocol = protocol(sp);
                    values.put(NodePortTemplates.localBackends(key, protocol, sp.getNodePort()),
                            String.join(",", backends(slices, sp, protocol, nodeName)));
                }
            }
            out.put(ClusterState.gatewayChassis(node).orElseThrow(), values);
        }
        return out;
    }

    /**
     * Writes the service's local-backends variables ({@code names}) into the gateway chassis rows with their
     * values {@code byChassis}, removes the {@code referenced} ones (its template load balancers' now) it no longer
     * uses, and its variables from rows of chassis that no longer serve its NodePorts. Touches no row when the
     * service has and had none (every service without externalTrafficPolicy Local).
     */
    private static void setLocalVariables(NbTxn txn, Set<String> names, Map<String, Map<String, String>> byChassis,
                                          Set<String> referenced) {
        if (names.isEmpty() && referenced.isEmpty()) {
            return;
        }
        Set<String> all = new TreeSet<>(referenced);
        all.addAll(names);
        Set<String> written = new TreeSet<>();
        // a chassis whose row is not there yet gets it from its node's reconcile, which re-queues this service
        byChassis.forEach((chassis, values) -> TemplateVarOps.row(txn, chassis).filter(r -> r.inserted()
                || Owners.TYPE_NODE.equals(r.externalIds().get(Owners.OWNER_TYPE))).ifPresent(row -> {
                    TemplateVarOps.set(txn, row, values, all);
                    written.add(chassis);
                }));
        for (ChassisTemplateVar row : txn.nb().byExternalId(ChassisTemplateVar.TABLE, Owners.OWNER_TYPE, Owners.TYPE_NODE)) {
            if (!written.contains(row.chassis())) {
                TemplateVarOps.row(txn, row.chassis()).ifPresent(r -> TemplateVarOps.set(txn, r, Map.of(), all));
            }
        }
    }

    /**
     * Per gateway node, the load balancers its own gateway router needs besides the NodePort templates: with
     * externalTrafficPolicy Local the external addresses (only the node's own endpoints, SNAT skipped so the
     * client's address is kept); with ClientIP affinity the NodePorts on the node's address; and, on the nodes an
     * endpoint of a Cluster-policy NodePort runs on, that NodePort on the node's address too. The last is a
     * workaround: measured in the sandbox (GatewayE2ETest), the template alone does not answer on the backend's
     * own node (force-SNAT to the router, backend on the same chassis), where an explicit VIP does; northd 23.03
     * adds for an explicit VIP that is also the router's SNAT address a flow that keeps the connection's later
     * packets out of the SNAT zone (lr_in_unsnat, priority 120), which it cannot add for a template VIP.
     */
    Map<String, Map<String, LoadBalancerOps.LoadBalancerSpec>> gatewayLoadBalancers(ObjectKey key, Service svc) {
        Map<String, Map<String, LoadBalancerOps.LoadBalancerSpec>> out = new TreeMap<>();
        boolean affinity = hasNodePorts(svc) && clientIpAffinity(svc);
        boolean local = localTraffic(svc);
        boolean backendNodes = hasNodePorts(svc) && !affinity && !local;
        List<String> external = local && hasClusterIp(svc) ? externalAddresses(svc) : List.of();
        if (!affinity && !backendNodes && external.isEmpty()) {
            return out;
        }
        List<EndpointSlice> slices = state.slices.getIndexer().byIndex(ClusterState.SLICES_BY_SERVICE, key.ref());
        Set<String> hosting = backendNodes ? endpointNodes(slices) : Set.of();
        // only the endpoints' nodes get a Cluster NodePort's explicit VIP: those alone are read (not every node
        // for every service); the load balancers of nodes that no longer host one go as unexplained rows
        List<Node> candidates = affinity || !external.isEmpty() ? state.gatewayNodes()
                : hosting.stream().map(state::node).filter(Objects::nonNull).toList();
        for (Node node : candidates) {
            String nodeName = node.getMetadata().getName();
            var gw = ClusterState.gateway(node);
            if (gw.isEmpty()) {
                continue;
            }
            boolean nodePorts = affinity || hosting.contains(nodeName);
            Map<String, Map<String, String>> vipsByProtocol = new TreeMap<>();
            for (ServicePort sp : svc.getSpec().getPorts()) {
                String protocol = protocol(sp);
                String backends = String.join(",", backends(slices, sp, protocol, local ? nodeName : null));
                Map<String, String> v = vipsByProtocol.computeIfAbsent(protocol, p -> new TreeMap<>());
                if (nodePorts && gw.get().nodePortEnable() && sp.getNodePort() != null) {
                    v.put(gw.get().ip() + ":" + sp.getNodePort(), backends);
                }
                for (String ip : external) {
                    v.put(ip + ":" + sp.getPort(), backends);
                }
            }
            Map<String, String> options = baseOptions(svc);
            if (local) {
                options.put("skip_snat", "true");
            }
            Map<String, LoadBalancerOps.LoadBalancerSpec> specs = new TreeMap<>();
            vipsByProtocol.forEach((protocol, v) -> {
                if (!v.isEmpty()) {
                    String name = loadBalancerName(key, protocol) + "_" + Names.gatewayRouter(nodeName);
                    specs.put(name, new LoadBalancerOps.LoadBalancerSpec(name, protocol.toLowerCase(Locale.ROOT), v,
                            options, Owners.of(Owners.TYPE_SERVICE, key.ref())));
                }
            });
            out.put(nodeName, specs);
        }
        return out;
    }

    /** The nodes an endpoint of the slices runs on. */
    private static Set<String> endpointNodes(List<EndpointSlice> slices) {
        Set<String> out = new TreeSet<>();
        for (EndpointSlice slice : slices) {
            for (Endpoint e : slice.getEndpoints() == null ? List.<Endpoint>of() : slice.getEndpoints()) {
                if (e.getNodeName() != null) {
                    out.add(e.getNodeName());
                }
            }
        }
        return out;
    }

    /** NodePort and LoadBalancer services get node ports (when their ports name one). */
    static boolean hasNodePorts(Service svc) {
        return svc.getSpec() != null && ("NodePort".equals(svc.getSpec().getType()) || "LoadBalancer".equals(svc.getSpec().getType()));
    }

    static boolean clientIpAffinity(Service svc) {
        return "ClientIP".equals(svc.getSpec().getSessionAffinity());
    }

    /**
     * Whether the service has load balancers or variables that differ per gateway node, which a gateway change
     * (a node's address, chassis, NodePort serving) must rewrite: externalTrafficPolicy Local with node ports
     * or external addresses, and every service with node ports (the explicit VIPs of the nodes its endpoints run
     * on, {@link #gatewayLoadBalancers}); their reconcile writes only what that gateway changes.
     */
    public static boolean dependsOnGateways(Service svc) {
        if (svc.getSpec() == null) {
            return false;
        }
        return localTraffic(svc) && (hasNodePorts(svc) || !externalAddresses(svc).isEmpty()) || hasNodePorts(svc);
    }

    private static String protocol(ServicePort sp) {
        return sp.getProtocol() == null ? "TCP" : sp.getProtocol();
    }

    static boolean hasClusterIp(Service svc) {
        if (svc.getSpec() == null || "ExternalName".equals(svc.getSpec().getType())) {
            return false;
        }
        String ip = svc.getSpec().getClusterIP();
        return ip != null && !ip.isEmpty() && !"None".equals(ip);
    }

    /**
     * "ip:port" backends of a service port, sorted: the ready endpoints; if there are none, the serving ones
     * that are terminating (as kube-proxy falls back to them).
     */
    static Set<String> backends(List<EndpointSlice> slices, ServicePort sp, String protocol) {
        return backends(slices, sp, protocol, null);
    }

    /** As {@link #backends(List, ServicePort, String)}, restricted to endpoints on {@code node} if not null. */
    static Set<String> backends(List<EndpointSlice> slices, ServicePort sp, String protocol, String node) {
        Set<String> ready = new TreeSet<>();
        Set<String> terminating = new TreeSet<>();
        String portName = sp.getName() == null ? "" : sp.getName();
        for (EndpointSlice slice : slices) {
            if (slice.getAddressType() != null && !"IPv4".equals(slice.getAddressType())) {
                continue;
            }
            Integer port = null;
            for (EndpointPort ep : slice.getPorts() == null ? List.<EndpointPort>of() : slice.getPorts()) {
                String epName = ep.getName() == null ? "" : ep.getName();
                String epProtocol = ep.getProtocol() == null ? "TCP" : ep.getProtocol();
                if (epName.equals(portName) && epProtocol.equals(protocol)) {
                    port = ep.getPort();
                }
            }
            if (port == null || slice.getEndpoints() == null) {
                continue;
            }
            for (Endpoint e : slice.getEndpoints()) {
                if (node != null && !node.equals(e.getNodeName())) {
                    continue;
                }
                var c = e.getConditions();
                boolean isReady = c == null || c.getReady() == null || c.getReady();
                boolean serving = c != null && (c.getServing() == null ? isReady : c.getServing());
                boolean isTerminating = c != null && Boolean.TRUE.equals(c.getTerminating());
                for (String address : e.getAddresses()) {
                    // re-formatted from its parsed value: an endpoint's text reaches OVN's lexer through templates
                    String addr = canonical(address);
                    if (addr == null) {
                        continue;
                    }
                    if (isReady && !isTerminating) {
                        ready.add(addr + ":" + port);
                    } else if (serving && isTerminating) {
                        terminating.add(addr + ":" + port);
                    }
                }
            }
        }
        return ready.isEmpty() ? terminating : ready;
    }

    /** The dotted quad of {@code address}, or null if it is not an IPv4 address. */
    private static String canonical(String address) {
        if (address == null) {
            return null;
        }
        try {
            return Ipv4Cidr.format(Ipv4Cidr.parseAddress(address));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** "namespace/service" of the Service an EndpointSlice belongs to, or null for a slice without that label. */
    public static String sliceServiceKey(EndpointSlice slice) {
        Map<String, String> labels = slice.getMetadata().getLabels();
        String svc = labels == null ? null : labels.get(SERVICE_NAME_LABEL);
        return svc == null ? null : slice.getMetadata().getNamespace() + "/" + svc;
    }
}
