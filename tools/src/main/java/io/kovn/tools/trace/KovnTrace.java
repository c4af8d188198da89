package io.kovn.tools.trace;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.kovn.ovn.Databases;
import io.kovn.ovn.config.OvsdbRemoteOptions;
import io.kovn.ovn.ops.NbTables;
import io.kovn.ovn.sb.Chassis;
import io.kovn.ovn.sb.PortBinding;
import io.kovn.ovsdb.client.MonitorSpec;
import io.kovn.ovsdb.client.OvsdbClient;
import io.kovn.ovsdb.replica.DatabaseReplica;
import java.time.Duration;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

/**
 * {@code kovn trace}: resolves both ends to logical ports and addresses (NB, the API), builds the microflow, runs
 * ovn-trace against SB and summarizes its output in the cluster's terms.
 */
public final class KovnTrace {
    private static final Duration CONNECT = Duration.ofSeconds(30);

    private KovnTrace() {
    }

    public static TraceReport trace(TraceRequest req, OvsdbRemoteOptions.Connection nbConn,
                                    OvsdbRemoteOptions.Connection sbConn, KubernetesClient kube) throws Exception {
        try (OvsdbClient nbClient = new OvsdbClient(nbConn.remotes(), nbConn.clientOptions()).connectSync();
             OvsdbClient sbClient = new OvsdbClient(sbConn.remotes(), sbConn.clientOptions()).connectSync()) {
            DatabaseReplica nb = nbClient.replicate(Databases.NORTHBOUND, NbTables.monitorSpec())
                    .get(CONNECT.toSeconds(), TimeUnit.SECONDS);
            DatabaseReplica sb = sbClient.replicate(Databases.SOUTHBOUND,
                    MonitorSpec.create().tables(PortBinding.TABLE, Chassis.TABLE)).get(CONNECT.toSeconds(), TimeUnit.SECONDS);
            ClusterView view = new ClusterView(nb, sb, kube);
            return trace(req, view, new OvnTraceRunner(sbConn.remotes(), sbConn.tls(), Duration.ofSeconds(60)));
        }
    }

    static TraceReport trace(TraceRequest req, ClusterView view, OvnTraceRunner runner) throws Exception {
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
        TraceSummary summary = TraceSummary.of(OvnTraceOutput.parse(out), inport, view.context());
        String to = dst.describe() + (flow.protocol() == TraceRequest.Protocol.ICMP ? " (ICMP echo)"
                : ":" + flow.dstPort() + "/" + flow.protocol().name().toLowerCase());
        return new TraceReport(src.describe(), to, datapath, flow.expression(), summary, out);
    }
}
