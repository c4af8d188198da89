package io.kovn.tools.trace;

import java.util.Optional;

/**
 * The outcome of {@code kovn trace}: what was traced, the microflow given to ovn-trace, the summary, ovn-trace's own
 * output ({@code -v}), and with {@code --node} the trace through the source node's br-int. {@code nodePort}: the
 * destination is a gateway's NodePort served by a template load balancer, as kovn reads it from NB (ovn-trace 23.03
 * does not expand OVN template variables, so its path does not follow the NodePort's DNAT).
 */
public record TraceReport(String source, String destination, String datapath, String microflow,
                          TraceSummary summary, String ovnTrace, Optional<NodeTrace> node, Optional<String> nodePort) {

    public String render(boolean verbose) {
        StringBuilder s = new StringBuilder(summary.render(source, destination));
        nodePort.ifPresent(n -> s.append("  nodeport: ").append(n).append("\n            (a template load balancer: ")
                .append("ovn-trace 23.03 does not expand its variables, so the path above does not follow its DNAT)\n"));
        node.ifPresent(n -> s.append(n.render(false)));
        if (verbose) {
            s.append("\novn-trace ").append(datapath).append(" '").append(microflow).append("'\n\n").append(ovnTrace);
            node.ifPresent(n -> s.append(n.render(true).substring(n.render(false).length())));
        }
        return s.toString();
    }

    /** Whether the packet gets through: ovn-trace's verdict, and with {@code --node} the datapath's as well. */
    public boolean passes() {
        boolean logical = summary.verdict() == TraceSummary.Verdict.DELIVERED
                || summary.verdict() == TraceSummary.Verdict.LEFT_CLUSTER;
        return logical && node.map(n -> n.verdict() == NodeTrace.Verdict.OUTPUT
                || n.verdict() == NodeTrace.Verdict.TUNNELLED).orElse(true);
    }
}
