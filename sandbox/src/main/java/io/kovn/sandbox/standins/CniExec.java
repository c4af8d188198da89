package io.kovn.sandbox.standins;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Executes a CNI plugin as a container runtime does (libcni's conventions): the first plugin of the node's
 * conflist, found in CNI_PATH, with CNI_COMMAND, CNI_CONTAINERID, CNI_NETNS, CNI_IFNAME, CNI_ARGS (the
 * K8S_POD_* keys kubelet passes) and CNI_PATH in its environment, and the plugin's configuration (with the
 * list's cniVersion and name, and for DEL the ADD's prevResult) on its standard input.
 */
final class CniExec {
    static final JsonMapper JSON = JsonMapper.builder().build();
    static final long TIMEOUT_SECONDS = 120;

    /** A plugin's error result (exit status not 0). */
    static final class CniException extends Exception {
        private static final long serialVersionUID = 1L;

        CniException(String message) {
            super(message);
        }
    }

    /** Who the call is for: the pod and its sandbox. */
    record Target(String containerId, Path netns, String ifName, String podNamespace, String podName, String podUid) {
    }

    private final Path confList;
    private final Path binDir;
    private final Path log;
    private final Map<String, Path> agentPaths;

    /**
     * {@code log}: where the plugin's standard error is appended; {@code agentPaths}: where the directories the
     * agent names in the config (its socket) are here, when the agent runs in a container and names them as it
     * sees them (on a real node they are the same paths).
     */
    CniExec(Path confList, Path binDir, Path log, Map<String, Path> agentPaths) {
        this.confList = confList;
        this.binDir = binDir;
        this.log = log;
        this.agentPaths = agentPaths;
    }

    /** Whether the network plugin has installed its configuration (kubelet's "network ready"). */
    boolean networkReady() {
        return Files.isRegularFile(confList);
    }

    /** ADD; returns the result. */
    JsonNode add(Target t) throws CniException {
        return run("ADD", t, null);
    }

    void del(Target t, JsonNode prevResult) throws CniException {
        run("DEL", t, prevResult);
    }

    private JsonNode run(String command, Target t, JsonNode prevResult) throws CniException {
        JsonNode list;
        try {
            list = JSON.readTree(Files.readString(confList));
        } catch (IOException | RuntimeException e) {
            throw new CniException("cannot read the CNI config " + confList + ": " + e.getMessage());
        }
        ObjectNode conf = ((ObjectNode) list.path("plugins").path(0)).deepCopy();
        conf.put("cniVersion", list.path("cniVersion").asString("1.0.0"));
        conf.put("name", list.path("name").asString("kovn"));
        String socket = conf.path("serverSocket").asString("");
        agentPaths.forEach((seen, here) -> {
            if (socket.startsWith(seen + "/")) {
                conf.put("serverSocket", here.resolve(socket.substring(seen.length() + 1)).toString());
            }
        });
        if (prevResult != null) {
            conf.set("prevResult", prevResult);
        }
        Path plugin = binDir.resolve(conf.path("type").asString(""));
        ProcessBuilder pb = new ProcessBuilder(plugin.toString());
        Map<String, String> env = pb.environment();
        env.put("CNI_COMMAND", command);
        env.put("CNI_CONTAINERID", t.containerId());
        env.put("CNI_NETNS", t.netns().toString());
        env.put("CNI_IFNAME", t.ifName());
        env.put("CNI_ARGS", "IgnoreUnknown=1;K8S_POD_NAMESPACE=" + t.podNamespace() + ";K8S_POD_NAME=" + t.podName()
                + ";K8S_POD_INFRA_CONTAINER_ID=" + t.containerId() + ";K8S_POD_UID=" + t.podUid());
        env.put("CNI_PATH", binDir.toString());
        pb.redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
        try {
            Process p = io.kovn.testing.Exec.start(pb);
            try (OutputStream in = p.getOutputStream()) {
                in.write(conf.toString().getBytes(StandardCharsets.UTF_8));
            }
            String out;
            try (InputStream o = p.getInputStream()) {
                out = new String(o.readAllBytes(), StandardCharsets.UTF_8);
            }
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new CniException(command + " timed out");
            }
            if (p.exitValue() != 0) {
                throw new CniException(command + " failed: " + describeError(out));
            }
            return out.isBlank() ? null : JSON.readTree(out);
        } catch (IOException e) {
            throw new CniException("cannot run " + plugin + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CniException(command + " interrupted");
        }
    }

    private static String describeError(String out) {
        try {
            JsonNode e = JSON.readTree(out);
            String details = e.path("details").asString("");
            return "code " + e.path("code").asInt() + ": " + e.path("msg").asString("")
                    + (details.isEmpty() ? "" : " (" + details + ")");
        } catch (RuntimeException ex) {
            return out.trim();
        }
    }

    /** The pod's IPv4 address from an ADD result (without the prefix length), or null. */
    static String podIp(JsonNode result) {
        for (JsonNode ip : result.path("ips")) {
            String a = ip.path("address").asString("");
            if (!a.contains(":") && a.contains("/")) {
                return a.substring(0, a.indexOf('/'));
            }
        }
        return null;
    }
}
