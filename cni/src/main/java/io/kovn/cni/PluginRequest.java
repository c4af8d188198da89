package io.kovn.cni;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One invocation of the plugin, checked as the spec asks before anything is sent to the node agent: the
 * environment (code 4), the network configuration's syntax (6), content (7) and version (1).
 */
public final class PluginRequest {
    public static final String DEFAULT_SOCKET = "/var/run/kovn/cni-server.sock";
    /** Long enough for the agent's own bounded waits (pod annotation, then ovn-installed) to expire first. */
    static final long DEFAULT_TIMEOUT_SECONDS = 150;

    public final String command;
    public final String containerId;
    public final String netns;
    public final String ifName;
    public final Map<String, String> args;
    public final String path;
    public final Map<String, Object> config;
    public final String cniVersion;
    public final String socket;
    public final long timeoutMillis;

    private PluginRequest(String command, Map<String, String> env, Map<String, Object> config, Map<String, String> args,
                          String socket, long timeoutMillis) {
        this.command = command;
        this.containerId = env.get("CNI_CONTAINERID");
        this.netns = emptyToNull(env.get("CNI_NETNS"));
        this.ifName = env.get("CNI_IFNAME");
        this.path = emptyToNull(env.get("CNI_PATH"));
        this.args = args;
        this.config = config;
        this.cniVersion = (String) config.get("cniVersion");
        this.socket = socket;
        this.timeoutMillis = timeoutMillis;
    }

    /** The version to put in an error when the configuration could not be read: the one asked for, if any. */
    static String versionForErrors(String stdin) {
        try {
            Object v = ((Map<?, ?>) Json.parse(stdin)).get("cniVersion");
            if (v instanceof String && CniVersions.isSupported((String) v)) {
                return (String) v;
            }
        } catch (Json.ParseException | RuntimeException e) {
            // fall through to the latest version
        }
        return CniVersions.LATEST;
    }

    /** The GC input: the attachments the runtime still has, each a containerID and an ifname. */
    static final String VALID_ATTACHMENTS = "cni.dev/valid-attachments";

    /** Parses and checks ADD, DEL, CHECK, STATUS or GC; throws the spec's error otherwise. */
    public static PluginRequest parse(String command, Map<String, String> env, String stdin) throws CniError {
        Map<String, Object> config = decodeConfig(stdin);
        String version = checkConfig(config);
        if ("STATUS".equals(command) || "GC".equals(command)) {
            if (!CniVersions.allowsStatusAndGc(version)) {
                throw new CniError(CniError.INCOMPATIBLE_VERSION, command + " is not defined for cniVersion " + version,
                        command + " needs cniVersion 1.1.0 in the network configuration");
            }
            if ("GC".equals(command)) {
                checkAttachments(config.get(VALID_ATTACHMENTS));
            }
            return new PluginRequest(command, env, config, new LinkedHashMap<>(), socket(config), timeoutMillis(config));
        }
        if ("CHECK".equals(command) && !CniVersions.allowsCheck(version)) {
            throw new CniError(CniError.INCOMPATIBLE_VERSION, "CHECK is not defined for cniVersion " + version,
                    "CHECK needs cniVersion 0.4.0 or later in the network configuration");
        }
        boolean del = "DEL".equals(command);
        requireEnv(env, "CNI_CONTAINERID");
        check(CniInputs.containerIdProblem(env.get("CNI_CONTAINERID")));
        requireEnv(env, "CNI_IFNAME");
        check(CniInputs.ifNameProblem(env.get("CNI_IFNAME")));
        if (!del) {
            requireEnv(env, "CNI_NETNS"); // DEL may come after the sandbox's netns is gone
        }
        String netns = env.get("CNI_NETNS");
        if (netns != null && !netns.isEmpty()) {
            check(CniInputs.netnsProblem(netns));
        }
        Map<String, String> args = parseArgs(env.get("CNI_ARGS"));
        if (!del && !args.containsKey("K8S_POD_NAME")) {
            throw new CniError(CniError.INVALID_ENVIRONMENT, "CNI_ARGS has no K8S_POD_NAME",
                    "kovn networks Kubernetes pods: the runtime must pass K8S_POD_NAMESPACE and K8S_POD_NAME in CNI_ARGS");
        }
        checkPodArgs(args);
        return new PluginRequest(command, env, config, args, socket(config), timeoutMillis(config));
    }

    private static String socket(Map<String, Object> config) throws CniError {
        Object s = config.get("serverSocket");
        if (s == null) {
            return DEFAULT_SOCKET;
        }
        if (!(s instanceof String) || ((String) s).isEmpty()) {
            throw new CniError(CniError.INVALID_CONFIG, "serverSocket must be a non-empty string (a unix socket path)");
        }
        return (String) s;
    }

