package io.kovn.cni;

/**
 * What the container runtime may pass in a CNI call, checked the same way by the plugin (before anything is sent)
 * and by the node agent (before anything is used): the runtime's values end up in interface names, OVS
 * external_ids and namespace paths, so each one is held to the syntax of what it names. Each check returns null
 * when the value is fine, else why not, in words that name the variable.
 */
public final class CniInputs {
    /** The node agent's bound on one request; the plugin refuses to send a larger one. */
    public static final int MAX_REQUEST_BYTES = 2 << 20;
    /** The plugin's bound on its standard input (the network configuration) and on the agent's answer. */
    public static final int MAX_CONFIG_BYTES = 1 << 20;
    /** Longer than any runtime's IDs (64 hex digits for containerd, CRI-O and podman). */
    static final int MAX_CONTAINER_ID = 255;
    /** PATH_MAX less the terminating NUL. */
    static final int MAX_NETNS = 4095;
    /** IFNAMSIZ less the terminating NUL. */
    static final int MAX_IFNAME = 15;

    private static final String HEX = "0123456789abcdef";

    private CniInputs() {
    }

    /** The CNI spec's {@code ^[a-zA-Z0-9][a-zA-Z0-9_.\-]*$}, at most {@value #MAX_CONTAINER_ID} characters. */
    public static String containerIdProblem(String id) {
        if (id.length() > MAX_CONTAINER_ID || !isIdentifier(id)) {
            return "CNI_CONTAINERID '" + shown(id) + "' is not valid: it must start with a letter or digit and hold "
                    + "only letters, digits, '_', '.' and '-', at most " + MAX_CONTAINER_ID + " characters";
        }
        return null;
    }

    /** Linux's rules for interface names: 1-15 bytes, no '/', ':' or whitespace, not "." or "..". */
    public static String ifNameProblem(String n) {
        boolean ok = !n.isEmpty() && n.length() <= MAX_IFNAME && !".".equals(n) && !"..".equals(n);
        for (int k = 0; ok && k < n.length(); k++) {
            char c = n.charAt(k);
            ok = c > ' ' && c != '/' && c != ':' && c < 0x7f;
        }
        return ok ? null : "CNI_IFNAME '" + shown(n) + "' is not a valid interface name: 1 to " + MAX_IFNAME
                + " characters, no '/', ':' or whitespace, not '.' or '..'";
    }

    /** An absolute path without "." or ".." segments, whitespace or control characters. */
    public static String netnsProblem(String p) {
        boolean ok = p.startsWith("/") && p.length() <= MAX_NETNS;
        for (int k = 0; ok && k < p.length(); k++) {
            char c = p.charAt(k);
            ok = c > ' ' && c != 0x7f;
        }
        if (ok) {
            for (String segment : p.split("/")) {
                ok = ok && !".".equals(segment) && !"..".equals(segment);
            }
        }
        return ok ? null : "CNI_NETNS '" + shown(p) + "' is not a valid network namespace path: an absolute path "
                + "without '.' or '..' segments, whitespace or control characters, at most " + MAX_NETNS + " characters";
    }

    /** K8S_POD_NAMESPACE: a DNS-1123 label. */
    public static String podNamespaceProblem(String ns) {
        return isDnsLabel(ns) ? null : "K8S_POD_NAMESPACE '" + shown(ns) + "' in CNI_ARGS is not a Kubernetes "
                + "namespace name (a DNS-1123 label: lower-case letters, digits and '-', at most 63 characters)";
    }

    /** K8S_POD_NAME: a DNS-1123 subdomain. */
    public static String podNameProblem(String name) {
        boolean ok = !name.isEmpty() && name.length() <= 253;
        if (ok) {
            for (String label : name.split("\\.", -1)) {
                ok = ok && isDnsLabel(label);
            }
        }
        return ok ? null : "K8S_POD_NAME '" + shown(name) + "' in CNI_ARGS is not a Kubernetes pod name (a DNS-1123 "
                + "subdomain: lower-case letters, digits, '-' and '.', at most 253 characters)";
    }

    /** K8S_POD_UID: a UUID, or the hash kubelet gives static pods: hex digits and '-', at most 64 characters. */
    public static String podUidProblem(String uid) {
        boolean ok = !uid.isEmpty() && uid.length() <= 64;
        for (int k = 0; ok && k < uid.length(); k++) {
            char c = uid.charAt(k);
            ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == '-';
        }
        return ok ? null : "K8S_POD_UID '" + shown(uid) + "' in CNI_ARGS is not a pod UID (hex digits and '-', "
                + "at most 64 characters)";
    }

    private static boolean isDnsLabel(String s) {
        if (s.isEmpty() || s.length() > 63 || s.charAt(0) == '-' || s.charAt(s.length() - 1) == '-') {
            return false;
        }
        for (int k = 0; k < s.length(); k++) {
            char c = s.charAt(k);
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
                return false;
            }
        }
        return true;
    }

    /** Letters, digits, '_', '.' and '-', starting with a letter or digit (CNI's container ID and network name). */
    static boolean isIdentifier(String s) {
        if (s == null || s.isEmpty()) {
            return false;
        }
        for (int k = 0; k < s.length(); k++) {
            char c = s.charAt(k);
            boolean alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
            if (!alnum && (k == 0 || (c != '_' && c != '.' && c != '-'))) {
                return false;
            }
        }
        return true;
    }

    /** A hostile value as it can be shown in a message: control characters escaped, at most 64 characters. */
    public static String shown(String v) {
        StringBuilder b = new StringBuilder();
        for (int k = 0; k < v.length() && k < 64; k++) {
            char c = v.charAt(k);
            if (c < 0x20 || c == 0x7f) {
                b.append("\\x").append(HEX.charAt(c >> 4)).append(HEX.charAt(c & 15));
            } else {
                b.append(c);
            }
        }
        return v.length() > 64 ? b.append("... (").append(v.length()).append(" characters)").toString() : b.toString();
    }
}
