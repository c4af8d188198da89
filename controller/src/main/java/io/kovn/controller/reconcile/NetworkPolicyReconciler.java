package io.kovn.controller.reconcile;

import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.networking.v1.IPBlock;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.kovn.controller.ObjectKey;
import io.kovn.ovn.Names;
import io.kovn.ovn.Owners;
import io.kovn.ovn.nb.AddressSet;
import io.kovn.ovn.nb.PortGroup;
import io.kovn.ovn.ops.NbTxn;
import io.kovn.ovn.ops.PolicyOps;
import io.kovn.ovsdb.wire.Uuid;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * A NetworkPolicy becomes a port group of the pods it selects, holding one allow-related ACL per rule matching
 * its peers' address sets (shared with the other policies naming the same pods: {@link PeerAddressSetReconciler};
 * the namespaces' own sets for peers naming whole namespaces), and an address set per named port and number it
 * resolves to (per egress rule, shared by the ingress rules). Isolation itself (default deny) is per namespace: see
 * {@link NamespaceIsolationReconciler}. Policies add up because every rule only allows.
 */
public final class NetworkPolicyReconciler implements Reconciler {
    /** Priority of allow ACLs; default-deny ACLs sit below. */
    static final long ALLOW_PRIORITY = 1001;
    public static final String ACL_LOGGING_ANNOTATION = "k8s.ovn.org/acl-logging";
    /** The Normal Event after a commit that changed the policy's rows: when, and what it became. */
    public static final String REALIZED = "NetworkPolicyWrittenToNB";
    /** The protocols a NetworkPolicy port may name, as OVN match fields. */
    private static final Set<String> PROTOCOLS = Set.of("tcp", "udp", "sctp");
    /** The scope of the named port sets of ingress rules: all resolve on the selected pods, so they share them. */
    static final String INGRESS_SCOPE = "ingress";

    /** A port name a rule allows, with its protocol as an OVN match field ("tcp"). */
    record NamedPort(String protocol, String name) {
    }

    private final ClusterState state;

    public NetworkPolicyReconciler(ClusterState state) {
        this.state = state;
    }

    public static String portGroupName(ObjectKey policy) {
        return "kovn_np_" + hash(policy.ref());
    }

