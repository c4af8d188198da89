package io.kovn.controller.reconcile;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.kovn.ovsdb.wire.OvsdbJson;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import tools.jackson.databind.node.ArrayNode;

/** The peers of a NetworkPolicy's rules, ingress and egress alike. */
final class PolicyPeers {
    private PolicyPeers() {
    }

    /**
     * A peer selecting pods, by what it selects: {@code id} is the same for every policy with a peer selecting the
     * same pods (the namespace, or the namespaceSelector, and the podSelector, in a canonical form), so they share
     * one address set ({@link io.kovn.ovn.Names#peerAddressSet}); {@code description} is that canonical form.
     */
    record Shared(String id, String description, String policyNamespace, NetworkPolicyPeer peer) {
        static Shared of(String policyNamespace, NetworkPolicyPeer peer) {
            String description = describe(policyNamespace, peer);
            return new Shared(NetworkPolicyReconciler.hash(description), description, policyNamespace, peer);
        }
    }

    /**
     * The peers of {@code np} whose addresses are a set of their own, shared with other policies: every peer but
     * IP blocks and those naming namespaces and every pod in them (the namespaces' own sets), once each.
     */
    static List<Shared> shared(NetworkPolicy np) {
        Map<String, Shared> out = new LinkedHashMap<>();
        String ns = np.getMetadata().getNamespace();
        for (NetworkPolicyPeer p : of(np)) {
            if (p.getIpBlock() == null && !namesWholeNamespaces(p)) {
                Shared shared = Shared.of(ns, p);
                out.putIfAbsent(shared.id(), shared);
            }
        }
        return new ArrayList<>(out.values());
    }

    /** The ids of {@link #shared}: the peer address sets {@code np} names. */
    static List<String> sharedIds(NetworkPolicy np) {
        return shared(np).stream().map(Shared::id).toList();
    }

    /**
     * What a peer selects, canonically, as JSON: {@code ["pods", namespace, podSelector]} for the policy's own
     * namespace, {@code ["namespaces", namespaceSelector, podSelector]} otherwise; a selector as
     * {@code [[key, value]...], [[key, operator, [values]]...]}, sorted, an absent one like an empty one. JSON,
     * so that no label text can make two different peers read the same.
     */
    static String describe(String policyNamespace, NetworkPolicyPeer peer) {
        ArrayNode a = OvsdbJson.NODES.arrayNode();
        if (peer.getNamespaceSelector() == null) {
            a.add("pods").add(policyNamespace);
        } else {
            a.add("namespaces").add(canonical(peer.getNamespaceSelector()));
        }
        a.add(canonical(peer.getPodSelector()));
        return a.toString();
    }

    private static ArrayNode canonical(LabelSelector selector) {
        ArrayNode out = OvsdbJson.NODES.arrayNode();
        ArrayNode labels = out.addArray();
        ArrayNode expressions = out.addArray();
        if (selector == null) {
            return out;
        }
        if (selector.getMatchLabels() != null) {
            new TreeMap<>(selector.getMatchLabels()).forEach((k, v) -> labels.addArray().add(k).add(v));
        }
        if (selector.getMatchExpressions() != null) {
            List<ArrayNode> reqs = new ArrayList<>();
            for (LabelSelectorRequirement r : selector.getMatchExpressions()) {
                ArrayNode req = OvsdbJson.NODES.arrayNode().add(r.getKey()).add(r.getOperator());
                ArrayNode values = req.addArray();
                if (r.getValues() != null) {
                    r.getValues().stream().sorted(Comparator.nullsFirst(Comparator.naturalOrder())).distinct()
                            .forEach(values::add);
                }
                reqs.add(req);
            }
            reqs.stream().sorted(Comparator.comparing(ArrayNode::toString)).forEach(expressions::add);
        }
        return out;
    }

    /**
     * The peers of egress rules with a named port: the rule resolves the port on their pods, so their pods' events
     * concern the policy itself (its named-port sets), whatever address sets the peers match.
     */
    static List<NetworkPolicyPeer> namedPortPeers(NetworkPolicy np) {
        List<NetworkPolicyPeer> out = new ArrayList<>();
        if (np.getSpec() == null || np.getSpec().getEgress() == null) {
            return out;
        }
        for (NetworkPolicyEgressRule r : np.getSpec().getEgress()) {
            if (r.getTo() != null && hasNamedPort(r)) {
                r.getTo().stream().filter(p -> p.getIpBlock() == null).forEach(out::add);
            }
        }
        return out;
    }

    private static boolean hasNamedPort(NetworkPolicyEgressRule r) {
        return r.getPorts() != null
                && r.getPorts().stream().anyMatch(p -> p.getPort() != null && p.getPort().getStrVal() != null);
    }

    static List<NetworkPolicyPeer> of(NetworkPolicy np) {
        List<NetworkPolicyPeer> out = new ArrayList<>();
        if (np.getSpec() == null) {
            return out;
        }
        if (np.getSpec().getIngress() != null) {
            for (NetworkPolicyIngressRule r : np.getSpec().getIngress()) {
                if (r.getFrom() != null) {
                    out.addAll(r.getFrom());
                }
            }
        }
        if (np.getSpec().getEgress() != null) {
            for (NetworkPolicyEgressRule r : np.getSpec().getEgress()) {
                if (r.getTo() != null) {
                    out.addAll(r.getTo());
                }
            }
        }
        return out;
    }

    /** A peer naming namespaces and every pod in them: it matches the namespaces' shared address sets. */
    static boolean namesWholeNamespaces(NetworkPolicyPeer peer) {
        return peer.getNamespaceSelector() != null && selectsEveryPod(peer.getPodSelector());
    }

    /** A pod selector that selects every pod: absent, or without labels or expressions. */
    static boolean selectsEveryPod(LabelSelector selector) {
        return selector == null || ((selector.getMatchLabels() == null || selector.getMatchLabels().isEmpty())
                && (selector.getMatchExpressions() == null || selector.getMatchExpressions().isEmpty()));
    }

    /**
     * Whether a peer naming namespaces depends on pods (a {@link #shared} one, or one an egress rule resolves a named
     * port on): pod events of every namespace must be checked against it.
     */
    static boolean hasPodDependentNamespacePeer(NetworkPolicy np) {
        return shared(np).stream().anyMatch(p -> p.peer().getNamespaceSelector() != null)
                || namedPortPeers(np).stream().anyMatch(p -> p.getNamespaceSelector() != null);
    }

    /** An egress rule without peers (any pod) whose ports include a named one. */
    static boolean namedPortToAnyPod(NetworkPolicy np) {
        if (np.getSpec() == null || np.getSpec().getEgress() == null) {
            return false;
        }
        for (NetworkPolicyEgressRule r : np.getSpec().getEgress()) {
            if ((r.getTo() == null || r.getTo().isEmpty()) && hasNamedPort(r)) {
                return true;
            }
        }
        return false;
    }

    static boolean hasNamespaceSelector(NetworkPolicy np) {
        return of(np).stream().anyMatch(p -> p.getNamespaceSelector() != null);
    }
}
