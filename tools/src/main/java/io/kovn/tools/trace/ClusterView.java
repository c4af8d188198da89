package io.kovn.tools.trace;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.kovn.controller.ObjectKey;
import io.kovn.controller.reconcile.NetworkPolicyReconciler;
import io.kovn.controller.reconcile.NodePortTemplates;
import io.kovn.ovn.Names;
import io.kovn.ovn.Owners;
import io.kovn.ovn.nb.ACL;
import io.kovn.ovn.nb.ChassisTemplateVar;
import io.kovn.ovn.nb.LoadBalancer;
import io.kovn.ovn.nb.LogicalRouter;
import io.kovn.ovn.nb.LogicalRouterPort;
import io.kovn.ovn.nb.LogicalSwitch;
import io.kovn.ovn.nb.LogicalSwitchPort;
import io.kovn.ovn.nb.PortGroup;
import io.kovn.ovn.net.Ipv4Cidr;
import io.kovn.ovn.net.MacAddress;
import io.kovn.ovn.sb.Chassis;
import io.kovn.ovn.sb.Encap;
import io.kovn.ovn.sb.PortBinding;
import io.kovn.ovsdb.replica.DatabaseReplica;
import io.kovn.ovsdb.wire.Uuid;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The cluster as a trace needs it, read from the NB and SB replicas and the Kubernetes API: which logical port,
 * MAC and address an endpoint has, where ports are bound, what ports and datapaths stand for, and kovn's ACLs.
 */
final class ClusterView {
    /** A template variable reference as OVN's lexer reads it: {@code ^} and an identifier. */
    private static final Pattern TEMPLATE_REF = Pattern.compile("\\^([A-Za-z_.][A-Za-z0-9_.]*)");
    private final DatabaseReplica nb;
    private final DatabaseReplica sb;
    private final KubernetesClient kube;

    ClusterView(DatabaseReplica nb, DatabaseReplica sb, KubernetesClient kube) {
        this.nb = nb;
        this.sb = sb;
        this.kube = kube;
    }

    /**
     * A resolved end: its logical port and switch (absent for an address outside the cluster), MAC and address;
     * for a Service its VIP's port and protocol.
     */
    record Endpoint(Optional<String> port, Optional<String> datapath, Optional<MacAddress> mac, int ip,
                    OptionalInt servicePort, Optional<TraceRequest.Protocol> serviceProtocol, String describe) {
    }

    Endpoint resolve(TraceTarget t, OptionalInt requestedPort) {
        return switch (t.kind()) {
            case POD -> {
                Pod pod = kube.pods().inNamespace(t.namespace()).withName(t.name()).get();
                if (pod == null) {
                    throw new IllegalArgumentException("no pod " + t);
                }
                yield port(Names.podPort(t.namespace(), t.name()), "pod " + t + " has no logical port in NB (not "
                        + "scheduled, host network, or the controller has not written it yet)");
            }
            case NODE -> port(Names.managementPort(t.name()), "node " + t.name() + " has no management port in NB");
            case SERVICE -> service(t, requestedPort);
            case IP -> byAddress(t.ip()).orElseGet(() -> new Endpoint(Optional.empty(), Optional.empty(),
                    Optional.empty(), t.ip(), OptionalInt.empty(), Optional.empty(), Ipv4Cidr.format(t.ip())));
        };
    }

    private Endpoint service(TraceTarget t, OptionalInt requestedPort) {
        Service svc = kube.services().inNamespace(t.namespace()).withName(t.name()).get();
        if (svc == null) {
            throw new IllegalArgumentException("no service " + t.namespace() + "/" + t.name());
        }
        String clusterIp = svc.getSpec().getClusterIP();
        if (clusterIp == null || clusterIp.isEmpty() || clusterIp.equals("None")) {
            throw new IllegalArgumentException("service " + t.namespace() + "/" + t.name() + " has no cluster IP");
        }
        List<ServicePort> ports = svc.getSpec().getPorts() == null ? List.of() : svc.getSpec().getPorts();
        ServicePort chosen = null;
        for (ServicePort p : ports) {
            if (requestedPort.isEmpty() || p.getPort() == requestedPort.getAsInt()) {
                chosen = p;
                break;
            }
        }
        if (chosen == null) {
            throw new IllegalArgumentException("service " + t.namespace() + "/" + t.name() + " has no port "
                    + (requestedPort.isPresent() ? requestedPort.getAsInt() : ""));
        }
        String proto = chosen.getProtocol() == null ? "TCP" : chosen.getProtocol().toUpperCase(Locale.ROOT);
        return new Endpoint(Optional.empty(), Optional.empty(), Optional.empty(), Ipv4Cidr.parseAddress(clusterIp),
                OptionalInt.of(chosen.getPort()), Optional.of(proto.equals("UDP") ? TraceRequest.Protocol.UDP
                : TraceRequest.Protocol.TCP), "service " + t.namespace() + "/" + t.name() + " (" + clusterIp + ")");
    }