    @Override
    public AfterCommit reconcile(ObjectKey key, NbTxn txn) {
        NetworkPolicy np = state.policy(key.namespace(), key.name());
        int before = txn.checkpoint().size();
        String pgName = portGroupName(key);
        Map<String, String> owner = Owners.of(Owners.TYPE_NETWORK_POLICY, key.ref());
        Set<String> addressSets = new TreeSet<>();
        String realized = null;
        if (np != null) {
            List<Pod> selected = selectedPods(state, np);
            Set<Uuid> ports = new LinkedHashSet<>();
            for (Pod p : selected) {
                PolicyOps.portRef(txn, Names.podPort(p.getMetadata().getNamespace(), p.getMetadata().getName()))
                        .ifPresent(ports::add);
            }
            Optional<String> allowLog = logSeverity(state.namespace(key.namespace()), "allow");
            // by match: two rules that say the same become one ACL, named after the first of them
            Map<String, PolicyOps.AclSpec> acls = new LinkedHashMap<>();
            Set<String> types = policyTypes(np);
            if (types.contains("Ingress") && np.getSpec().getIngress() != null) {
                for (int i = 0; i < np.getSpec().getIngress().size(); i++) {
                    var rule = np.getSpec().getIngress().get(i);
                    String peers = peers(txn, key, np, rule.getFrom(), "ip4.src", addressSets);
                    String ports2 = ports(txn, key, INGRESS_SCOPE, rule.getPorts(), () -> selected, addressSets, owner);
                    if (peers != null && ports2 != null) {
                        String match = "outport == @" + pgName + " && ip4" + peers + ports2;
                        acls.putIfAbsent(match, acl("to-lport", match, allowLog, key, Owners.rule(owner, "ingress/" + i)));
                    }
                }
            }
            if (types.contains("Egress") && np.getSpec().getEgress() != null) {
                for (int i = 0; i < np.getSpec().getEgress().size(); i++) {
                    var rule = np.getSpec().getEgress().get(i);
                    String peers = peers(txn, key, np, rule.getTo(), "ip4.dst", addressSets);
                    String ports2 = ports(txn, key, "egress/" + i, rule.getPorts(), () -> peerPods(key.namespace(), rule.getTo()),
                            addressSets, owner);
                    if (peers != null && ports2 != null) {
                        String match = "inport == @" + pgName + " && ip4" + peers + ports2;
                        acls.putIfAbsent(match, acl("from-lport", match, allowLog, key, Owners.rule(owner, "egress/" + i)));
                    }
                }
            }
            PolicyOps.ensurePortGroup(txn, pgName, ports, new LinkedHashSet<>(acls.values()), owner);
            realized = "written to NB: port group " + pgName + " with " + ports.size() + " pods, " + acls.size()
                    + " ACLs, " + addressSets.size() + " address sets";
        } else {
            txn.nb().lookupOne(PortGroup.TABLE, PortGroup.NAME, pgName).ifPresent(pg -> PolicyOps.deletePortGroup(txn, pg));
        }
        for (AddressSet as : txn.nb().byExternalId(AddressSet.TABLE, Owners.OWNER, key.ref())) {
            if (Owners.TYPE_NETWORK_POLICY.equals(as.externalIds().get(Owners.OWNER_TYPE)) && !addressSets.contains(as.name())) {
                PolicyOps.deleteAddressSet(txn, as);
            }
        }
        if (realized == null || txn.checkpoint().size() == before) {
            return AfterCommit.NOTHING;
        }
        String message = realized;
        return () -> state.events.normal(np, REALIZED, message);
    }

    private static PolicyOps.AclSpec acl(String direction, String match, Optional<String> severity, ObjectKey key,
                                         Map<String, String> externalIds) {
        String name = key.ref().length() > 63 ? key.ref().substring(0, 63) : key.ref();
        return new PolicyOps.AclSpec(direction, ALLOW_PRIORITY, match, "allow-related", severity,
                severity.map(s -> name), externalIds);
    }

    /** The policy types, with their defaults when omitted: Ingress always, Egress if there are egress rules. */
    public static Set<String> policyTypes(NetworkPolicy np) {
        List<String> declared = np.getSpec().getPolicyTypes();
        if (declared != null && !declared.isEmpty()) {
            return Set.copyOf(declared);
        }
        return np.getSpec().getEgress() != null && !np.getSpec().getEgress().isEmpty() ? Set.of("Ingress", "Egress")
                : Set.of("Ingress");
    }

    /** Networked pods of the policy's namespace that its podSelector selects. */
    static List<Pod> selectedPods(ClusterState state, NetworkPolicy np) {
        return state.selectPods(np.getMetadata().getNamespace(), np.getSpec().getPodSelector());
    }

    /**
     * The " && (peer || peer)" part of a rule's match, "" for any peer, or null when the rule can match nothing.
     * Pod selector peers match the address sets of the pods they select, shared between policies; a peer naming
     * namespaces and every pod in them, the namespaces' own address sets.
     */
    private String peers(NbTxn txn, ObjectKey key, NetworkPolicy np, List<NetworkPolicyPeer> peers, String field,
                         Set<String> addressSets) {
        if (peers == null || peers.isEmpty()) {
            return "";
        }
        List<String> terms = new ArrayList<>();
        for (int j = 0; j < peers.size(); j++) {
            NetworkPolicyPeer peer = peers.get(j);
            if (peer.getIpBlock() != null) {
                ipBlock(peer.getIpBlock(), field).ifPresent(terms::add);
                continue;
            }
            if (PolicyPeers.namesWholeNamespaces(peer)) {
                // every pod of the namespaces it names: their shared address sets, not a copy of them per policy
                List<String> sets = new ArrayList<>();
                for (String ns : state.namespacesMatching(peer.getNamespaceSelector())) {
                    sets.add("$" + Names.namespaceAddressSet(ns));
                }
                if (!sets.isEmpty()) {
                    Collections.sort(sets);
                    terms.add(field + " == {" + String.join(", ", sets) + "}");
                }
                continue;
            }
            // the pods it selects: a set shared with every policy naming the same pods (PeerAddressSetReconciler)
            String name = PeerAddressSetReconciler.ensureExists(state, txn, shared(np, key, peer));
            addressSets.add(name);
            terms.add(field + " == $" + name);
        }
        return terms.isEmpty() ? null : " && (" + String.join(" || ", terms) + ")";
    }

