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
import io.kovn.ovn.nb.LoadBalancer;
import io.kovn.ovn.ops.LoadBalancerOps;
import io.kovn.ovn.ops.NbTxn;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A ClusterIP service becomes one OVN load balancer per protocol, in the cluster load balancer group, with a
 * VIP per cluster IP and external IP and port, and the backends its EndpointSlices name. kovn never computes
 * endpoints from selectors: that is the EndpointSlice controller's job.
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
        if (svc != null) {
            for (Map.Entry<String, Map<String, LoadBalancerOps.LoadBalancerSpec>> gw : gatewayLoadBalancers(key, svc).entrySet()) {
                for (LoadBalancerOps.LoadBalancerSpec spec : gw.getValue().values()) {
                    LoadBalancerOps.ensureOnRouter(txn, spec, Names.gatewayRouter(gw.getKey()));
                    desired.put(spec.name(), spec);
                }
            }
        }
        for (LoadBalancer lb : txn.nb().byExternalId(LoadBalancer.TABLE, Owners.OWNER, key.ref())) {
            if (Owners.TYPE_SERVICE.equals(lb.externalIds().get(Owners.OWNER_TYPE)) && !desired.containsKey(lb.name())) {
                LoadBalancerOps.delete(txn, lb);
            }
        }
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
     * Per gateway node, the load balancers its gateway router serves: NodePorts on the node's address, and with
     * externalTrafficPolicy Local also the external addresses; Local keeps only the node's own endpoints and
     * skips SNAT so the client's address is kept.
     */
    Map<String, Map<String, LoadBalancerOps.LoadBalancerSpec>> gatewayLoadBalancers(ObjectKey key, Service svc) {
        Map<String, Map<String, LoadBalancerOps.LoadBalancerSpec>> out = new TreeMap<>();
        if (!hasClusterIp(svc) && !"NodePort".equals(svc.getSpec().getType()) && !"LoadBalancer".equals(svc.getSpec().getType())) {
            return out;
        }
        boolean nodePorts = "NodePort".equals(svc.getSpec().getType()) || "LoadBalancer".equals(svc.getSpec().getType());
        boolean local = localTraffic(svc);
        List<String> external = local ? externalAddresses(svc) : List.of();
        if (!nodePorts && external.isEmpty()) {
            return out;
        }
        List<EndpointSlice> slices = state.slices.getIndexer().byIndex(ClusterState.SLICES_BY_SERVICE, key.ref());
        for (Node node : state.nodesList()) {
            String nodeName = node.getMetadata().getName();
            var gw = ClusterState.gateway(node);
            if (gw.isEmpty()) {
                continue;
            }
            Map<String, Map<String, String>> vipsByProtocol = new TreeMap<>();
            for (ServicePort sp : svc.getSpec().getPorts()) {
                String protocol = sp.getProtocol() == null ? "TCP" : sp.getProtocol();
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
                for (String addr : e.getAddresses()) {
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

    /** "namespace/service" of the Service an EndpointSlice belongs to, or null for a slice without that label. */
    public static String sliceServiceKey(EndpointSlice slice) {
        Map<String, String> labels = slice.getMetadata().getLabels();
        String svc = labels == null ? null : labels.get(SERVICE_NAME_LABEL);
        return svc == null ? null : slice.getMetadata().getNamespace() + "/" + svc;
    }
}