    private Endpoint port(String name, String missing) {
        LogicalSwitchPort lsp = nb.lookupOne(LogicalSwitchPort.TABLE, LogicalSwitchPort.NAME, name)
                .orElseThrow(() -> new IllegalStateException(missing));
        return endpointOf(lsp).orElseThrow(() -> new IllegalStateException("logical port " + name
                + " has no \"MAC IP\" address"));
    }

    private Optional<Endpoint> byAddress(int ip) {
        String wanted = " " + Ipv4Cidr.format(ip);
        for (LogicalSwitchPort lsp : nb.list(LogicalSwitchPort.TABLE)) {
            if (lsp.addresses().stream().anyMatch(a -> a.endsWith(wanted))) {
                return endpointOf(lsp);
            }
        }
        return Optional.empty();
    }

    private Optional<Endpoint> endpointOf(LogicalSwitchPort lsp) {
        for (String a : lsp.addresses()) {
            String[] parts = a.split(" ");
            if (parts.length >= 2) {
                Optional<String> sw = switchOf(lsp);
                return Optional.of(new Endpoint(Optional.of(lsp.name()), sw, Optional.of(MacAddress.parse(parts[0])),
                        Ipv4Cidr.parseAddress(parts[1]), OptionalInt.empty(), Optional.empty(), describe(lsp)));
            }
        }
        return Optional.empty();
    }

    Optional<String> switchOf(LogicalSwitchPort lsp) {
        for (LogicalSwitch sw : nb.list(LogicalSwitch.TABLE)) {
            if (sw.ports().contains(lsp.uuid())) {
                return Optional.of(sw.name());
            }
        }
        return Optional.empty();
    }

    /** The MAC a pod on {@code nodeSwitch} sends off-subnet packets to: its router port's. */
    MacAddress routerMac(String nodeSwitch) {
        return nb.lookupOne(LogicalRouterPort.TABLE, LogicalRouterPort.NAME, Names.routerToSwitchPort(nodeSwitch))
                .map(p -> MacAddress.parse(p.mac()))
                .orElseThrow(() -> new IllegalStateException("switch " + nodeSwitch + " has no router port "
                        + Names.routerToSwitchPort(nodeSwitch)));
    }

    private static String describe(LogicalSwitchPort lsp) {
        Map<String, String> ids = lsp.externalIds();
        String ip = lsp.addresses().stream().map(a -> a.split(" ")).filter(p -> p.length >= 2).map(p -> " (" + p[1] + ")")
                .findFirst().orElse("");
        if (Owners.TYPE_POD.equals(ids.get(Owners.OWNER_TYPE))) {
            return "pod " + ids.get(Owners.OWNER) + ip;
        }
        if (lsp.name().startsWith(Names.managementPort(""))) {
            return "node " + lsp.name().substring(Names.managementPort("").length()) + "'s management port" + ip;
        }
        return lsp.name() + ip;
    }

    /** The name (system-id) of the chassis {@code logicalPort} is bound to. */
    Optional<String> chassisNameOf(String logicalPort) {
        return sb.list(PortBinding.TABLE).stream().filter(pb -> pb.logicalPort().equals(logicalPort)).findFirst()
                .flatMap(PortBinding::chassis).flatMap(u -> sb.get(Chassis.TABLE, u)).map(Chassis::name);
    }

    /** The node whose chassis has the tunnel endpoint {@code ip}. */
    Optional<String> nodeOfEncapIp(String ip) {
        return sb.list(Encap.TABLE).stream().filter(e -> e.ip().equals(ip)).findFirst().flatMap(e ->
                sb.list(Chassis.TABLE).stream().filter(c -> c.name().equals(e.chassisName())).findFirst())
                .map(c -> c.hostname().isEmpty() ? c.name() : c.hostname());
    }

