package io.kovn.tools.trace;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.kovn.controller.ControllerOptions;
import io.kovn.ovn.config.Configuration;
import io.kovn.ovn.config.Option;
import io.kovn.ovn.config.OptionSet;
import io.kovn.ovn.config.ProgramCommand;
import io.kovn.tools.ToolOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/** {@code kovn trace SRC DST[:PORT[/PROTO]] [--node] [-v] [--json]}: its options and what it prints. */
public final class TraceCommand {
    public static final OptionSet SET = OptionSet.of("trace",
            "Why can SRC reach DST, or not: runs ovn-trace against the Southbound with the packet SRC would send "
                    + "(SRC: NAMESPACE/POD or a node; DST: NAMESPACE/POD, svc/NAMESPACE/NAME, a node or an IPv4 "
                    + "address, with :PORT[/tcp|udp]; no port: ICMP echo, or a Service's first port) and prints the "
                    + "path, the Service backend reached, SNAT, the verdict and the NetworkPolicy rule or namespace "
                    + "isolation that decided it. With --node, also runs ovs-appctl ofproto/trace on br-int of the "
                    + "source's node (run it there, or give that node's --ovs-rundir) and prints the datapath actions.",
            all());

    private TraceCommand() {
    }

    private static List<Option<?>> all() {
        List<Option<?>> all = new ArrayList<>(List.of(ControllerOptions.KUBECONFIG));
        all.addAll(ControllerOptions.NB.all());
        all.addAll(ToolOptions.SB.all());
        all.add(ToolOptions.OVS_RUNDIR);
        return all;
    }

    public static CommandLine command() {
        PositionalParamSpec src = PositionalParamSpec.builder().index("0").paramLabel("SRC").type(String.class)
                .arity("1").description("NAMESPACE/POD or a node name").build();
        PositionalParamSpec dst = PositionalParamSpec.builder().index("1").paramLabel("DST").type(String.class)
                .arity("1").description("NAMESPACE/POD, svc/NAMESPACE/NAME, a node name or an IPv4 address, "
                        + "with :PORT or :PORT/udp").build();
        OptionSpec verbose = OptionSpec.builder("-v", "--verbose").type(boolean.class).arity("0")
                .description("also print the microflow and ovn-trace's full output").build();
        OptionSpec json = OptionSpec.builder("--json").type(boolean.class).arity("0")
                .description("print the report as JSON").build();
        OptionSpec node = OptionSpec.builder("--node").type(boolean.class).arity("0")
                .description("also trace the packet through br-int of the source's node (ovs-appctl ofproto/trace)")
                .build();
        CommandLine cl = ProgramCommand.commandLine(SET, c -> run(c, src.getValue(), dst.getValue(),
                Boolean.TRUE.equals(verbose.getValue()), Boolean.TRUE.equals(json.getValue()),
                Boolean.TRUE.equals(node.getValue())));
        cl.getCommandSpec().addPositional(src).addPositional(dst).addOption(verbose).addOption(json).addOption(node);
        return cl;
    }

    private static int run(Configuration c, String src, String dst, boolean verbose, boolean json, boolean node)
            throws Exception {
        TraceRequest req;
        try {
            req = TraceRequest.parse(src, dst);
        } catch (IllegalArgumentException e) {
            System.err.println("kovn trace: " + e.getMessage());
            return ProgramCommand.CONFIG_ERROR;
        }
        try (KubernetesClient kube = ToolOptions.kube(c)) {
            Optional<OfprotoTraceRunner> onNode = node ? Optional.of(new OfprotoTraceRunner(
                    c.get(ToolOptions.OVS_RUNDIR), Duration.ofSeconds(30))) : Optional.empty();
            TraceReport report = KovnTrace.trace(req, ControllerOptions.NB.connection(c), ToolOptions.SB.connection(c),
                    kube, onNode);
            System.out.print(json ? ToolOptions.JSON.writeValueAsString(report) + "\n" : report.render(verbose));
            return report.passes() ? 0 : 1;
        } catch (IllegalArgumentException | IllegalStateException e) {
            System.err.println("kovn trace: " + e.getMessage());
            return 2;
        }
    }
}
