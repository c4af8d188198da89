package io.kovn.bench.scale;

import io.kovn.bench.BenchResult;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.kovn.bench.ProcFs;
import io.kovn.controller.ControllerConfig;
import io.kovn.controller.KovnController;
import io.kovn.controller.ObjectKey;
import io.kovn.controller.reconcile.NetworkPolicyReconciler;
import io.kovn.ovn.Databases;
import io.kovn.ovn.nb.ACL;
import io.kovn.ovn.nb.AddressSet;
import io.kovn.ovn.nb.LogicalSwitchPort;
import io.kovn.ovn.nb.PortGroup;
import io.kovn.ovn.net.Ipv4Cidr;
import io.kovn.ovsdb.client.MonitorSpec;
import io.kovn.ovsdb.client.OvsdbClient;
import io.kovn.ovsdb.replica.DatabaseReplica;
import io.kovn.ovsdb.wire.OvsdbJson;
import io.kovn.ovsdb.wire.Uuid;
import io.kovn.testing.OvnDaemons;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code kovn bench scale}: the controller fed from memory ({@link MemoryCluster}: no API server in the way) against
 * a real NB ovsdb-server, at up to 1000 nodes. Phases, each repeated with its variants alternating:
 * <ul>
 *   <li>cold start into an empty NB (allocation included; until every pod is annotated and the controller idle)
 *       against the floor: the NB content it wrote replayed raw ({@link NbReplay});</li>
 *   <li>idle restart: a new controller over the same cluster and NB, time and NB transactions (goal 0);</li>
 *   <li>churn: pods created and deleted open-loop at 50 and 200 per second; event to NB commit (seen by a second NB
 *       client) and to annotation, p50/p99;</li>
 *   <li>policy updates: a namespace-selector policy added, until its port group is in NB; a label put on 1000
 *       pods, until the address set of a policy selecting that label holds all of them;</li>
 *   <li>memory: the JVM's heap after GC and RSS once the cluster is synced, next to the heap of the objects alone,
 *       and the controller's share: the heap less the in-memory cluster's pods (in production the API server's;
 *       the pods informer keeps its own copies), per pod;</li>
 *   <li>the Southbound ({@link SouthboundPhase}): a fresh SB and ovn-northd against the synced NB until SB has
 *       caught up, and pod creation to Port_Binding in SB.</li>
 * </ul>
 */
public final class ScaleBench {
    static final Ipv4Cidr CLUSTER_SUBNET = Ipv4Cidr.parse("10.128.0.0/14");
    static final Ipv4Cidr SERVICE_CIDR = Ipv4Cidr.parse("10.96.0.0/16");
    static final long SEED = 16;
    static final int[] CHURN_RATES = {50, 200};
    static final Duration CHURN_TIME = Duration.ofSeconds(10);
    static final int LABELLED_PODS = 1000;
    private static final int WAIT_SECONDS = 1800;
    private static final Pattern SET_IN_MATCH = Pattern.compile("\\$([A-Za-z0-9_]+)");

    public record Options(int nodes, int pods, int services, int policies, int reps, boolean southbound,
                          boolean json) {
        public Options {
            if (nodes < 1 || nodes > 1000 || pods < 0 || pods > nodes * 200 || services < 0 || services > 60000
                    || policies < 0 || reps < 1) {
                throw new IllegalArgumentException("need 1..1000 nodes, at most 200 pods per node, at most 60000 "
                        + "services and at least one repetition");
            }
        }
    }

