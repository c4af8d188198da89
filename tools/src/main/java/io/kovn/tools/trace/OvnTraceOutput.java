package io.kovn.tools.trace;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code --detailed} output of ovn-trace (OVN 23.03 has no JSON), read into stages: every
 * {@code ingress(dp=..., inport=...)} or {@code egress(dp=..., inport=..., outport=...)} pipeline a packet went
 * through, each with the logical flows it hit (table, stage name, match, priority, uuid prefix) and their actions.
 * Connection tracking continuations ({@code ct_lb_mark}, {@code ct_snat(...)}) and multicast fan-outs carry on
 * the stage they came from.
 *
 * @param microflow the flow as ovn-trace understood it (its first line, after "# ")
 */
public record OvnTraceOutput(String microflow, List<Stage> stages) {
    private static final Pattern PIPELINE = Pattern.compile(
            "(ingress|egress)\\(dp=\"([^\"]*)\", inport=\"([^\"]*)\"(?:, outport=\"([^\"]*)\")?\\)");
    private static final Pattern FLOW = Pattern.compile(
            "(\\d+)\\. (\\S+) \\(([^)]*)\\): (.*), priority (\\d+), uuid ([0-9a-f]+)");
    private static final Pattern OUTPUT = Pattern.compile("/\\* output to \"([^\"]*)\", type \"([^\"]*)\" \\*/");

    /** One pipeline run on one datapath. {@code outport} is empty for ingress. */
    public record Stage(boolean ingress, String datapath, String inport, String outport, List<Flow> flows) {
        public Optional<Flow> lastFlow() {
            return flows.isEmpty() ? Optional.empty() : Optional.of(flows.get(flows.size() - 1));
        }
    }

    /** A logical flow hit, with the actions ovn-trace shows under it (one per line, trimmed). */
    public record Flow(int table, String stage, String match, int priority, String uuid, List<String> actions) {
        public boolean drops() {
            return actions.stream().anyMatch(a -> a.equals("drop;"));
        }

        public boolean rejects() {
            return actions.stream().anyMatch(a -> a.startsWith("reject") || a.startsWith("tcp_reset"));
        }

        /** Where the packet left this flow's datapath: port and type, from ovn-trace's "output to" comment. */
        public List<Output> outputs() {
            List<Output> out = new ArrayList<>();
            for (String a : actions) {
                Matcher m = OUTPUT.matcher(a);
                if (m.matches()) {
                    out.add(new Output(m.group(1), m.group(2)));
                }
            }
            return out;
        }
    }

    /** A port the packet was output to; type is the Port_Binding type ("" for a VIF, patch, localnet, ...). */
    public record Output(String port, String type) {
    }

    /** Reads ovn-trace's detailed output. Unknown lines are kept as actions of the flow before them. */
    public static OvnTraceOutput parse(String text) {
        String[] lines = text.split("\n", -1);
        String microflow = "";
        List<Stage> stages = new ArrayList<>();
        Stage stage = null;
        List<Flow> flows = null;
        Flow flow = null;
        List<String> actions = null;
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty()) {
                continue;
            }
            if (line.startsWith("# ") && microflow.isEmpty() && stages.isEmpty()) {
                microflow = line.substring(2);
                continue;
            }
            boolean header = i + 1 < lines.length && !lines[i + 1].isBlank() && lines[i + 1].strip().matches("-+");
            if (header) {
                Matcher p = PIPELINE.matcher(line);
                if (p.matches()) {
                    flows = new ArrayList<>();
                    stage = new Stage(p.group(1).equals("ingress"), p.group(2), p.group(3),
                            p.group(4) == null ? "" : p.group(4), flows);
                    stages.add(stage);
                    flow = null;
                } else if (actions != null) {
                    actions.add(line); // a ct continuation or multicast: part of the flow that led to it
                }
                i++; // the dashes
                continue;
            }
            Matcher f = FLOW.matcher(line);
            if (f.matches() && flows != null) {
                actions = new ArrayList<>();
                flow = new Flow(Integer.parseInt(f.group(1)), f.group(2), f.group(4), Integer.parseInt(f.group(5)),
                        f.group(6), actions);
                flows.add(flow);
            } else if (actions != null) {
                actions.add(line);
            }
        }
        return new OvnTraceOutput(microflow, List.copyOf(stages));
    }

    /** Every flow in the order the packet met them. */
    public List<Flow> flows() {
        return stages.stream().flatMap(s -> s.flows().stream()).toList();
    }
}
