package io.kovn.tools.trace;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What an ovn-trace run means, in the cluster's terms: the path over logical switches and routers, the tunnels
 * between chassis, the Service load balancer and the backend the packet reached, SNAT, the verdict, and the
 * NetworkPolicy rules or namespace isolation that decided it.
 *
 * @param path      datapaths in the order the packet entered them, each with its kind
 * @param tunnels   "node1 -> node2" for every change of chassis on the way
 * @param decisions the kovn ACLs that matched, in order; for a drop the last one decided
 */
public record TraceSummary(List<String> path, List<String> tunnels, Optional<LoadBalancing> loadBalancing,
                           Optional<String> snat, Verdict verdict, String verdictDetail, List<Decision> decisions) {
    private static final Pattern BACKENDS = Pattern.compile("ct_lb(?:_mark)?\\(backends=([^;)]*)\\)?.*");
    private static final Pattern SNAT = Pattern.compile("ct_snat\\(([0-9.]+)\\);");

    public enum Verdict { DELIVERED, LEFT_CLUSTER, DROPPED, REJECTED, UNKNOWN }

    /**
     * A kovn ACL that matched the packet: the flow's action and what the ACL stands for; for a namespace's
     * default deny also the NetworkPolicies that isolate the pod ({@code isolatedBy}).
     */
    public record Decision(String stage, String action, String ownerType, String owner, String rule,
                           List<String> isolatedBy, String describe) {
    }

    /** A Service's load balancer: the VIP, every backend it had, and the one this packet reached (if known). */
    public record LoadBalancing(String loadBalancer, String vip, List<String> backends, Optional<String> reached) {
    }

    public static TraceSummary of(OvnTraceOutput trace, String sourcePort, Context ctx) {
        List<String> path = new ArrayList<>();
        for (OvnTraceOutput.Stage s : trace.stages()) {
            String hop = s.datapath() + " (" + ctx.kindOf(s.datapath()) + ")";
            if (s.ingress() && (path.isEmpty() || !path.get(path.size() - 1).equals(hop))) {
                path.add(hop);
            }
        }
        List<String> tunnels = new ArrayList<>();
        Optional<String> here = ctx.chassisOf(sourcePort);
        Optional<LoadBalancing> lb = Optional.empty();
        Optional<String> snat = Optional.empty();
        List<Decision> decisions = new ArrayList<>();
        Verdict verdict = Verdict.UNKNOWN;
        String detail = "ovn-trace shows no output and no drop";
        String lastVif = null;
        for (OvnTraceOutput.Stage s : trace.stages()) {
            // an egress pipeline runs where its output port is bound: the packet crossed a tunnel to get there
            Optional<String> there = s.ingress() ? Optional.empty() : ctx.chassisOf(s.outport());
            if (there.isPresent() && here.isPresent() && !there.equals(here)) {
                tunnels.add(here.get() + " -> " + there.get());
            }
            if (there.isPresent()) {
                here = there;
            }
            for (OvnTraceOutput.Flow f : s.flows()) {
                for (AclOwner acl : ctx.acls()) {
                    if (acl.madeFlow(f.stage(), f.match())) {
                        List<String> isolating = acl.isDefaultDeny()
                                ? ctx.isolatingPolicies().getOrDefault(acl.rule() + "|" + (acl.direction().equals("to-lport")
                                ? s.outport() : s.inport()), List.of()) : List.of();
                        String why = acl.describe() + (isolating.isEmpty() ? ""
                                : "; isolated by NetworkPolicy " + String.join(", ", isolating));
                        decisions.add(new Decision(f.stage(), acl.action(), acl.ownerType(), acl.owner(), acl.rule(),
                                isolating, why));
                        break;
                    }
                }
                for (String a : f.actions()) {
                    Matcher b = BACKENDS.matcher(a);
                    if (b.matches() && lb.isEmpty()) {
                        String vip = vipOf(f.match());
                        lb = Optional.of(new LoadBalancing(ctx.loadBalancerOf(vip).orElse("?"), vip,
                                List.of(b.group(1).split(",")), Optional.empty()));
                    }
                    Matcher n = SNAT.matcher(a);
                    if (n.matches()) {
                        snat = Optional.of(n.group(1) + " at " + s.datapath());
                    }
                }
                for (OvnTraceOutput.Output o : f.outputs()) {
                    if (o.type().isEmpty()) {
                        lastVif = o.port();
                        verdict = Verdict.DELIVERED;
                        detail = "delivered to " + ctx.describePort(o.port());
                    } else if (o.type().equals("localnet")) {
                        verdict = Verdict.LEFT_CLUSTER;
                        detail = "leaves the cluster through " + o.port() + " (" + s.datapath() + ")";
                    }
                }
                if (f.drops() || f.rejects()) {
                    verdict = f.drops() ? Verdict.DROPPED : Verdict.REJECTED;
                    String at = s.ingress() ? "" : " towards " + ctx.describePort(s.outport());
                    detail = (f.drops() ? "dropped" : "rejected") + " in " + s.datapath() + " " + f.stage() + at
                            + " (logical flow " + f.uuid() + ", priority " + f.priority() + ")";
                    if (!s.ingress() && !s.outport().isEmpty()) {
                        lastVif = s.outport();
                    }
                }
            }
        }
        if (lb.isPresent() && lastVif != null) {
            String reached = ctx.describePort(lastVif);
            LoadBalancing l = lb.get();
            lb = Optional.of(new LoadBalancing(l.loadBalancer(), l.vip(), l.backends(), Optional.of(reached)));
        }
        return new TraceSummary(path, dedupe(tunnels), lb, snat, verdict, detail, decisions);
    }

    /** The deciding ACL: for a drop or reject, the last kovn ACL that matched; else none. */
    public Optional<Decision> blockedBy() {
        if ((verdict == Verdict.DROPPED || verdict == Verdict.REJECTED) && !decisions.isEmpty()) {
            Decision d = decisions.get(decisions.size() - 1);
            return d.action().equals("drop") || d.action().equals("reject") ? Optional.of(d) : Optional.empty();
        }
        return Optional.empty();
    }

    /** The screen a user reads first. */
    public String render(String from, String to) {
        StringBuilder b = new StringBuilder();
        b.append("trace ").append(from).append(" -> ").append(to).append('\n');
        b.append("  path:     ").append(String.join(" -> ", path)).append('\n');
        if (!tunnels.isEmpty()) {
            b.append("  tunnel:   ").append(String.join(", ", tunnels)).append('\n');
        }
        loadBalancing.ifPresent(l -> {
            b.append("  service:  load balancer ").append(l.loadBalancer()).append(" VIP ").append(l.vip())
                    .append(", backends ").append(String.join(" ", l.backends())).append('\n');
            l.reached().ifPresent(r -> b.append("  backend:  ").append(r).append('\n'));
        });
        snat.ifPresent(s -> b.append("  SNAT:     to ").append(s).append('\n'));
        Optional<Decision> blocked = blockedBy();
        for (Decision d : decisions) {
            if (blocked.isEmpty() || d != blocked.get()) {
                b.append("  policy:   ").append(d.action().startsWith("allow") ? "allowed by " : d.action() + " by ")
                        .append(d.describe()).append('\n');
            }
        }
        if (decisions.isEmpty()) {
            b.append("  policy:   no NetworkPolicy applies (neither side is isolated)\n");
        }
        b.append("  verdict:  ").append(verdict).append(": ").append(verdictDetail);
        blocked.ifPresent(d -> b.append("\n  decided:  by ").append(d.describe()));
        return b.append('\n').toString();
    }

    private static String vipOf(String match) {
        Matcher ip = Pattern.compile("ip4\\.dst == ([0-9.]+)").matcher(match);
        Matcher port = Pattern.compile("(?:tcp|udp|sctp)\\.dst == (\\d+)").matcher(match);
        return (ip.find() ? ip.group(1) : "?") + (port.find() ? ":" + port.group(1) : "");
    }

    private static List<String> dedupe(List<String> l) {
        Set<String> s = new LinkedHashSet<>(l);
        return List.copyOf(s);
    }

    /**
     * What the summary needs to know of the cluster beyond the trace, read up front: datapath kinds ("switch",
     * "gateway router"), the node each bound port is on, what ports stand for ("pod demo/web-2"), load balancers
     * by VIP ("10.96.0.11:80"), kovn's ACLs, and the NetworkPolicies that isolate a pod's port, by
     * "default-deny-ingress|port" and "default-deny-egress|port".
     */
    public record Context(Map<String, String> datapathKinds, Map<String, String> portChassis,
                          Map<String, String> portNames, Map<String, String> loadBalancers,
                          List<AclOwner> acls, Map<String, List<String>> isolatingPolicies) {
        public String kindOf(String datapath) {
            return datapathKinds.getOrDefault(datapath, "datapath");
        }

        public Optional<String> chassisOf(String port) {
            return Optional.ofNullable(portChassis.get(port));
        }

        public String describePort(String port) {
            return portNames.getOrDefault(port, port);
        }

        public Optional<String> loadBalancerOf(String vip) {
            return Optional.ofNullable(loadBalancers.get(vip));
        }
    }
}
