package io.kovn.tools.trace;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.kovn.ovn.Databases;
import io.kovn.ovn.config.OvsdbRemoteOptions;
import io.kovn.ovn.ops.NbTables;
import io.kovn.ovn.sb.Chassis;
import io.kovn.ovn.sb.Encap;
import io.kovn.ovn.sb.PortBinding;
import io.kovn.ovsdb.client.MonitorSpec;
import io.kovn.ovsdb.client.OvsdbClient;
import io.kovn.ovsdb.replica.DatabaseReplica;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

/**
 * {@code kovn trace}: resolves both ends to logical ports and addresses (NB, the API), builds the microflow, runs
 * ovn-trace against SB and summarizes its output in the cluster's terms; with {@code --node}, follows the same
 * packet through the source node's br-int with ofproto/trace as well.
 */
public final class KovnTrace {
    private static final Duration CONNECT = Duration.ofSeconds(30);

    private KovnTrace() {
    }

    public static TraceReport trace(TraceRequest req, OvsdbRemoteOptions.Connection nbConn,
                                    OvsdbRemoteOptions.Connection sbConn, KubernetesClient kube) throws Exception {
        return trace(req, nbConn, sbConn, kube, Optional.empty());
    }

    /** With {@code node}, also follows the packet through br-int of the source's node ({@code --node}). */
    public static TraceReport trace(TraceRequest req, OvsdbRemoteOptions.Connection nbConn,
                                    OvsdbRemoteOptions.Connection sbConn, KubernetesClient kube,
                                    Optional<OfprotoTraceRunner> node) throws Exception {
        try (OvsdbClient nbClient = new OvsdbClient(nbConn.remotes(), nbConn.clientOptions()).connectSync();
             OvsdbClient sbClient = new OvsdbClient(sbConn.remotes(), sbConn.clientOptions()).connectSync()) {
            DatabaseReplica nb = nbClient.replicate(Databases.NORTHBOUND, NbTables.monitorSpec())
                    .get(CONNECT.toSeconds(), TimeUnit.SECONDS);
            DatabaseReplica sb = sbClient.replicate(Databases.SOUTHBOUND,
                    MonitorSpec.create().tables(PortBinding.TABLE, Chassis.TABLE, Encap.TABLE)).get(CONNECT.toSeconds(), TimeUnit.SECONDS);
            ClusterView view = new ClusterView(nb, sb, kube);
            return trace(req, view, new OvnTraceRunner(sbConn.remotes(), sbConn.tls(), Duration.ofSeconds(60)), node);
        }
    }

    static TraceReport trace(TraceRequest req, ClusterView view, OvnTraceRunner runner,
                             Optional<OfprotoTraceRunner> node) throws Exception {
        ClusterView.Endpoint src = view.resolve(req.source(), OptionalInt.empty());
        ClusterView.Endpoint dst = view.resolve(req.destination(), req.port());
        String inport = src.port().orElseThrow(() -> new IllegalArgumentException(req.source()
                + " is not in the cluster: a trace starts at a pod or a node"));
        String datapath = src.datapath().orElseThrow(() -> new IllegalStateException(inport + " is on no switch"));
        boolean sameSwitch = dst.datapath().equals(src.datapath()) && dst.mac().isPresent();
        Microflow flow = new Microflow(inport, src.mac().orElseThrow(),
                sameSwitch ? dst.mac().get() : view.routerMac(datapath), src.ip(), dst.ip(),
                dst.serviceProtocol().orElse(req.port().isPresent() ? req.protocol() : TraceRequest.Protocol.ICMP),
                dst.servicePort().orElse(req.port().orElse(0)));
        String out = runner.run(datapath, flow);
        TraceSummary.Context context = view.context();
        TraceSummary summary = TraceSummary.of(OvnTraceOutput.parse(out), inport, context);
        String to = dst.describe() + (flow.protocol() == TraceRequest.Protocol.ICMP ? " (ICMP echo)"
                : ":" + flow.dstPort() + "/" + flow.protocol().name().toLowerCase());
        Optional<NodeTrace> onNode = node.isEmpty() ? Optional.empty()
                : Optional.of(onNode(node.get(), view, context, inport, flow));
        Optional<String> nodePort = dst.port().isEmpty() && flow.dstPort() > 0
                ? view.templateNodePort(dst.ip(), flow.dstPort()) : Optional.empty();
        return new TraceReport(src.describe(), to, datapath, flow.expression(), summary, out, onNode, nodePort);
    }

    /**
     * ofproto/trace on br-int of the node {@code inport} is bound to, after checking that the OVS reached is that
     * chassis's (its system-id).
     */
    private static NodeTrace onNode(OfprotoTraceRunner runner, ClusterView view, TraceSummary.Context context,
                                    String inport, Microflow flow) throws Exception {
        String node = context.chassisOf(inport).orElseThrow(() -> new IllegalStateException(inport
                + " is bound to no chassis: there is no node to trace on"));
        String chassis = view.chassisNameOf(inport).orElseThrow();
        OfprotoTraceRunner.NodeOvs ovs = runner.read();
        if (!ovs.systemId().equals(chassis)) {
            throw new IllegalStateException("the OVS in " + runner.rundir() + " is chassis " + ovs.systemId()
                    + ", but " + inport + " is bound to chassis " + chassis + " (node " + node + "): run kovn trace "
                    + "--node on node " + node + " (e.g. in its kovn-node pod), or point --ovs-rundir at its OVS");
        }
        OfprotoTraceRunner.Interface in = ovs.boundTo(inport).orElseThrow(() -> new IllegalStateException(
                "no OVS interface on node " + node + " has external_ids:iface-id=" + inport));
        String openFlow = flow.openFlow(in.ofport());
        String out = runner.trace(openFlow);
        String actions = OfprotoTraceOutput.lastActions(out);
        Map<String, String> lportOf = new HashMap<>();
        ovs.interfaces().forEach(i -> i.ifaceId().ifPresent(id -> lportOf.put(i.name(), id)));
        OfprotoTraceOutput.Result r = OfprotoTraceOutput.judge(out, ovs.datapathPorts(),
                port -> lportOf.containsKey(port) ? context.describePort(lportOf.get(port)) + " (" + port + ")" : port,
                ip -> view.nodeOfEncapIp(ip).map(n -> n + " (" + ip + ")").orElse(ip));
        return new NodeTrace(node, OfprotoTraceRunner.BRIDGE, openFlow, actions, r.verdict(), r.detail(), out);
    }
}
