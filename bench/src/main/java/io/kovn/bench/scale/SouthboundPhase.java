package io.kovn.bench.scale;

import io.fabric8.kubernetes.api.model.Pod;
import io.kovn.bench.ProcFs;
import io.kovn.ovn.Databases;
import io.kovn.ovn.Names;
import io.kovn.ovn.sb.LogicalFlow;
import io.kovn.ovn.sb.PortBinding;
import io.kovn.ovsdb.client.MonitorSpec;
import io.kovn.ovsdb.client.OvsdbClient;
import io.kovn.ovsdb.model.Row;
import io.kovn.ovsdb.replica.DatabaseReplica;
import io.kovn.ovsdb.replica.RowListener;
import io.kovn.testing.Exec;
import io.kovn.testing.OvnDaemons;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.node.ObjectNode;

/**
 * The Southbound half of {@code kovn bench scale}, measured apart from the controller's: once the controller has
 * synced the cluster into NB, a fresh SB and ovn-northd are started against that NB and timed until SB has caught
 * up ({@code ovn-nbctl --wait=sb sync}: NB's {@code nb_cfg} bumped, until northd has written SB and reported it
 * back in {@code sb_cfg}): OVN 23.03's full recompute of the whole cluster, which kovn does not control. Then pods
 * are created open-loop on top, each timed from its creation to its {@code Port_Binding} in SB (the controller's
 * NB write and northd's processing together). The processes' CPU time and RSS come from {@code /proc}.
 */
final class SouthboundPhase {
    static final int PODS = 100;
    static final int RATE = 50;
    private static final Duration SYNC_TIMEOUT = Duration.ofMinutes(60);

    /** The figures of all repetitions; times in ms. */
    record Result(Spread firstSyncMs, Spread northdCpuMs, Spread bindingP50Ms, Spread bindingP99Ms, long logicalFlows,
                  long portBindings, long northdRssMb, long sbRssMb, long nbRssMb) {

        void into(ObjectNode n) {
            ObjectNode sb = n.putObject("southbound");
            sb.put("first_sync_ms", Spread.round(firstSyncMs.median()));
            firstSyncMs.into(sb.putObject("first_sync_ms_spread"));
            northdCpuMs.into(sb.putObject("northd_cpu_ms_during_first_sync"));
            sb.put("pod_to_port_binding_p50_ms", Spread.round(bindingP50Ms.median()));
            sb.put("pod_to_port_binding_p99_ms", Spread.round(bindingP99Ms.median()));
            bindingP99Ms.into(sb.putObject("pod_to_port_binding_p99_ms_spread"));
            sb.put("logical_flows", logicalFlows).put("port_bindings", portBindings);
            sb.put("northd_rss_mb", northdRssMb).put("sb_rss_mb", sbRssMb).put("nb_rss_mb", nbRssMb);
            sb.put("note", "first_sync: a fresh SB and ovn-northd against the synced NB, until sb_cfg caught up "
                    + "(northd's full recompute); pod_to_port_binding: " + PODS + " pods created at " + RATE
                    + "/s on top, from creation to their Port_Binding in SB");
        }

        void print(PrintStream out) {
            out.printf("  SB: northd's first sync of it all %s (northd CPU %s)%n", firstSyncMs.describe("ms"),
                    northdCpuMs.describe("ms"));
            out.printf("  SB: pod created to Port_Binding   p50 %s, p99 %s (%d pods at %d/s)%n",
                    bindingP50Ms.describe("ms"), bindingP99Ms.describe("ms"), PODS, RATE);
            out.printf("  SB: %d logical flows, %d port bindings; RSS northd %d MB, SB %d MB, NB %d MB%n",
                    logicalFlows, portBindings, northdRssMb, sbRssMb, nbRssMb);
        }
    }

    private final OvnDaemons nb;
    private final MemoryCluster cluster;
    private final ClusterGenerator generator;
    private final int nodes;
    private final PrintStream progress;
    private final Random random = new Random(ScaleBench.SEED + 1);
    private int seq;

    SouthboundPhase(OvnDaemons nb, MemoryCluster cluster, ClusterGenerator generator, int nodes, PrintStream progress) {
        this.nb = nb;
        this.cluster = cluster;
        this.generator = generator;
        this.nodes = nodes;
        this.progress = progress;
    }