    /** The figures; times in ms. */
    public record Result(Options options, Spread coldMs, Spread floorMs, Spread coldVsFloor, long coldTransactions,
                         int floorRows, Spread coldNbCpuMs, Spread coldJvmCpuMs, Map<String, Long> coldJvmThreadsMs,
                         Spread floorNbCpuMs, Spread restartMs,
                         long restartTransactions, Map<Integer, Spread> churnNbP50, Map<Integer, Spread> churnNbP99,
                         Map<Integer, Spread> churnAnnotationP99, Spread policyAddMs, Spread labelChangeMs,
                         long objectsHeapMb, long podsHeapMb, long syncedPodsHeapMb, long heapMb, long rssMb,
                         SouthboundPhase.Result southbound, double loadBefore, double loadAfter) implements BenchResult {

        @Override
        public String toJson() {
            ObjectNode n = OvsdbJson.NODES.objectNode();
            n.put("nodes", options.nodes()).put("pods", options.pods()).put("services", options.services())
                    .put("policies", options.policies()).put("reps", options.reps());
            n.put("cold_vs_floor", Spread.round(coldVsFloor.median()));
            coldVsFloor.into(n.putObject("cold_vs_floor_spread"));
            coldMs.into(n.putObject("cold_start_ms"));
            floorMs.into(n.putObject("floor_ms"));
            n.put("cold_start_nb_transactions", coldTransactions).put("nb_rows", floorRows);
            coldNbCpuMs.into(n.putObject("cold_start_nb_cpu_ms"));
            coldJvmCpuMs.into(n.putObject("cold_start_jvm_cpu_ms"));
            ObjectNode threads = n.putObject("cold_start_jvm_cpu_ms_by_thread");
            coldJvmThreadsMs.forEach(threads::put);
            floorNbCpuMs.into(n.putObject("floor_nb_cpu_ms"));
            n.put("restart_seconds", Spread.round(restartMs.median() / 1000));
            restartMs.into(n.putObject("restart_ms"));
            n.put("restart_nb_transactions", restartTransactions);
            ObjectNode p99 = n.putObject("churn_p99_ms");
            ObjectNode p50 = n.putObject("churn_p50_ms");
            ObjectNode ann = n.putObject("churn_annotation_p99_ms");
            for (int rate : CHURN_RATES) {
                p99.put(rate + "_pods_per_s", Spread.round(churnNbP99.get(rate).median()));
                p50.put(rate + "_pods_per_s", Spread.round(churnNbP50.get(rate).median()));
                ann.put(rate + "_pods_per_s", Spread.round(churnAnnotationP99.get(rate).median()));
            }
            ObjectNode policy = n.putObject("policy_update_ms");
            policy.put("namespace_selector_policy_added", Spread.round(policyAddMs.median()));
            policy.put("label_change_on_" + Math.min(LABELLED_PODS, options.pods()) + "_pods", Spread.round(labelChangeMs.median()));
            policyAddMs.into(n.putObject("policy_added_ms_spread"));
            labelChangeMs.into(n.putObject("label_change_ms_spread"));
            n.put("controller_heap_mb", heapMb).put("controller_rss_mb", rssMb).put("objects_alone_heap_mb", objectsHeapMb);
            n.put("pods_alone_heap_mb", podsHeapMb).put("synced_pods_alone_heap_mb", syncedPodsHeapMb);
            n.put("controller_heap_kb_per_pod", Spread.round(heapMb * 1024.0 / options.pods()));
            n.put("controller_heap_without_cluster_pods_kb_per_pod", Spread.round(controllerKbPerPod()));
            n.put("controller_heap_without_generated_pods_kb_per_pod", Spread.round(withoutGeneratedPodsKbPerPod()));
            n.put("memory_note", "one JVM: the controller (its pods informer keeps copies of the pods, the other "
                    + "informers the in-memory cluster's objects) and the in-memory cluster; objects_alone and "
                    + "pods_alone are the heap of the generated objects and of their pods before any controller ran; "
                    + "synced_pods_alone is the heap the cluster's pods hold alone once synced (with the annotation "
                    + "and condition written; what they share with the informer's copies not included); "
                    + "controller_heap_without_cluster_pods is the heap less synced_pods_alone, per pod (the cluster's "
                    + "pods are the API server's in production); controller_heap_without_generated_pods the heap less "
                    + "pods_alone (the measure before synced_pods_alone: it counts the growth of the cluster's pods)");
            if (southbound != null) {
                southbound.into(n);
            }
            n.put("load_average_before", loadBefore).put("load_average_after", loadAfter);
            return n.toPrettyString();
        }

        /** The heap less what the in-memory cluster's pods hold alone once synced, per pod. */
        double controllerKbPerPod() {
            return (heapMb - syncedPodsHeapMb) * 1024.0 / Math.max(1, options.pods());
        }

        /** The heap less the in-memory cluster's pods as generated (before their annotations and conditions), per pod. */
        double withoutGeneratedPodsKbPerPod() {
            return (heapMb - podsHeapMb) * 1024.0 / Math.max(1, options.pods());
        }

        @Override
        public void printTable(PrintStream out) {
            out.printf("kovn bench scale: %d nodes, %d pods, %d services, %d policies; %d reps (median, min-max)%n",
                    options.nodes(), options.pods(), options.services(), options.policies(), options.reps());
            out.printf("  cold start into an empty NB    %s  (%d NB transactions)%n", coldMs.describe("ms"), coldTransactions);
            out.printf("  floor: raw replay of its rows  %s  (%d rows)%n", floorMs.describe("ms"), floorRows);
            out.printf("  cold / floor                   %s  (goal <= 2)%n", coldVsFloor.describe("x"));
            out.printf("  CPU time: cold start NB ovsdb-server %s, this JVM %s (controller and memory API); floor NB %s%n",
                    coldNbCpuMs.describe("ms"), coldJvmCpuMs.describe("ms"), floorNbCpuMs.describe("ms"));
            out.printf("  this JVM's cold start CPU by thread (last rep): %s%n", threadGroups(coldJvmThreadsMs));
            out.printf("  idle restart                   %s  with %d NB transactions at most (goal 0)%n",
                    restartMs.describe("ms"), restartTransactions);
            for (int rate : CHURN_RATES) {
                out.printf("  churn %3d pods/s to NB p50     %s, p99 %s; to annotation p99 %s%n", rate,
                        churnNbP50.get(rate).describe("ms"), churnNbP99.get(rate).describe("ms"),
                        churnAnnotationP99.get(rate).describe("ms"));
            }
            out.printf("  namespace-selector policy added, in NB after %s%n", policyAddMs.describe("ms"));
            out.printf("  label put on %d pods, address set complete after %s%n", Math.min(LABELLED_PODS, options.pods()),
                    labelChangeMs.describe("ms"));
            out.printf("  JVM heap after GC %d MB (objects alone %d MB, their pods %d MB), %.1f KB per pod, RSS %d MB%n",
                    heapMb, objectsHeapMb, podsHeapMb, heapMb * 1024.0 / options.pods(), rssMb);
            out.printf("  the controller's heap (less the cluster's pods, %d MB once synced): %.1f KB per pod "
                    + "(less their %d MB as generated: %.1f)%n", syncedPodsHeapMb, controllerKbPerPod(), podsHeapMb,
                    withoutGeneratedPodsKbPerPod());
            if (southbound != null) {
                southbound.print(out);
            }
            out.printf("  load average %.1f before, %.1f after%n", loadBefore, loadAfter);
        }
    }

