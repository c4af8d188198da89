package io.kovn.controller.reconcile;

import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.kovn.controller.ObjectKey;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The keys a NetworkPolicy event maps to: the policy, its namespace's isolation (which pods are isolated), and the
 * shared address sets of its peers before and after (a set no policy names any more is deleted; a new one is
 * written by the policy's reconcile if it does not exist yet).
 */
public final class PolicyEvents {
    private PolicyEvents() {
    }

    /** {@code before} is null for an add, {@code after} null for a delete. */
    public static List<ObjectKey> keys(ClusterState state, NetworkPolicy before, NetworkPolicy after) {
        NetworkPolicy np = after != null ? after : before;
        Set<ObjectKey> keys = new LinkedHashSet<>();
        keys.add(ObjectKey.Kind.NETWORK_POLICY.key(np));
        keys.add(ObjectKey.namespace(np.getMetadata().getNamespace()));
        if (before != null) {
            state.sharedPeers(before).forEach(p -> keys.add(ObjectKey.policyPeer(p.id())));
        }
        if (after != null) {
            state.sharedPeers(after).forEach(p -> keys.add(ObjectKey.policyPeer(p.id())));
        } else {
            state.forgetPolicy(before);
        }
        return new ArrayList<>(keys);
    }
}