    /** The shared peer {@code peer} of {@code np} is, from the ones computed once per spec. */
    private PolicyPeers.Shared shared(NetworkPolicy np, ObjectKey key, NetworkPolicyPeer peer) {
        for (PolicyPeers.Shared s : state.sharedPeers(np)) {
            if (s.peer() == peer) {
                return s;
            }
        }
        return PolicyPeers.Shared.of(key.namespace(), peer);
    }

    private static Optional<String> ipBlock(IPBlock block, String field) {
        if (block.getCidr() == null || block.getCidr().contains(":")) {
            return Optional.empty(); // IPv6: kovn's pod network is IPv4
        }
        List<String> except = block.getExcept() == null ? List.of()
                : block.getExcept().stream().filter(e -> !e.contains(":")).toList();
        String term = field + " == " + block.getCidr();
        if (!except.isEmpty()) {
            term = "(" + term + " && " + field + " != {" + String.join(", ", except) + "})";
        }
        return Optional.of(term);
    }

    private List<Pod> peerPods(String policyNamespace, List<NetworkPolicyPeer> peers) {
        if (peers == null || peers.isEmpty()) {
            return state.podsList().stream().filter(ClusterState::networked).toList();
        }
        List<Pod> out = new ArrayList<>();
        peers.stream().filter(p -> p.getIpBlock() == null).forEach(p -> out.addAll(state.peerPods(policyNamespace, p)));
        return out;
    }

    /**
     * The " && (port || port)" part of a rule's match, "" for any port, or null when no port can match. A named port
     * is resolved on the {@code destinations} (the selected pods for ingress, the peer pods for egress, as the
     * NetworkPolicy spec says): the pods exposing it with one number go into an address set of their own, and the
     * match holds one term per number, so a pod event changes set members, not the ACL, unless it brings or takes
     * the last pod of a number. {@code scope} names the destinations: "ingress" (all ingress rules resolve on the
     * selected pods, so they share the sets) or the egress rule ("egress/0").
     */
    private String ports(NbTxn txn, ObjectKey key, String scope, List<NetworkPolicyPort> ports,
                         Supplier<List<Pod>> destinations, Set<String> addressSets, Map<String, String> owner) {
        if (ports == null || ports.isEmpty()) {
            return "";
        }
        List<String> terms = new ArrayList<>();
        List<Pod> resolvedOn = null;
        for (NetworkPolicyPort p : ports) {
            String proto = protocol(p);
            if (!PROTOCOLS.contains(proto)) {
                continue; // the API admits no other: one that came anyway matches nothing
            }
            IntOrString port = p.getPort();
            if (port == null) {
                terms.add(proto);
            } else if (port.getIntVal() != null) {
                terms.add(p.getEndPort() == null ? proto + ".dst == " + port.getIntVal()
                        : "(" + proto + ".dst >= " + port.getIntVal() + " && " + proto + ".dst <= " + p.getEndPort() + ")");
            } else if (port.getStrVal() != null) {
                if (resolvedOn == null) {
                    resolvedOn = destinations.get();
                }
                String name = port.getStrVal();
                for (Map.Entry<Integer, Set<String>> n : namedPortAddresses(resolvedOn, name, proto).entrySet()) {
                    String set = namedPortSet(key, scope, new NamedPort(proto, name), n.getKey());
                    if (addressSets.add(set)) {
                        Map<String, String> ids = Owners.rule(owner, scope);
                        ids.put(Owners.NAMED_PORT, name + " " + proto + "/" + n.getKey());
                        PolicyOps.ensureAddressSet(txn, set, n.getValue(), ids);
                    }
                    terms.add("(ip4.dst == $" + set + " && " + proto + ".dst == " + n.getKey() + ")");
                }
            }
        }
        return terms.isEmpty() ? null : " && (" + String.join(" || ", terms) + ")";
    }