    private final Options o;
    private final PrintStream progress;
    private final ClusterGenerator generator;

    private ScaleBench(Options o, PrintStream progress) {
        this.o = o;
        this.progress = progress;
        this.generator = new ClusterGenerator(o.nodes(), o.pods(), o.services(), o.policies(), SEED, SERVICE_CIDR,
                CLUSTER_SUBNET);
    }

    public static Result run(Options o, PrintStream progress) throws Exception {
        return new ScaleBench(o, progress).run();
    }

    static ControllerConfig config(String nb) {
        return ControllerConfig.builder(nb).clusterSubnet(CLUSTER_SUBNET).nodeSubnetPrefix(24).serviceCidr(SERVICE_CIDR)
                .metricsPort(-1).leaderElection(false).build();
    }

    /** One synced cluster: its API, NB, and the controller that synced it. */
    private record Synced(MemoryCluster cluster, OvnDaemons ovn, KovnController controller, double ms, long transactions,
                          long nbCpuMs, long jvmCpuMs, Map<String, Long> jvmThreadsMs) {
    }

    /** A floor replay: its time, and the CPU time of the NB ovsdb-server that applied it. */
    private record Floor(double ms, long nbCpuMs) {
    }

    private Result run() throws Exception {
        double loadBefore = load();
        long objectsHeap;
        long podsHeap;
        {
            List<HasMetadata> objects = generator.objects();
            objectsHeap = heapAfterGc();
            int count = objects.size();
            objects.removeIf(o -> o instanceof Pod);
            podsHeap = objectsHeap - heapAfterGc();
            progress.printf("generated %d objects; heap with them alone %d MB, %d MB of it their pods%n", count,
                    objectsHeap, podsHeap);
        }
        List<Double> cold = new ArrayList<>();
        List<Double> floor = new ArrayList<>();
        List<Double> ratio = new ArrayList<>();
        List<Double> coldNbCpu = new ArrayList<>();
        List<Double> coldJvmCpu = new ArrayList<>();
        List<Double> floorNbCpu = new ArrayList<>();
        Synced last = null;
        NbReplay replay = null;
        long coldTxns = 0;
        for (int rep = 0; rep < o.reps(); rep++) {
            boolean coldFirst = rep % 2 == 0 || replay == null;
            Floor f = null;
            if (!coldFirst) {
                f = floor(replay);
            }
            if (last != null) {
                close(last);
                last = null;
            }
            last = coldStart();
            cold.add(last.ms());
            coldTxns = last.transactions();
            replay = NbReplay.of(last.ovn().nbUnix(), (int) last.transactions());
            if (coldFirst) {
                f = floor(replay);
            }
            floor.add(f.ms());
            ratio.add(last.ms() / f.ms());
            coldNbCpu.add((double) last.nbCpuMs());
            coldJvmCpu.add((double) last.jvmCpuMs());
            floorNbCpu.add((double) f.nbCpuMs());
            progress.printf("rep %d: cold start %.0f ms (%d NB transactions; CPU: NB %d ms, JVM %d ms), floor %.0f ms "
                    + "(%d rows in %d transactions; NB CPU %d ms)%n", rep + 1, last.ms(), last.transactions(),
                    last.nbCpuMs(), last.jvmCpuMs(), f.ms(), replay.rows(), replay.transactions(), f.nbCpuMs());
            progress.printf("rep %d: cold start reconciled %s%n", rep + 1, reconciles(last.controller()));
            progress.printf("rep %d: cold start CPU of this JVM by thread: %s%n", rep + 1, threadGroups(last.jvmThreadsMs()));
        }
        int replayRows = replay.rows();
        Map<String, Long> coldThreads = last.jvmThreadsMs();
        replay = null; // the floor's copy of NB's content (JSON trees) is the benchmark's, not the controller's
        long heap = heapAfterGc();
        long rss = ProcFs.rssMb(ProcFs.self());
        MemoryCluster cluster = last.cluster();
        long syncedPodsHeap = cluster.podsHeapAlone(ScaleBench::heapBytesAfterGc) >> 20;
        progress.printf("synced: heap after GC %d MB (the cluster's pods alone %d MB), RSS %d MB%n", heap,
                syncedPodsHeap, rss);
        OvnDaemons ovn = last.ovn();
        KovnController controller = last.controller();
        try {
            List<Double> restart = new ArrayList<>();
            long restartTxns = 0;
            for (int rep = 0; rep < o.reps(); rep++) {
                controller.close();
                controller = new KovnController(config(ovn.nbUnix()), cluster);
                long start = System.nanoTime();
                controller.start();
                waitFor(controller::idle);
                double ms = (System.nanoTime() - start) / 1e6;
                Thread.sleep(1000);
                waitFor(controller::idle);
                restart.add(ms);
                restartTxns = Math.max(restartTxns, controller.metrics().nbTransactions());
                progress.printf("rep %d: idle restart %.0f ms, %d NB transactions%n", rep + 1, ms,
                        controller.metrics().nbTransactions());
            }
            try (OvsdbClient observerClient = new OvsdbClient(ovn.nbUnix()).connectSync()) {
                DatabaseReplica observer = observerClient.replicate(Databases.NORTHBOUND, MonitorSpec.create()
                        .table(LogicalSwitchPort.TABLE, List.of(LogicalSwitchPort.NAME))
                        .table(PortGroup.TABLE, List.of(PortGroup.NAME, PortGroup.ACLS))
                        .table(ACL.TABLE, List.of(ACL.MATCH))
                        .table(AddressSet.TABLE, List.of(AddressSet.NAME, AddressSet.ADDRESSES, AddressSet.EXTERNAL_IDS)))
                        .get(5, TimeUnit.MINUTES);
                Map<Integer, List<Double>> p50 = new LinkedHashMap<>();
                Map<Integer, List<Double>> p99 = new LinkedHashMap<>();
                Map<Integer, List<Double>> annP99 = new LinkedHashMap<>();
                PodChurn churn = new PodChurn(cluster, observer, generator.namespaces(), o.nodes());
                for (int rep = 0; rep < o.reps(); rep++) {
                    for (int j = 0; j < CHURN_RATES.length; j++) {
                        int rate = CHURN_RATES[(j + rep) % CHURN_RATES.length];
                        PodChurn.Figures f = churn.run(rate, CHURN_TIME);
                        p50.computeIfAbsent(rate, k -> new ArrayList<>()).add(f.nbP50());
                        p99.computeIfAbsent(rate, k -> new ArrayList<>()).add(f.nbP99());
                        annP99.computeIfAbsent(rate, k -> new ArrayList<>()).add(f.annotationP99());
                        progress.printf("rep %d: churn %d pods/s: to NB p50 %.1f ms p99 %.1f ms, to annotation p99 %.1f ms%n",
                                rep + 1, rate, f.nbP50(), f.nbP99(), f.annotationP99());
                    }
                }
                List<Double> policyAdd = new ArrayList<>();
                List<Double> labels = new ArrayList<>();
                KovnController c = controller;
                for (int rep = 0; rep < o.reps(); rep++) {
                    double add = policyAdded(cluster, observer, rep);
                    double label = labelsChanged(cluster, observer, rep);
                    policyAdd.add(add);
                    labels.add(label);
                    progress.printf("rep %d: namespace-selector policy in NB after %.0f ms; label on %d pods in NB after %.0f ms%n",
                            rep + 1, add, Math.min(LABELLED_PODS, o.pods()), label);
                    waitFor(c::idle);
                }
                // the periodic audit (every 5 min) may not have run: one now, with everything settled, tells
                // whether the incremental writes left NB as the objects imply
                long audits = c.metrics().nbAudits();
                c.requestAudit();
                waitFor(() -> c.metrics().nbAudits() > audits);
                progress.printf("NB audit: %d rows differ from what the objects imply after churn and policy updates%n",
                        c.driftRows());
                SouthboundPhase.Result southbound = o.southbound()
                        ? new SouthboundPhase(ovn, cluster, generator, o.nodes(), progress).run(o.reps()) : null;
                Map<Integer, Spread> s50 = new LinkedHashMap<>();
                Map<Integer, Spread> s99 = new LinkedHashMap<>();
                Map<Integer, Spread> sAnn = new LinkedHashMap<>();
                p50.forEach((k, v) -> s50.put(k, Spread.of(v)));
                p99.forEach((k, v) -> s99.put(k, Spread.of(v)));
                annP99.forEach((k, v) -> sAnn.put(k, Spread.of(v)));
                return new Result(o, Spread.of(cold), Spread.of(floor), Spread.of(ratio), coldTxns, replayRows,
                        Spread.of(coldNbCpu), Spread.of(coldJvmCpu), coldThreads, Spread.of(floorNbCpu),
                        Spread.of(restart), restartTxns, s50, s99, sAnn, Spread.of(policyAdd), Spread.of(labels),
                        objectsHeap, podsHeap, syncedPodsHeap, heap, rss, southbound, loadBefore, load());
            }
        } finally {
            controller.close();
            ovn.close();
        }
    }

