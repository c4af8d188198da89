package io.kovn.controller;

import java.util.List;
import java.util.Map;

/**
 * Who asked for a node certificate, as the API server recorded it in the CSR ({@code spec.username},
 * {@code spec.extra}; a client cannot set them), and whether that requester may have Node {@code node}'s
 * certificate. A kubelet identity ({@code system:node:NAME}) may only ask for its own node's. A service account
 * (the node agents' DaemonSet) is shared by every node, so its name binds nothing; its token does: since
 * Kubernetes 1.30 (ServiceAccountTokenPodNodeInfo, beta and on by default; alpha in 1.29) a token bound to a pod
 * carries the pod's node, which the API server copies into {@value #NODE_NAME_EXTRA}. A service account request
 * is approved only if that names the same node as the CN's. Without it (an older cluster, the feature off, a
 * token not bound to a pod) it is refused unless the operator accepts unbound requests
 * ({@code --allow-unbound-node-csrs}), which lets any node agent obtain any existing node's certificate.
 */
final class CsrRequester {
    /** The user extra in which kube-apiserver names the node of the pod a service account token was bound to. */
    static final String NODE_NAME_EXTRA = "authentication.kubernetes.io/node-name";
    private static final String NODE_PREFIX = "system:node:";
    private static final String SERVICE_ACCOUNT_PREFIX = "system:serviceaccount:";

    private CsrRequester() {
    }

    /**
     * Throws, saying why, if {@code username} (with {@code extra}) may not have Node {@code node}'s certificate;
     * returns how the requester was bound to the node, for the approval's message. A request without a username
     * comes from an API server that does not authenticate (the sandbox's emulated one): nothing to bind.
     */
    static String requireMayHave(String username, Map<String, List<String>> extra, String node,
                                 boolean allowUnbound) {
        if (username == null) {
            return "requester unknown";
        }
        if (username.startsWith(NODE_PREFIX)) {
            if (!username.equals(NODE_PREFIX + node)) {
                throw new IllegalArgumentException("requester " + username + " may not ask for Node " + node
                        + "'s certificate");
            }
            return "requested by " + username;
        }
        if (!username.startsWith(SERVICE_ACCOUNT_PREFIX)) {
            return "requested by " + username;
        }
        List<String> named = extra == null ? null : extra.get(NODE_NAME_EXTRA);
        if (named == null || named.isEmpty()) {
            if (allowUnbound) {
                return "requested by " + username + ", whose token names no node (accepted: --allow-unbound-node-csrs)";
            }
            throw new IllegalArgumentException("requester " + username + "'s token names no node (" + NODE_NAME_EXTRA
                    + " missing: Kubernetes before 1.30, ServiceAccountTokenPodNodeInfo off, or a token not bound to a "
                    + "pod), so it cannot be bound to Node " + node + "; run the controller with "
                    + "--allow-unbound-node-csrs to accept such requests");
        }
        if (named.size() != 1 || !named.get(0).equals(node)) {
            throw new IllegalArgumentException("requester " + username + " runs on Node " + String.join(",", named)
                    + ", not on Node " + node);
        }
        return "requested by " + username + " from a pod on Node " + node;
    }
}