    /**
     * If {@code ip:port} is a gateway's NodePort served by a template load balancer: the load balancer, the VIP
     * and its backends as that gateway's chassis instantiates them from its Chassis_Template_Var row.
     */
    Optional<String> templateNodePort(int ip, int port) {
        String address = Ipv4Cidr.format(ip);
        for (ChassisTemplateVar row : nb.list(ChassisTemplateVar.TABLE)) {
            Map<String, String> vars = row.variables();
            if (!address.equals(vars.get(NodePortTemplates.NODE_IP))) {
                continue;
            }
            for (LoadBalancer lb : nb.list(LoadBalancer.TABLE)) {
                if (!"true".equals(lb.options().get("template"))) {
                    continue;
                }
                for (Map.Entry<String, String> vip : lb.vips().entrySet()) {
                    if (expand(vip.getKey(), vars).equals(address + ":" + port)) {
                        String backends = expand(vip.getValue(), vars);
                        return Optional.of("load balancer " + lb.name() + " VIP " + vip.getKey() + " = " + address + ":" + port
                                + " on chassis " + row.chassis() + " (node " + row.externalIds().getOrDefault(Owners.OWNER, "?")
                                + "), backends " + (backends.isEmpty() ? "none" : backends.replace(",", " ")));
                    }
                }
            }
        }
        return Optional.empty();
    }

    /** {@code text} with each template reference ({@code ^NAME}) replaced by its value in {@code vars}. */
    static String expand(String text, Map<String, String> vars) {
        Matcher m = TEMPLATE_REF.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(vars.getOrDefault(m.group(1), m.group())));
        }
        return m.appendTail(out).toString();
    }

    TraceSummary.Context context() {
        Map<String, String> kinds = new HashMap<>();
        for (LogicalSwitch sw : nb.list(LogicalSwitch.TABLE)) {
            kinds.put(sw.name(), sw.name().equals(Names.JOIN_SWITCH) ? "join switch"
                    : sw.name().startsWith(Names.externalSwitch("")) ? "external switch" : "node switch");
        }
        for (LogicalRouter r : nb.list(LogicalRouter.TABLE)) {
            kinds.put(r.name(), r.name().equals(Names.CLUSTER_ROUTER) ? "cluster router"
                    : r.name().startsWith(Names.gatewayRouter("")) ? "gateway router" : "router");
        }
        Map<String, String> hosts = new HashMap<>();
        for (Chassis c : sb.list(Chassis.TABLE)) {
            hosts.put(c.uuid().value(), c.hostname().isEmpty() ? c.name() : c.hostname());
        }
        Map<String, String> chassis = new HashMap<>();
        for (PortBinding pb : sb.list(PortBinding.TABLE)) {
            pb.chassis().map(u -> hosts.get(u.value())).ifPresent(h -> chassis.put(pb.logicalPort(), h));
        }
        Map<String, String> names = new HashMap<>();
        for (LogicalSwitchPort lsp : nb.list(LogicalSwitchPort.TABLE)) {
            names.put(lsp.name(), describe(lsp));
        }
        Map<String, String> lbs = new HashMap<>();
        for (LoadBalancer lb : nb.list(LoadBalancer.TABLE)) {
            lb.vips().keySet().forEach(vip -> lbs.putIfAbsent(vip, lb.name()));
        }
        List<AclOwner> acls = new ArrayList<>();
        for (ACL acl : nb.withExternalId(ACL.TABLE, Owners.OWNER_TYPE)) {
            acls.add(new AclOwner(acl.direction(), acl.priority(), acl.match(), acl.action(), acl.externalIds()));
        }
        return new TraceSummary.Context(kinds, chassis, names, lbs, acls, isolatingPolicies());
    }

    /**
     * Which NetworkPolicies isolate each pod port, for ingress and egress: those whose port group holds the port
     * and whose policy types (as the controller reads them) include the direction.
     */
    private Map<String, List<String>> isolatingPolicies() {
        Map<String, List<String>> out = new HashMap<>();
        for (NetworkPolicy np : kube.network().v1().networkPolicies().inAnyNamespace().list().getItems()) {
            ObjectKey key = ObjectKey.networkPolicy(np.getMetadata().getNamespace(), np.getMetadata().getName());
            Set<String> types = NetworkPolicyReconciler.policyTypes(np);
            nb.lookupOne(PortGroup.TABLE, PortGroup.NAME, NetworkPolicyReconciler.portGroupName(key)).ifPresent(pg -> {
                for (Uuid u : pg.ports()) {
                    nb.get(LogicalSwitchPort.TABLE, u).ifPresent(lsp -> {
                        if (types.contains("Ingress")) {
                            out.computeIfAbsent(Owners.RULE_DEFAULT_DENY_INGRESS + "|" + lsp.name(), k -> new ArrayList<>())
                                    .add(key.ref());
                        }
                        if (types.contains("Egress")) {
                            out.computeIfAbsent(Owners.RULE_DEFAULT_DENY_EGRESS + "|" + lsp.name(), k -> new ArrayList<>())
                                    .add(key.ref());
                        }
                    });
                }
            });
        }
        return out;
    }
}