    /** A fresh cluster (no annotations) and a fresh NB; timed from the controller's start until all is synced. */
    private Synced coldStart() throws Exception {
        MemoryCluster cluster = MemoryCluster.of(generator.objects());
        Map<String, Long> annotated = new ConcurrentHashMap<>();
        Runnable stopRecording = cluster.onPodAnnotated((p, t) -> annotated.putIfAbsent(p.getMetadata().getUid(), t));
        OvnDaemons ovn = OvnDaemons.builder().nb().start();
        KovnController controller = new KovnController(config(ovn.nbUnix()), cluster);
        long nbCpu = ProcFs.cpuMs(ovn.nbPid());
        long jvmCpu = ProcFs.cpuMs(ProcFs.self());
        Map<Long, ProcFs.ThreadCpu> threads = ProcFs.threads(ProcFs.self());
        long start = System.nanoTime();
        controller.start();
        waitFor(() -> annotated.size() >= o.pods() && controller.idle());
        double ms = (System.nanoTime() - start) / 1e6;
        stopRecording.run(); // the benchmark's record of the annotations is not the controller's heap
        return new Synced(cluster, ovn, controller, ms, controller.metrics().nbTransactions(),
                ProcFs.cpuMs(ovn.nbPid()) - nbCpu, ProcFs.cpuMs(ProcFs.self()) - jvmCpu,
                ProcFs.byGroup(threads, ProcFs.threads(ProcFs.self())));
    }

