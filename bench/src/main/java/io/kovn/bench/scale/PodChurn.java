package io.kovn.bench.scale;

import io.fabric8.kubernetes.api.model.Pod;
import io.kovn.ovn.Names;
import io.kovn.ovn.nb.LogicalSwitchPort;
import io.kovn.ovsdb.model.Row;
import io.kovn.ovsdb.replica.DatabaseReplica;
import io.kovn.ovsdb.replica.RowListener;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Open-loop churn of {@code kovn bench scale}: pods created and deleted at a fixed rate in a {@link MemoryCluster},
 * each timed from its intended moment to its port in NB (seen by a second NB client) and to its annotation.
 * Successive runs continue one sequence: the pods a run leaves are the oldest the next one deletes.
 */
final class PodChurn {
    /** Churn deletes only pods at least this old (ns), so that they are in NB and annotated first. */
    static final long MIN_AGE = 3_000_000_000L;

    record Figures(double nbP50, double nbP99, double annotationP99) {
    }

    private final MemoryCluster cluster;
    private final DatabaseReplica observer;
    private final int namespaces;
    private final int nodes;
    private final Map<String, Long> inNb = new ConcurrentHashMap<>();
    private final Map<String, Long> goneFromNb = new ConcurrentHashMap<>();
    private final Map<String, Long> annotated = new ConcurrentHashMap<>();
    /** Picks the nodes; uids come from the pods' names ({@link ClusterGenerator#uid(String, String)}). */
    private final Random random = new Random(ScaleBench.SEED);
    private final Deque<Pod> live = new ArrayDeque<>();
    private final Map<String, Long> born = new ConcurrentHashMap<>();
    private int seq;

    /** Pods go to the generated cluster's {@code namespaces} and {@code nodes}; {@code observer} replicates LSPs. */
    PodChurn(MemoryCluster cluster, DatabaseReplica observer, int namespaces, int nodes) {
        this.cluster = cluster;
        this.observer = observer;
        this.namespaces = namespaces;
        this.nodes = nodes;
        observer.addListener(LogicalSwitchPort.TABLE_NAME, new RowListener<Row>() {
            @Override
            public void onAdd(Row row) {
                inNb.putIfAbsent(row.get(LogicalSwitchPort.NAME), System.nanoTime());
            }

            @Override
            public void onDelete(Row old) {
                goneFromNb.putIfAbsent(old.get(LogicalSwitchPort.NAME), System.nanoTime());
            }
        });
        cluster.onPodAnnotated((p, t) -> annotated.putIfAbsent(p.getMetadata().getName(), t));
    }

    /** {@code rate} events a second for {@code duration}, every other one a deletion; until NB shows them all. */
    Figures run(int rate, Duration duration) throws Exception {
        int events = (int) (rate * duration.toMillis() / 1000);
        long period = 1_000_000_000L / rate;
        Map<String, Long> created = new LinkedHashMap<>();
        Map<String, Long> deleted = new LinkedHashMap<>();
        long t0 = System.nanoTime() + 100_000_000L;
        for (int i = 0; i < events; i++) {
            long due = t0 + i * period;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            }
            Pod oldest = live.peek();
            if (i % 2 == 1 && oldest != null && due - born.get(oldest.getMetadata().getName()) >= MIN_AGE) {
                live.poll();
                deleted.put(Names.podPort(oldest.getMetadata().getNamespace(), oldest.getMetadata().getName()), due);
                cluster.delete(oldest);
            } else {
                String name = "churn-" + (++seq);
                String ns = ClusterGenerator.namespace(seq % namespaces);
                Pod p = ClusterGenerator.pod(ns, name, ClusterGenerator.node(random.nextInt(nodes)), seq,
                        ClusterGenerator.uid(ns, name));
                created.put(Names.podPort(p.getMetadata().getNamespace(), name), due);
                born.put(name, due);
                cluster.put(p);
                live.add(p);
            }
        }
        // a pod deleted before it was annotated (or in NB) never will be: it counts in the latencies it reached
        ScaleBench.waitFor(() -> created.keySet().stream().allMatch(n -> (inNb.containsKey(n) || deleted.containsKey(n))
                && (annotated.containsKey(podName(n)) || deleted.containsKey(n)))
                && deleted.keySet().stream().allMatch(n -> observer.lookupOne(LogicalSwitchPort.TABLE,
                        LogicalSwitchPort.NAME, n).isEmpty() && (!inNb.containsKey(n) || goneFromNb.containsKey(n))));
        List<Double> nb = new ArrayList<>();
        List<Double> ann = new ArrayList<>();
        created.forEach((port, due) -> {
            if (inNb.containsKey(port)) {
                nb.add((inNb.get(port) - due) / 1e6);
            }
            if (annotated.containsKey(podName(port))) {
                ann.add((annotated.get(podName(port)) - due) / 1e6);
            }
        });
        deleted.forEach((port, due) -> {
            if (goneFromNb.containsKey(port)) {
                nb.add((goneFromNb.get(port) - due) / 1e6);
            }
        });
        return new Figures(Spread.quantile(nb, 0.5), Spread.quantile(nb, 0.99), Spread.quantile(ann, 0.99));
    }

    private static String podName(String port) {
        return port.substring(port.indexOf('_') + 1);
    }
}
