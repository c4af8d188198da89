package io.kovn.controller.reconcile;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import java.util.ArrayList;
import java.util.List;

/** The peers of a NetworkPolicy's rules, ingress and egress alike. */
final class PolicyPeers {
    private PolicyPeers() {
    }

    static List<NetworkPolicyPeer> of(NetworkPolicy np) {
        return peers(np, false);
    }

    /**
     * The peers whose addresses a pod event can change: all but those naming namespaces and every pod in them, which
     * match the namespaces' shared address sets (kept by the namespace's own reconcile), unless the rule resolves a
     * named port on them (egress).
     */
    static List<NetworkPolicyPeer> podDependent(NetworkPolicy np) {
        return peers(np, true);
    }

    private static List<NetworkPolicyPeer> peers(NetworkPolicy np, boolean podDependentOnly) {
        List<NetworkPolicyPeer> out = new ArrayList<>();
        if (np.getSpec() == null) {
            return out;
        }
        if (np.getSpec().getIngress() != null) {
            for (NetworkPolicyIngressRule r : np.getSpec().getIngress()) {
                if (r.getFrom() != null) {
                    r.getFrom().stream().filter(p -> !podDependentOnly || !namesWholeNamespaces(p)).forEach(out::add);
                }
            }
        }
        if (np.getSpec().getEgress() != null) {
            for (NetworkPolicyEgressRule r : np.getSpec().getEgress()) {
                boolean namedPort = r.getPorts() != null
                        && r.getPorts().stream().anyMatch(p -> p.getPort() != null && p.getPort().getStrVal() != null);
                if (r.getTo() != null) {
                    r.getTo().stream().filter(p -> !podDependentOnly || namedPort || !namesWholeNamespaces(p))
                            .forEach(out::add);
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

    /** Whether a peer naming namespaces is among {@link #podDependent}: pod events must reach the policy. */
    static boolean hasPodDependentNamespacePeer(NetworkPolicy np) {
        return podDependent(np).stream().anyMatch(p -> p.getNamespaceSelector() != null);
    }

    /** An egress rule without peers (any pod) whose ports include a named one. */
    static boolean namedPortToAnyPod(NetworkPolicy np) {
        if (np.getSpec() == null || np.getSpec().getEgress() == null) {
            return false;
        }
        for (NetworkPolicyEgressRule r : np.getSpec().getEgress()) {
            if ((r.getTo() == null || r.getTo().isEmpty()) && r.getPorts() != null
                    && r.getPorts().stream().anyMatch(p -> p.getPort() != null && p.getPort().getStrVal() != null)) {
                return true;
            }
        }
        return false;
    }

    static boolean hasNamespaceSelector(NetworkPolicy np) {
        return of(np).stream().anyMatch(p -> p.getNamespaceSelector() != null);
    }
}