    /** The largest groups of {@link ProcFs#byGroup}, e.g. "C2 CompilerThre 12.9 s, GC Thread# 2.1 s, other 0.4 s". */
    static String threadGroups(Map<String, Long> ms) {
        List<Map.Entry<String, Long>> sorted = new ArrayList<>(ms.entrySet());
        sorted.sort(Map.Entry.<String, Long>comparingByValue().reversed());
        List<String> out = new ArrayList<>();
        long other = 0;
        for (int i = 0; i < sorted.size(); i++) {
            if (i < 10) {
                out.add(String.format("%s %.1f s", sorted.get(i).getKey(), sorted.get(i).getValue() / 1000.0));
            } else {
                other += sorted.get(i).getValue();
            }
        }
        if (other > 0) {
            out.add(String.format("other %.1f s", other / 1000.0));
        }
        return String.join(", ", out);
    }

    /** How many objects of each kind the controller reconciled, e.g. "pod 100000, network policy 2400". */
    private static String reconciles(KovnController controller) {
        List<String> out = new ArrayList<>();
        for (ObjectKey.Kind kind : ObjectKey.Kind.values()) {
            out.add(kind.name().toLowerCase().replace('_', ' ') + " " + (long) controller.metrics().reconciles(kind).count());
        }
        return String.join(", ", out);
    }