    private static String protocol(NetworkPolicyPort p) {
        return (p.getProtocol() == null ? "TCP" : p.getProtocol()).toLowerCase(Locale.ROOT);
    }

    /** The address set of the pods {@code scope} resolves on that expose {@code port} as {@code number}. */
    static String namedPortSet(ObjectKey policy, String scope, NamedPort port, int number) {
        return Names.policyAddressSet(policy.ref(), scope + "/port/" + port.protocol() + "/" + port.name() + "/" + number);
    }

    /** The named ports the policy's ingress rules allow (none when it does not isolate for ingress). */
    static Set<NamedPort> ingressNamedPorts(NetworkPolicy np) {
        if (np.getSpec().getIngress() == null || !policyTypes(np).contains("Ingress")) {
            return Set.of();
        }
        Set<NamedPort> out = new LinkedHashSet<>();
        for (var rule : np.getSpec().getIngress()) {
            for (NetworkPolicyPort p : rule.getPorts() == null ? List.<NetworkPolicyPort>of() : rule.getPorts()) {
                String proto = protocol(p);
                if (PROTOCOLS.contains(proto) && p.getPort() != null && p.getPort().getIntVal() == null
                        && p.getPort().getStrVal() != null) {
                    out.add(new NamedPort(proto, p.getPort().getStrVal()));
                }
            }
        }
        return out;
    }

    /** The addresses of the {@code pods} exposing port {@code name}, by the number it has on them (sorted). */
    private SortedMap<Integer, Set<String>> namedPortAddresses(List<Pod> pods, String name, String proto) {
        SortedMap<Integer, Set<String>> out = new TreeMap<>();
        for (Pod pod : pods) {
            Optional<Integer> number = namedPort(pod, name, proto);
            if (number.isPresent()) {
                state.podIp(pod).ifPresent(ip -> out.computeIfAbsent(number.get(), k -> new TreeSet<>()).add(ip));
            }
        }
        return out;
    }

    static Optional<Integer> namedPort(Pod pod, String name, String proto) {
        if (pod.getSpec() == null || pod.getSpec().getContainers() == null) {
            return Optional.empty();
        }
        for (var c : pod.getSpec().getContainers()) {
            for (ContainerPort cp : c.getPorts() == null ? List.<ContainerPort>of() : c.getPorts()) {
                String cpProto = cp.getProtocol() == null ? "tcp" : cp.getProtocol().toLowerCase(Locale.ROOT);
                Integer number = cp.getContainerPort();
                if (name.equals(cp.getName()) && proto.equals(cpProto) && number != null && number > 0 && number < 65536) {
                    return Optional.of(number);
                }
            }
        }
        return Optional.empty();
    }

    /** ACL log severity for "allow" or "deny" from the namespace's acl-logging annotation. */
    static Optional<String> logSeverity(Namespace ns, String verdict) {
        if (ns == null || ns.getMetadata().getAnnotations() == null) {
            return Optional.empty();
        }
        String json = ns.getMetadata().getAnnotations().get(ACL_LOGGING_ANNOTATION);
        if (json == null) {
            return Optional.empty();
        }
        try {
            String s = io.kovn.ovsdb.wire.OvsdbJson.MAPPER.readTree(json).path(verdict).asString("");
            return Set.of("alert", "warning", "notice", "info", "debug").contains(s) ? Optional.of(s) : Optional.empty();
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    static String hash(String s) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
