package io.kovn.node.cni;

import io.kovn.cni.CniInputs;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A request the plugin forwarded: the CNI environment it checked, and the network configuration it read. Whoever
 * can write to the socket is trusted no further than the plugin: {@link #parse} checks every value the runtime
 * sets with the plugin's own rules ({@link CniInputs}) before anything uses it, since the values end up in
 * interface names, OVS external_ids and namespace paths.
 *
 * @param netns null for a DEL after the sandbox's namespace is gone
 */
public record CniRequest(String command, String containerId, Path netns, String ifName, Map<String, String> args,
                         JsonNode config) {
    static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Set<String> COMMANDS = Set.of("ADD", "DEL", "CHECK", "STATUS", "GC");

    /**
     * Parses and checks a request: code 6 for what is not a request at all, code 4 naming the variable for a
     * value the runtime could not have meant (a container ID, interface name, namespace path or pod name that
     * breaks its syntax).
     */
    public static CniRequest parse(byte[] body) throws CniFailure {
        JsonNode n;
        try {
            n = JSON.readTree(body);
        } catch (RuntimeException e) {
            throw new CniFailure(CniFailure.DECODING_FAILURE, "the CNI server got a request that is not JSON",
                    e.getMessage());
        }
        if (n == null || !n.isObject()) {
            throw new CniFailure(CniFailure.DECODING_FAILURE, "the CNI server got a request that is not a JSON object",
                    null);
        }
        String command = text(n, "command");
        String containerId = text(n, "containerId");
        String ifName = text(n, "ifName");
        String netns = text(n, "netns");
        if (command.isEmpty() || !networkWide(command) && (containerId.isEmpty() || ifName.isEmpty())
                || !n.path("config").isObject()) {
            throw new CniFailure(CniFailure.DECODING_FAILURE, "the CNI server got an incomplete request",
                    "command and config are required, and containerId and ifName for ADD, DEL and CHECK");
        }
        if (!COMMANDS.contains(command)) {
            throw new CniFailure(CniFailure.INVALID_ENVIRONMENT, "CNI_COMMAND '" + CniInputs.shown(command)
                    + "' is not supported", "the kovn node agent serves ADD, DEL, CHECK, STATUS and GC");
        }
        if (!containerId.isEmpty()) {
            check(CniInputs.containerIdProblem(containerId));
        }
        if (!ifName.isEmpty()) {
            check(CniInputs.ifNameProblem(ifName));
        }
        if (!netns.isEmpty()) {
            check(CniInputs.netnsProblem(netns));
        }
        Map<String, String> args = args(n.path("args"));
        return new CniRequest(command, containerId, netns.isEmpty() ? null : Path.of(netns), ifName, args,
                n.get("config"));
    }

    /** A string field, "" when absent or null; any other type is not a request the plugin makes. */
    private static String text(JsonNode n, String field) throws CniFailure {
        JsonNode v = n.path(field);
        if (v.isMissingNode() || v.isNull()) {
            return "";
        }
        if (!v.isString()) {
            throw new CniFailure(CniFailure.DECODING_FAILURE, "the CNI server got a request whose " + field
                    + " is not a string", null);
        }
        return v.asString();
    }

    /** CNI_ARGS as the plugin split it: string values, and the K8S_POD_* keys the agent uses in their syntax. */
    private static Map<String, String> args(JsonNode a) throws CniFailure {
        Map<String, String> args = new LinkedHashMap<>();
        if (a.isMissingNode() || a.isNull()) {
            return args;
        }
        if (!a.isObject()) {
            throw new CniFailure(CniFailure.DECODING_FAILURE, "the CNI server got a request whose args is not an object",
                    null);
        }
        for (Map.Entry<String, JsonNode> e : a.properties()) {
            if (!e.getValue().isString()) {
                throw new CniFailure(CniFailure.DECODING_FAILURE, "the CNI server got a request whose args are not "
                        + "all strings", null);
            }
            args.put(e.getKey(), e.getValue().asString());
        }
        String ns = args.get("K8S_POD_NAMESPACE");
        if (ns != null && !ns.isEmpty()) {
            check(CniInputs.podNamespaceProblem(ns));
        }
        String name = args.get("K8S_POD_NAME");
        if (name != null && !name.isEmpty()) {
            check(CniInputs.podNameProblem(name));
        }
        String uid = args.get("K8S_POD_UID");
        if (uid != null && !uid.isEmpty()) {
            check(CniInputs.podUidProblem(uid));
        }
        return args;
    }

    private static void check(String problem) throws CniFailure {
        if (problem != null) {
            throw new CniFailure(CniFailure.INVALID_ENVIRONMENT, problem, null);
        }
    }

    public String cniVersion() {
        return config.path("cniVersion").asString("1.0.0");
    }

    /** K8S_POD_NAMESPACE; some runtimes leave it out, and then it is "default". */
    public String podNamespace() {
        String ns = args.get("K8S_POD_NAMESPACE");
        return ns == null || ns.isEmpty() ? "default" : ns;
    }

    public String podName() {
        return args.get("K8S_POD_NAME");
    }

    /** K8S_POD_UID when the runtime passes it (containerd, CRI-O do), else null. */
    public String podUid() {
        String uid = args.get("K8S_POD_UID");
        return uid == null || uid.isEmpty() ? null : uid;
    }

    /** STATUS and GC (CNI 1.1.0) are about the whole network, not one container's interface. */
    static boolean networkWide(String command) {
        return "STATUS".equals(command) || "GC".equals(command);
    }

    public boolean networkWide() {
        return networkWide(command);
    }

    /** The network's name in the configuration ("kovn" in the conflist the agent installs). */
    public String networkName() {
        return config.path("name").asString("");
    }

    public JsonNode prevResult() {
        JsonNode p = config.get("prevResult");
        return p != null && p.isObject() ? p : null;
    }

    @Override
    public String toString() {
        if (networkWide()) {
            return command + " of network " + networkName();
        }
        return command + " " + podNamespace() + "/" + podName() + " container " + containerId + " if " + ifName;
    }
}