    private static long timeoutMillis(Map<String, Object> config) throws CniError {
        Object t = config.get("timeoutSeconds");
        if (t == null) {
            return DEFAULT_TIMEOUT_SECONDS * 1000;
        }
        if (!(t instanceof Long) || (Long) t <= 0) {
            throw new CniError(CniError.INVALID_CONFIG, "timeoutSeconds must be a positive whole number");
        }
        return (Long) t * 1000;
    }

    /** GC's list: absent means no attachment is valid; otherwise objects with string containerID and ifname. */
    private static void checkAttachments(Object list) throws CniError {
        if (list == null) {
            return;
        }
        if (!(list instanceof java.util.List)) {
            throw new CniError(CniError.INVALID_CONFIG, VALID_ATTACHMENTS + " must be a list");
        }
        for (Object a : (java.util.List<?>) list) {
            if (!(a instanceof Map) || !(((Map<?, ?>) a).get("containerID") instanceof String)
                    || !(((Map<?, ?>) a).get("ifname") instanceof String)) {
                throw new CniError(CniError.INVALID_CONFIG, VALID_ATTACHMENTS
                        + " must hold objects with a containerID and an ifname", String.valueOf(a));
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> decodeConfig(String stdin) throws CniError {
        Object parsed;
        try {
            parsed = Json.parse(stdin);
        } catch (Json.ParseException e) {
            throw new CniError(CniError.DECODING_FAILURE, "the network configuration on stdin is not valid JSON",
                    e.getMessage());
        }
        if (!(parsed instanceof Map)) {
            throw new CniError(CniError.DECODING_FAILURE, "the network configuration on stdin is not a JSON object");
        }
        return (Map<String, Object>) parsed;
    }

    private static String checkConfig(Map<String, Object> config) throws CniError {
        Object v = config.get("cniVersion");
        if (!(v instanceof String) || ((String) v).isEmpty()) {
            throw new CniError(CniError.INVALID_CONFIG, "the network configuration has no cniVersion");
        }
        if (!CniVersions.isSupported((String) v)) {
            throw new CniError(CniError.INCOMPATIBLE_VERSION, "kovn-cni does not support cniVersion " + v,
                    "supported versions: " + String.join(", ", CniVersions.SUPPORTED));
        }
        Object name = config.get("name");
        if (!(name instanceof String) || !CniInputs.isIdentifier((String) name)) {
            throw new CniError(CniError.INVALID_CONFIG, "the network configuration needs a name made of letters, digits, '_', '.' and '-'");
        }
        if (!(config.get("type") instanceof String)) {
            throw new CniError(CniError.INVALID_CONFIG, "the network configuration has no type");
        }
        Object prev = config.get("prevResult");
        if (prev != null && !(prev instanceof Map)) {
            throw new CniError(CniError.INVALID_CONFIG, "prevResult must be a JSON object");
        }
        return (String) v;
    }

    private static void requireEnv(Map<String, String> env, String name) throws CniError {
        String v = env.get(name);
        if (v == null || v.isEmpty()) {
            throw new CniError(CniError.INVALID_ENVIRONMENT, name + " is not set",
                    "the container runtime must set CNI_COMMAND, CNI_CONTAINERID, CNI_NETNS, CNI_IFNAME (see the CNI spec)");
        }
    }

    /** Refuses, with code 4 naming the variable, what {@link CniInputs} finds wrong. */
    private static void check(String problem) throws CniError {
        if (problem != null) {
            throw new CniError(CniError.INVALID_ENVIRONMENT, problem);
        }
    }

    /** The K8S_* keys of CNI_ARGS the agent uses, when present. */
    private static void checkPodArgs(Map<String, String> args) throws CniError {
        String ns = args.get("K8S_POD_NAMESPACE");
        if (ns != null && !ns.isEmpty()) {
            check(CniInputs.podNamespaceProblem(ns));
        }
        String name = args.get("K8S_POD_NAME");
        if (name != null) {
            check(CniInputs.podNameProblem(name));
        }
        String uid = args.get("K8S_POD_UID");
        if (uid != null && !uid.isEmpty()) {
            check(CniInputs.podUidProblem(uid));
        }
    }

    /** CNI_ARGS: {@code K=V;K=V}; empty or absent is fine. */
    static Map<String, String> parseArgs(String raw) throws CniError {
        Map<String, String> m = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return m;
        }
        for (String pair : raw.split(";")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw new CniError(CniError.INVALID_ENVIRONMENT, "CNI_ARGS is malformed near '" + pair + "'",
                        "expected KEY=VALUE pairs separated by ';'");
            }
            m.put(pair.substring(0, eq), pair.substring(eq + 1));
        }
        return m;
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    /** What the node agent receives: the checked environment and the whole configuration. */
    public Map<String, Object> toAgentJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("command", command);
        m.put("containerId", containerId);
        m.put("netns", netns);
        m.put("ifName", ifName);
        m.put("args", new LinkedHashMap<String, Object>(args));
        m.put("path", path);
        m.put("config", config);
        return m;
    }
}
