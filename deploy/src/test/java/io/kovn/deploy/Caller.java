package io.kovn.deploy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Who sends an admission request: {@code request.userInfo} as kube-apiserver fills it in. */
record Caller(String username, List<String> groups, Map<String, List<String>> extra) {
    static final String NODE_NAME_CLAIM = "authentication.kubernetes.io/node-name";

    /** A person or a tool with its own credentials. */
    static Caller user(String name) {
        return new Caller(name, List.of("system:authenticated"), Map.of());
    }

    /** The kubelet of a node, with its node credentials. */
    static Caller kubelet(String node) {
        return new Caller("system:node:" + node, List.of("system:nodes", "system:authenticated"), Map.of());
    }

    /** kovn's controller with its pod-bound token (its pod runs on {@code node}). */
    static Caller controller(String node) {
        return serviceAccount("kovn-controller", "kovn-controller-7d9f-abcde", node);
    }

    /** kovn's node agent with the pod-bound token of its DaemonSet pod on {@code node}. */
    static Caller nodeAgentOn(String node) {
        return serviceAccount("kovn-node", "kovn-node-" + node, node);
    }

    /** kovn's node agent with a token that names no node (a legacy Secret token, or a token for no object). */
    static Caller nodeAgentWithoutNodeClaim() {
        return new Caller("system:serviceaccount:kovn-system:kovn-node", serviceAccountGroups(), Map.of());
    }

    private static Caller serviceAccount(String name, String pod, String node) {
        Map<String, List<String>> extra = new LinkedHashMap<>();
        extra.put("authentication.kubernetes.io/credential-id", List.of("JTI=3f2a7c1e-0d55-4a8b-9c1f-1b2c3d4e5f60"));
        extra.put(NODE_NAME_CLAIM, List.of(node));
        extra.put("authentication.kubernetes.io/node-uid", List.of("6a1e0c4e-node-" + node));
        extra.put("authentication.kubernetes.io/pod-name", List.of(pod));
        extra.put("authentication.kubernetes.io/pod-uid", List.of("0b8f3b6d-pod-" + pod));
        return new Caller("system:serviceaccount:kovn-system:" + name, serviceAccountGroups(), extra);
    }

    private static List<String> serviceAccountGroups() {
        return List.of("system:serviceaccounts", "system:serviceaccounts:kovn-system", "system:authenticated");
    }

    /** {@code request.userInfo}; like kube-apiserver, no {@code extra} field when the credential carries none. */
    Map<String, Object> userInfo() {
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("username", username);
        info.put("uid", "uid-" + username);
        info.put("groups", groups);
        if (!extra.isEmpty()) {
            info.put("extra", extra);
        }
        return info;
    }
}
