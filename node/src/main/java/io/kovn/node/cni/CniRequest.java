package io.kovn.node.cni;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A request the plugin forwarded: the CNI environment it checked, and the network configuration it read.
 *
 * @param netns null for a DEL after the sandbox's namespace is gone
 */
public record CniRequest(String command, String containerId, Path netns, String ifName, Map<String, String> args,
                         JsonNode config) {
    static final JsonMapper JSON = JsonMapper.builder().build();

    public static CniRequest parse(byte[] body) throws CniFailure {
        JsonNode n;
        try {
            n = JSON.readTree(body);
        } catch (RuntimeException e) {
            throw new CniFailure(CniFailure.DECODING_FAILURE, "the CNI server got a request that is not JSON",
                    e.getMessage());
        }
        String command = n.path("command").asString("");
        String containerId = n.path("containerId").asString("");
        String ifName = n.path("ifName").asString("");
        if (command.isEmpty() || !networkWide(command) && (containerId.isEmpty() || ifName.isEmpty())
                || !n.path("config").isObject()) {
            throw new CniFailure(CniFailure.DECODING_FAILURE, "the CNI server got an incomplete request",
                    "command and config are required, and containerId and ifName for ADD, DEL and CHECK");
        }
        Map<String, String> args = new LinkedHashMap<>();
        n.path("args").properties().forEach(e -> args.put(e.getKey(), e.getValue().asString()));
        String netns = n.path("netns").asString("");
        return new CniRequest(command, containerId, netns.isEmpty() ? null : Path.of(netns), ifName, args,
                n.get("config"));
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
