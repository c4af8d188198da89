package io.kovn.cni;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The kovn CNI plugin: answers VERSION itself and hands ADD, DEL, CHECK, STATUS and GC to the node agent, printing its
 * answer. Exit status 0 with the result (or nothing) on stdout, or 1 with the spec's error object.
 *
 * <p>DEL when the agent cannot be reached succeeds (with a note on stderr): nothing of the pod is left that
 * the agent does not clean up by itself. The pod's veth dies with its network namespace, and at start and
 * periodically the agent removes the OVS ports of pods that no longer exist; failing would only keep the pod
 * in Terminating for as long as the agent is down. An agent that is reachable but slow does fail DEL (code
 * 11), so the runtime retries.
 */
public final class CniMain {

    private CniMain() {
    }

    public static void main(String[] args) {
        FastStart.prepare();
        int rc = run(System.getenv(), System.in, System.out, System.err);
        System.out.flush();
        System.err.flush();
        // nothing to shut down (no hooks, no files): halting skips the JVM's orderly exit, a millisecond or two
        Runtime.getRuntime().halt(rc);
    }

    /** The whole plugin, with its inputs and outputs passed in so tests can run it in-process. */
    public static int run(Map<String, String> env, InputStream stdin, PrintStream out, PrintStream err) {
        String input;
        try {
            input = readConfig(stdin);
        } catch (IOException e) {
            return fail(out, new CniError(CniError.IO_FAILURE, "cannot read the network configuration from stdin: "
                    + e.getMessage()), CniVersions.LATEST);
        } catch (CniError e) {
            return fail(out, e, CniVersions.LATEST);
        }
        String version = PluginRequest.versionForErrors(input);
        String command = env.get("CNI_COMMAND");
        if (command == null || command.isEmpty()) {
            return fail(out, new CniError(CniError.INVALID_ENVIRONMENT, "CNI_COMMAND is not set",
                    "kovn-cni is a CNI plugin, run by a container runtime with CNI_COMMAND=ADD, DEL, CHECK, STATUS, GC or VERSION"), version);
        }
        switch (command) {
            case "VERSION":
                out.print(Json.write(versionInfo(version)));
                return 0;
            case "ADD":
            case "DEL":
            case "CHECK":
            case "STATUS":
            case "GC":
                return forward(command, env, input, out, err, version);
            default:
                return fail(out, new CniError(CniError.INVALID_ENVIRONMENT, "CNI_COMMAND " + command + " is not supported",
                        "kovn-cni supports ADD, DEL, CHECK, STATUS, GC and VERSION"), version);
        }
    }

    private static Map<String, Object> versionInfo(String version) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cniVersion", version);
        m.put("supportedVersions", List.copyOf(CniVersions.SUPPORTED));
        return m;
    }

    private static int forward(String command, Map<String, String> env, String input, PrintStream out, PrintStream err,
                               String version) {
        PluginRequest req;
        try {
            req = PluginRequest.parse(command, env, input);
        } catch (CniError e) {
            return fail(out, e, version);
        }
        String request = Json.write(req.toAgentJson());
        if (request.length() > CniInputs.MAX_REQUEST_BYTES / 3) {
            // a char is at most 3 bytes in UTF-8: only a request this long can exceed the agent's bound
            int bytes = request.getBytes(StandardCharsets.UTF_8).length;
            if (bytes > CniInputs.MAX_REQUEST_BYTES) {
                return fail(out, new CniError(CniError.INVALID_CONFIG, "the request to the kovn node agent would be "
                        + bytes + " bytes, more than its limit of " + CniInputs.MAX_REQUEST_BYTES), version);
            }
        }
        String answer;
        try {
            answer = AgentClient.call(req.socket, request, req.timeoutMillis);
        } catch (AgentClient.UnreachableException e) {
            if ("DEL".equals(command)) {
                err.println("kovn-cni: " + e.getMessage() + "; DEL done without it: the agent removes the pod's "
                        + "leftovers when it starts");
                return 0;
            }
            if ("STATUS".equals(command)) {
                return fail(out, new CniError(CniError.PLUGIN_NOT_AVAILABLE, e.getMessage(),
                        "start the kovn node agent on this node (kovn node ...)"), version);
            }
            return fail(out, new CniError(CniError.TRY_AGAIN_LATER, e.getMessage(),
                    "start the kovn node agent on this node (kovn node ...)"), version);
        } catch (CniError e) {
            if ("STATUS".equals(command) && e.code() == CniError.TRY_AGAIN_LATER) {
                // an agent that does not answer cannot serve ADD either
                return fail(out, new CniError(CniError.PLUGIN_NOT_AVAILABLE, e.getMessage(), e.details()), version);
            }
            return fail(out, e, version);
        }
        return relay(answer, out, version);
    }

    /** Prints the agent's answer: {"result": {...}} (or no result for DEL/CHECK), or {"error": {...}}. */
    private static int relay(String answer, PrintStream out, String version) {
        Map<?, ?> resp;
        try {
            Object parsed = Json.parse(answer);
            if (!(parsed instanceof Map)) {
                throw new Json.ParseException("not an object");
            }
            resp = (Map<?, ?>) parsed;
        } catch (Json.ParseException e) {
            return fail(out, new CniError(CniError.AGENT_FAILURE, "the kovn node agent sent an unreadable answer",
                    e.getMessage()), version);
        }
        Object error = resp.get("error");
        if (error instanceof Map) {
            Map<?, ?> e = (Map<?, ?>) error;
            Object code = e.get("code");
            Object details = e.get("details");
            return fail(out, new CniError(code instanceof Long ? ((Long) code).intValue() : CniError.AGENT_FAILURE,
                    String.valueOf(e.get("msg")), details instanceof String ? (String) details : null), version);
        }
        Object result = resp.get("result");
        if (result != null) {
            out.print(Json.write(result));
        }
        return 0;
    }

    private static int fail(PrintStream out, CniError e, String version) {
        out.print(Json.write(e.toJson(version)));
        return 1;
    }

    /** Stdin to its end, refused (code 7) beyond {@link CniInputs#MAX_CONFIG_BYTES}: a network configuration is small. */
    private static String readConfig(InputStream in) throws IOException, CniError {
        ByteArrayOutputStream b = new ByteArrayOutputStream(2048);
        byte[] buf = new byte[4096];
        int n;
        while ((n = in.read(buf)) >= 0) {
            b.write(buf, 0, n);
            if (b.size() > CniInputs.MAX_CONFIG_BYTES) {
                throw new CniError(CniError.INVALID_CONFIG, "the network configuration on stdin is larger than "
                        + CniInputs.MAX_CONFIG_BYTES + " bytes");
            }
        }
        return b.toString(StandardCharsets.UTF_8);
    }
}
