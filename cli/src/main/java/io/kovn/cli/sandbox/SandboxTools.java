package io.kovn.cli.sandbox;

import io.kovn.sandbox.SandboxClient;
import io.kovn.sandbox.state.SandboxState;
import io.kovn.tools.audit.AuditCommand;
import io.kovn.tools.topology.TopologyCommand;
import io.kovn.tools.trace.TraceCommand;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Unmatched;

/**
 * {@code kovn sandbox trace|audit|topology ...}: the tools run against the running sandbox, with its kubeconfig,
 * NB and SB sockets and networks filled in as the flags of {@code kovn trace|audit|topology} (the same parser).
 */
final class SandboxTools {
    private SandboxTools() {
    }

    private static int run(CommandLine tool, List<String> flags, List<String> rest) {
        List<String> args = new ArrayList<>(flags);
        args.addAll(rest == null ? List.of() : rest);
        return tool.execute(args.toArray(String[]::new));
    }

    @Command(name = "trace", description = "kovn trace SRC DST[:PORT[/PROTO]] [-v] [--json] against this sandbox "
            + "(see `kovn trace --help`).")
    static final class Trace implements Callable<Integer> {
        @Mixin
        StateDirOption state;

        @Unmatched
        List<String> rest;

        @Override
        public Integer call() {
            SandboxState s = SandboxClient.running(state.get());
            return run(TraceCommand.command(), List.of("--kubeconfig", s.kubeconfig(), "--nb-address",
                    s.central().nbUnix(), "--sb-address", s.central().sbUnix()), rest);
        }
    }

    @Command(name = "audit", description = "kovn audit [--fix] [--json] against this sandbox (see `kovn audit --help`).")
    static final class Audit implements Callable<Integer> {
        @Mixin
        StateDirOption state;

        @Unmatched
        List<String> rest;

        @Override
        public Integer call() {
            SandboxState s = SandboxClient.running(state.get());
            return run(AuditCommand.command(), List.of("--kubeconfig", s.kubeconfig(), "--nb-address",
                    s.central().nbUnix(), "--cluster-subnet", s.clusterSubnet(), "--service-cidr", s.serviceCidr()), rest);
        }
    }

    @Command(name = "topology", description = "kovn topology [--format json|dot|svg] of this sandbox "
            + "(see `kovn topology --help`).")
    static final class Topology implements Callable<Integer> {
        @Mixin
        StateDirOption state;

        @Unmatched
        List<String> rest;

        @Override
        public Integer call() {
            SandboxState s = SandboxClient.running(state.get());
            return run(TopologyCommand.command(), List.of("--nb-address", s.central().nbUnix()), rest);
        }
    }
}
