package io.kovn.controller.reconcile;

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