    Result run(int reps) throws Exception {
        List<Double> sync = new ArrayList<>();
        List<Double> cpu = new ArrayList<>();
        List<Double> p50 = new ArrayList<>();
        List<Double> p99 = new ArrayList<>();
        long flows = 0;
        long bindings = 0;
        long northdRss = 0;
        long sbRss = 0;
        for (int rep = 0; rep < reps; rep++) {
            long start = System.nanoTime();
            try (OvnDaemons sb = OvnDaemons.builder().northdFor(nb.nbUnix()).timeout(SYNC_TIMEOUT).start()) {
                Exec.run(List.of("ovn-nbctl", "--db=" + nb.nbUnix(), "--timeout=" + SYNC_TIMEOUT.toSeconds(),
                        "--wait=sb", "sync"), nb.env(), nb.dir(), SYNC_TIMEOUT.plusMinutes(1)).check();
                double ms = (System.nanoTime() - start) / 1e6;
                long northd = sb.pids().get("northd");
                long northdCpu = ProcFs.cpuMs(northd);
                sync.add(ms);
                cpu.add((double) northdCpu);
                northdRss = Math.max(northdRss, ProcFs.rssMb(northd));
                sbRss = Math.max(sbRss, ProcFs.rssMb(sb.pids().get("sb")));
                try (OvsdbClient client = new OvsdbClient(sb.sbUnix()).connectSync()) {
                    if (rep == 0) {
                        DatabaseReplica counts = client.replicate(Databases.SOUTHBOUND, MonitorSpec.create()
                                .table(LogicalFlow.TABLE, List.of(LogicalFlow.TABLE_ID))
                                .table(PortBinding.TABLE, List.of(PortBinding.LOGICAL_PORT)))
                                .get(SYNC_TIMEOUT.toMinutes(), TimeUnit.MINUTES);
                        flows = counts.size(LogicalFlow.TABLE_NAME);
                        bindings = counts.size(PortBinding.TABLE_NAME);
                    }
                }
                double[] latency = bindings(sb);
                p50.add(latency[0]);
                p99.add(latency[1]);
                progress.printf("rep %d: SB first sync %.0f ms (northd CPU %d ms); pod to Port_Binding p50 %.0f ms "
                        + "p99 %.0f ms%n", rep + 1, ms, northdCpu, latency[0], latency[1]);
            }
        }
        long nbRss = ProcFs.rssMb(nb.pids().get("nb"));
        return new Result(Spread.of(sync), Spread.of(cpu), Spread.of(p50), Spread.of(p99), flows, bindings, northdRss,
                sbRss, nbRss);
    }

    /** {@value #PODS} pods created at {@value #RATE}/s, each until its Port_Binding is in SB; then deleted. */
    private double[] bindings(OvnDaemons sb) throws Exception {
        Map<String, Long> bound = new ConcurrentHashMap<>();
        try (OvsdbClient client = new OvsdbClient(sb.sbUnix()).connectSync()) {
            DatabaseReplica replica = client.replicate(Databases.SOUTHBOUND, MonitorSpec.create()
                    .table(PortBinding.TABLE, List.of(PortBinding.LOGICAL_PORT)))
                    .get(SYNC_TIMEOUT.toMinutes(), TimeUnit.MINUTES);
            replica.addListener(PortBinding.TABLE_NAME, new RowListener<Row>() {
                @Override
                public void onAdd(Row row) {
                    bound.putIfAbsent(row.get(PortBinding.LOGICAL_PORT), System.nanoTime());
                }
            });
            Map<String, Long> created = new LinkedHashMap<>();
            List<Pod> pods = new ArrayList<>();
            long period = 1_000_000_000L / RATE;
            long t0 = System.nanoTime() + 100_000_000L;
            for (int i = 0; i < PODS; i++) {
                long due = t0 + i * period;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                }
                String name = "sb-" + (++seq);
                String ns = ClusterGenerator.namespace(seq % generator.namespaces());
                Pod p = ClusterGenerator.pod(ns, name, ClusterGenerator.node(random.nextInt(nodes)), seq,
                        ClusterGenerator.uid(ns, name));
                created.put(Names.podPort(ns, name), due);
                cluster.put(p);
                pods.add(p);
            }
            ScaleBench.waitFor(() -> bound.keySet().containsAll(created.keySet()));
            List<Double> latencies = new ArrayList<>();
            created.forEach((port, due) -> latencies.add((bound.get(port) - due) / 1e6));
            pods.forEach(cluster::delete);
            ScaleBench.waitFor(() -> created.keySet().stream().noneMatch(port ->
                    replica.lookupOne(PortBinding.TABLE, PortBinding.LOGICAL_PORT, port).isPresent()));
            return new double[] {Spread.quantile(latencies, 0.5), Spread.quantile(latencies, 0.99)};
        }
    }
}