    private static Floor floor(NbReplay replay) throws Exception {
        try (OvnDaemons ovn = OvnDaemons.builder().nb().start()) {
            long nbCpu = ProcFs.cpuMs(ovn.nbPid());
            double ms = replay.replay(ovn.nbUnix()) / 1e6;
            return new Floor(ms, ProcFs.cpuMs(ovn.nbPid()) - nbCpu);
        }
    }

    private static void close(Synced s) {
        s.controller().close();
        s.ovn().close();
    }

    /** A policy in ns-0 admitting a team's namespaces; until its port group is in NB. */
    private static double policyAdded(MemoryCluster cluster, DatabaseReplica observer, int rep) throws Exception {
        String ns = ClusterGenerator.namespace(0);
        String name = "bench-namespace-selector-" + rep;
        String pg = NetworkPolicyReconciler.portGroupName(ObjectKey.networkPolicy(ns, name));
        NetworkPolicy np = new NetworkPolicyBuilder().withNewMetadata().withNamespace(ns).withName(name).endMetadata()
                .withNewSpec().withNewPodSelector().addToMatchLabels("app", "app-1").endPodSelector().addNewIngress()
                .addNewFrom().withNewNamespaceSelector().addToMatchLabels("team", "team-" + (rep % ClusterGenerator.TEAMS))
                .endNamespaceSelector().endFrom().endIngress().endSpec().build();
        long start = System.nanoTime();
        cluster.put(np);
        waitFor(() -> observer.lookupOne(PortGroup.TABLE, PortGroup.NAME, pg).isPresent());
        double ms = (System.nanoTime() - start) / 1e6;
        cluster.delete(np);
        waitFor(() -> observer.lookupOne(PortGroup.TABLE, PortGroup.NAME, pg).isEmpty());
        return ms;
    }

