package io.kovn.tools.trace;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads {@code ofproto/trace}'s output: its last "Datapath actions:" line (after the recirculations it followed),
 * split at the top level into the datapath ports the packet leaves by and the tunnels it is sent through; and
 * {@code dpif/show}, which names the datapath's port numbers.
 */
final class OfprotoTraceOutput {
    private static final Pattern DPIF_PORT = Pattern.compile("^\\s+(\\S+) (?:\\d+|LOCAL)/(\\d+):.*$", Pattern.MULTILINE);
    /** The kernel datapath's {@code set(tunnel(...,dst=IP,...))}, userspace's {@code tnl_push(...ipv4(src=..,dst=IP..} */
    private static final Pattern TUNNEL_DST = Pattern.compile(
            "(?:set\\(tunnel\\([^)]*?\\bdst=|tnl_push\\(.*?\\bipv4\\(src=[0-9.]+,dst=)([0-9.]+)");
    /** An OpenFlow rule as ofproto/trace prints it: table, match, priority, cookie (a logical flow's UUID prefix). */
    private static final Pattern RULE = Pattern.compile("^\\s*(\\d+)\\. (.*), priority (\\d+), cookie 0x([0-9a-f]+)$");
    private static final String ACTIONS = "Datapath actions: ";

    private OfprotoTraceOutput() {
    }

    /** Datapath port number to port name, from {@code ovs-appctl dpif/show}. */
    static Map<Integer, String> datapathPorts(String dpifShow) {
        Map<Integer, String> ports = new HashMap<>();
        Matcher m = DPIF_PORT.matcher(dpifShow);
        while (m.find()) {
            ports.put(Integer.parseInt(m.group(2)), m.group(1));
        }
        return ports;
    }

    /** The last "Datapath actions:" of the trace; empty when there is none. */
    static String lastActions(String trace) {
        int i = trace.lastIndexOf(ACTIONS);
        if (i < 0) {
            return "";
        }
        int end = trace.indexOf('\n', i);
        return trace.substring(i + ACTIONS.length(), end < 0 ? trace.length() : end).strip();
    }

    /**
     * The verdict of {@code actions}: the ports it outputs to (named by {@code portNames}, e.g. the pod a veth
     * belongs to) and the nodes it tunnels to ({@code nodeOfIp}: a tunnel's destination address to a node).
     */
    static Result judge(String trace, Map<Integer, String> dpPorts, Function<String, String> portNames,
                        Function<String, String> nodeOfIp) {
        String actions = lastActions(trace);
        if (actions.isEmpty() || actions.equals("drop")) {
            return new Result(NodeTrace.Verdict.DROPPED, List.of(droppingRule(trace).orElse(
                    "no output action: the datapath drops the packet")));
        }
        Set<String> tunnels = new LinkedHashSet<>();
        Matcher t = TUNNEL_DST.matcher(actions);
        while (t.find()) {
            tunnels.add(nodeOfIp.apply(t.group(1)));
        }
        List<String> outputs = new ArrayList<>();
        boolean recirc = false;
        for (String a : topLevel(unwrapClones(actions))) {
            if (a.matches("\\d+")) {
                String port = dpPorts.getOrDefault(Integer.parseInt(a), "datapath port " + a);
                outputs.add(portNames.apply(port));
            } else if (a.startsWith("recirc(")) {
                recirc = true;
            }
        }
        if (!tunnels.isEmpty()) {
            return new Result(NodeTrace.Verdict.TUNNELLED, tunnels.stream().map(n -> "tunnel to " + n
                    + " (the rest of the path, with the destination's to-lport ACLs, runs there)").toList());
        }
        if (!outputs.isEmpty()) {
            return new Result(NodeTrace.Verdict.OUTPUT, outputs.stream().map(o -> "out of " + o).toList());
        }
        return new Result(NodeTrace.Verdict.UNKNOWN, List.of(recirc ? "ends in a recirculation ofproto/trace did "
                + "not follow" : "no output port in the datapath actions"));
    }

    record Result(NodeTrace.Verdict verdict, List<String> detail) {
    }

    /**
     * The last OpenFlow rule whose actions are a plain {@code drop}: where the packet ended, with the logical flow
     * it came from (ovn-controller sets a rule's cookie to the first 32 bits of its logical flow's UUID, the
     * "uuid" ovn-trace prints).
     */
    static Optional<String> droppingRule(String trace) {
        String[] lines = trace.split("\n");
        for (int i = lines.length - 2; i >= 0; i--) {
            Matcher m = RULE.matcher(lines[i]);
            if (m.matches() && lines[i + 1].strip().equals("drop")) {
                return Optional.of("dropped by OpenFlow table " + m.group(1) + " priority " + m.group(3)
                        + " (logical flow " + String.format("%8s", m.group(4)).replace(' ', '0') + ")");
            }
        }
        return Optional.empty();
    }

    /** The actions inside {@code clone(...)} count as the packet's own. */
    private static String unwrapClones(String actions) {
        return actions.replace("clone(", "(");
    }

    /** Splits at commas outside parentheses; an action in parentheses of its own ({@code (a,b)}) is split too. */
    private static List<String> topLevel(String actions) {
        List<String> out = new ArrayList<>();
        int depth = 0;
        StringBuilder cur = new StringBuilder();
        for (char c : actions.toCharArray()) {
            if (c == '(') {
                if (depth == 0 && cur.isEmpty()) {
                    continue; // a bare group (an unwrapped clone): its actions are top level
                }
                depth++;
            } else if (c == ')') {
                if (depth == 0) {
                    continue;
                }
                depth--;
            } else if (c == ',' && depth == 0) {
                out.add(cur.toString().strip());
                cur.setLength(0);
                continue;
            }
            cur.append(c);
        }
        if (!cur.isEmpty()) {
            out.add(cur.toString().strip());
        }
        return out;
    }
}
