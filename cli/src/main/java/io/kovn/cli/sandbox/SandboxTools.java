package io.kovn.cli.sandbox;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kovn.sandbox.SandboxClient;
import io.kovn.sandbox.state.SandboxState;
import io.kovn.tools.audit.AuditCommand;
import io.kovn.tools.topology.TopologyCommand;
import io.kovn.tools.trace.TraceCommand;
import io.kovn.tools.trace.TraceTarget;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Unmatched;

/**
 * {@code kovn sandbox trace|audit|topology ...}: the tools run against the running sandbox, with its kubeconfig,
 * NB and SB sockets and networks filled in as the flags of {@code kovn trace|audit|topology} (the same parser);
 * for {@code trace --node}, the OVS run directory of the source's node.
 */
final class SandboxTools {
    private SandboxTools() {
    }

    private static int run(CommandLine tool, List<String> flags, List<String> rest) {
        List<String> args = new ArrayList<>(flags);
        args.addAll(rest == null ? List.of() : rest);
        return tool.execute(args.toArray(String[]::new));
    }

    @Command(name = "trace", description = "kovn trace SRC DST[:PORT[/PROTO]] [--node] [-v] [--json] against this sandbox "
            + "(see `kovn trace --help`).")
    static final class Trace implements Callable<Integer> {
        @Mixin
        StateDirOption state;

        @Unmatched
        List<String> rest;

        @Override
        public Integer call() {
            SandboxState s = SandboxClient.running(state.get());
            List<String> flags = new ArrayList<>(List.of("--kubeconfig", s.kubeconfig(), "--nb-address",
                    s.central().nbUnix(), "--sb-address", s.central().sbUnix()));
            List<String> args = rest == null ? List.of() : rest;
            if (args.contains("--node")) {
                sourceNode(s, args).flatMap(n -> s.nodes().stream().filter(x -> x.name().equals(n)).findFirst())
                        .ifPresent(n -> flags.addAll(List.of("--ovs-rundir", n.ovsDir())));
            }
            return run(TraceCommand.command(), flags, rest);
        }

        /**
         * The node of the trace's source (its first argument that is no option): each sandbox node has its own OVS
         * run directory, which {@code --node} needs. Empty when it cannot be told; kovn trace then says why.
         */
        private static Optional<String> sourceNode(SandboxState s, List<String> args) {
            Optional<String> src = args.stream().filter(a -> !a.startsWith("-")).findFirst();
            if (src.isEmpty()) {
                return Optional.empty();
            }
            TraceTarget t;
            try {
                t = TraceTarget.parse(src.get());
            } catch (IllegalArgumentException e) {
                return Optional.empty();
            }
            if (t.kind() == TraceTarget.Kind.NODE) {
                return Optional.of(t.name());
            }
            if (t.kind() != TraceTarget.Kind.POD) {
                return Optional.empty();
            }
            try (KubernetesClient kube = SandboxClient.client(s)) {
                Pod pod = kube.pods().inNamespace(t.namespace()).withName(t.name()).get();
                return pod == null || pod.getSpec() == null ? Optional.empty() : Optional.ofNullable(pod.getSpec().getNodeName());
            }
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