    /**
     * A policy admitting pods labelled {@code bench-tag=<rep>} from any namespace (its address set empty at first);
     * then that label is put on 1000 pods spread over the cluster, timed until the address set holds all of them.
     */
    private double labelsChanged(MemoryCluster cluster, DatabaseReplica observer, int rep) throws Exception {
        String ns = ClusterGenerator.namespace(0);
        String name = "bench-label-" + rep;
        ObjectKey key = ObjectKey.networkPolicy(ns, name);
        String tag = Integer.toString(rep);
        NetworkPolicy np = new NetworkPolicyBuilder().withNewMetadata().withNamespace(ns).withName(name).endMetadata()
                .withNewSpec().withNewPodSelector().addToMatchLabels("app", "app-2").endPodSelector().addNewIngress()
                .addNewFrom().withNewNamespaceSelector().endNamespaceSelector().withNewPodSelector()
                .addToMatchLabels("bench-tag", tag).endPodSelector().endFrom().endIngress().endSpec().build();
        cluster.put(np);
        waitFor(() -> !addressSetsNamed(observer, key).isEmpty());
        List<Pod> pods = cluster.list(Pod.class);
        pods.sort((a, b) -> a.getMetadata().getUid().compareTo(b.getMetadata().getUid()));
        int count = Math.min(LABELLED_PODS, pods.size());
        List<Pod> chosen = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            chosen.add(pods.get((int) ((long) i * pods.size() / count)));
        }
        long start = System.nanoTime();
        for (Pod p : chosen) {
            cluster.put(new PodBuilder(p).editMetadata().addToLabels("bench-tag", tag).endMetadata().build());
        }
        waitFor(() -> addressSetsNamed(observer, key).stream().anyMatch(as -> as.addresses().size() >= count));
        double ms = (System.nanoTime() - start) / 1e6;
        cluster.delete(np);
        String pg = NetworkPolicyReconciler.portGroupName(key);
        waitFor(() -> observer.lookupOne(PortGroup.TABLE, PortGroup.NAME, pg).isEmpty());
        return ms;
    }

    /** The address sets the ACLs of a policy's port group name ({@code $name} in their matches), as NB has them. */
    static List<AddressSet> addressSetsNamed(DatabaseReplica nb, ObjectKey policy) {
        Set<String> names = new TreeSet<>();
        nb.lookupOne(PortGroup.TABLE, PortGroup.NAME, NetworkPolicyReconciler.portGroupName(policy)).ifPresent(pg -> {
            for (Uuid acl : pg.acls()) {
                nb.get(ACL.TABLE, acl).ifPresent(a -> {
                    Matcher m = SET_IN_MATCH.matcher(a.match());
                    while (m.find()) {
                        names.add(m.group(1));
                    }
                });
            }
        });
        List<AddressSet> out = new ArrayList<>();
        names.forEach(n -> nb.lookupOne(AddressSet.TABLE, AddressSet.NAME, n).ifPresent(out::add));
        return out;
    }

    static void waitFor(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("benchmark condition not reached within " + WAIT_SECONDS + " s");
            }
            Thread.sleep(5);
        }
    }

    private static long heapAfterGc() {
        return heapBytesAfterGc() >> 20;
    }

    private static long heapBytesAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }


    static double load() throws Exception {
        return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
    }
}
