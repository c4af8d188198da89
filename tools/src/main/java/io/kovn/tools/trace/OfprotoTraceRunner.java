package io.kovn.tools.trace;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Runs {@code ovs-appctl ofproto/trace} on br-int of the node whose OVS run directory it is given (ovs-vswitchd's
 * control socket and the Open_vSwitch database's {@code db.sock} there): on a real cluster the node's
 * {@code /var/run/openvswitch}, reached by running {@code kovn trace --node} on that node (or in its kovn-node
 * pod); in the sandbox each node's own directory. Everything it runs is an argument vector built from typed
 * values, each bounded in time and output.
 */
public final class OfprotoTraceRunner {
    static final String BRIDGE = "br-int";
    /** ofproto/trace takes one --ct-next per recirculation after a ct action: enough for a pod-to-pod path. */
    private static final int CT_STATES = 8;
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Path dir;
    private final Duration timeout;

    /** {@code rundir}: the OVS run directory of the node to trace on. */
    public OfprotoTraceRunner(Path rundir, Duration timeout) {
        this.dir = rundir;
        this.timeout = timeout;
    }

    /** One OVS interface of the node: its name, OpenFlow port and the logical port it is bound to (iface-id). */
    record Interface(String name, long ofport, Optional<String> ifaceId) {
    }

    /** The node's OVS, as the trace reads it. */
    record NodeOvs(String systemId, List<Interface> interfaces, Map<Integer, String> datapathPorts) {
        Optional<Interface> boundTo(String logicalPort) {
            return interfaces.stream().filter(i -> i.ifaceId().equals(Optional.of(logicalPort))).findFirst();
        }
    }

    Path rundir() {
        return dir;
    }

    NodeOvs read() throws IOException, InterruptedException {
        String systemId = run(dir, vsctl(dir, "get", "Open_vSwitch", ".", "external_ids:system-id")).strip();
        if (systemId.startsWith("\"") && systemId.endsWith("\"") && systemId.length() >= 2) {
            systemId = systemId.substring(1, systemId.length() - 1);
        }
        List<Interface> interfaces = interfaces(run(dir, vsctl(dir, "--format=json", "--columns=name,ofport,external_ids",
                "list", "Interface")));
        Map<Integer, String> dp = OfprotoTraceOutput.datapathPorts(run(dir, appctl(dir, "dpif/show")));
        return new NodeOvs(systemId, interfaces, dp);
    }

    String trace(String flow) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>();
        args.add("ofproto/trace");
        for (int i = 0; i < CT_STATES; i++) {
            args.add("--ct-next");
            args.add("trk,new");
        }
        args.add(BRIDGE);
        args.add(flow);
        return run(dir, appctl(dir, args.toArray(String[]::new)));
    }

    private List<String> vsctl(Path dir, String... args) {
        List<String> cmd = new ArrayList<>(List.of("ovs-vsctl", "--db=unix:" + dir.resolve("db.sock"), "--timeout="
                + Math.max(1, timeout.toSeconds())));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** ovs-vswitchd's control socket: {@code ovs-vswitchd.ctl} when there is one (the sandbox), else by pid file. */
    private static List<String> appctl(Path dir, String... args) {
        Path ctl = dir.resolve("ovs-vswitchd.ctl");
        List<String> cmd = new ArrayList<>(List.of("ovs-appctl", "-t", Files.exists(ctl) ? ctl.toString() : "ovs-vswitchd"));
        cmd.addAll(List.of(args));
        return cmd;
    }

    private String run(Path dir, List<String> cmd) throws IOException, InterruptedException {
        return BoundedProcess.run(cmd, Map.of("OVS_RUNDIR", dir.toString()), timeout);
    }

    /** {@code ovs-vsctl --format=json list Interface} with columns name, ofport, external_ids. */
    static List<Interface> interfaces(String json) {
        JsonNode root = JSON.readTree(json);
        List<String> headings = new ArrayList<>();
        root.path("headings").forEach(h -> headings.add(h.asString()));
        int name = headings.indexOf("name");
        int ofport = headings.indexOf("ofport");
        int ids = headings.indexOf("external_ids");
        List<Interface> out = new ArrayList<>();
        for (JsonNode row : root.path("data")) {
            JsonNode port = row.path(ofport);
            long n = port.isNumber() ? port.asLong() : -1;
            Map<String, String> map = new HashMap<>();
            JsonNode m = row.path(ids);
            if (m.isArray() && m.path(0).asString("").equals("map")) {
                m.path(1).forEach(kv -> map.put(kv.path(0).asString(""), kv.path(1).asString("")));
            }
            out.add(new Interface(row.path(name).asString(""), n, Optional.ofNullable(map.get("iface-id"))));
        }
        return out;
    }
}
