package io.kovn.bench;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.kovn.controller.ControllerConfig;
import io.kovn.controller.ControllerOptions;
import io.kovn.controller.KovnController;
import io.kovn.controller.reconcile.ClusterTopology;
import io.kovn.controller.reconcile.ServiceReconciler;
import io.kovn.ovn.Databases;
import io.kovn.ovn.Names;
import io.kovn.ovn.Owners;
import io.kovn.ovn.annotations.PodNetwork;
import io.kovn.ovn.nb.LoadBalancer;
import io.kovn.ovn.nb.LogicalSwitchPort;
import io.kovn.ovn.net.Ipv4Cidr;
import io.kovn.ovn.net.MacAddress;
import io.kovn.ovn.ops.LoadBalancerOps;
import io.kovn.ovn.ops.NbTxn;
import io.kovn.ovn.ops.SwitchOps;
import io.kovn.ovsdb.client.MonitorSpec;
import io.kovn.ovsdb.client.OvsdbClient;
import io.kovn.ovsdb.replica.DatabaseReplica;
import io.kovn.ovsdb.wire.OvsdbJson;
import io.kovn.testing.OvnDaemons;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code kovn bench controller}: N nodes, P pods and S services (each with an EndpointSlice of a few pods) are
 * created through the Kubernetes API (fabric8's mock server) while the controller runs against a real NB
 * ovsdb-server. Measures the time until NB holds every row and every pod is annotated, next to the floor: the
 * same rows written by one raw transaction into a fresh NB. Then restarts the controller with nothing changed
 * and counts its NB writes (the goal is zero).
 */
public final class ControllerBench {
    public record Options(int nodes, int pods, int services, boolean json) {
        public Options {
            if (nodes < 1 || nodes > 250 || pods < 0 || services < 0 || pods > nodes * 250) {
                throw new IllegalArgumentException("need 1..250 nodes and at most 250 pods per node");
            }
        }
    }

    /** The figures of one run. */
    public record Result(Options options, double createMs, double completeMs, double coldSyncMs, double podsPerSecond,
                         double floorMs, double ratioToFloor, double restartSyncMs, long restartNbTransactions,
                         long heapUsedMb, long rssMb, long nbTransactions, long nbOperations) implements BenchResult {

        @Override
        public String toJson() {
            ObjectNode n = OvsdbJson.NODES.objectNode();
            n.put("nodes", options.nodes()).put("pods", options.pods()).put("services", options.services());
            n.put("api_create_ms", round(createMs)).put("nb_complete_ms", round(completeMs));
            n.put("controller_lag_after_last_create_ms", round(completeMs - createMs));
            n.put("cold_sync_into_empty_nb_ms", round(coldSyncMs));
            n.put("pods_per_second", round(podsPerSecond)).put("floor_one_txn_ms", round(floorMs));
            n.put("ratio_to_floor", round(ratioToFloor));
            n.put("controller_nb_transactions", nbTransactions).put("controller_nb_operations", nbOperations);
            n.put("noop_restart_sync_ms", round(restartSyncMs)).put("noop_restart_nb_transactions", restartNbTransactions);
            n.put("jvm_heap_used_after_gc_mb", heapUsedMb).put("jvm_rss_mb", rssMb);
            n.put("memory_note", "one JVM holds the controller, the mock API server with all objects, and the benchmark's clients");
            return n.toPrettyString();
        }

        @Override
        public void printTable(PrintStream out) {
            out.printf("kovn bench controller: %d nodes, %d pods, %d services (mock API + real NB ovsdb-server)%n",
                    options.nodes(), options.pods(), options.services());
            out.printf("  objects created through the API in   %10.0f ms%n", createMs);
            out.printf("  NB complete and pods annotated after %10.0f ms  (%.0f ms after the last create; %d NB transactions, %d operations)%n",
                    completeMs, completeMs - createMs, nbTransactions, nbOperations);
            out.printf("  cold sync of them into an empty NB   %10.0f ms  (%.0f pods/s)%n", coldSyncMs, podsPerSecond);
            out.printf("  floor: same rows in one transaction  %10.0f ms  -> cold sync / floor = %.1fx%n", floorMs, ratioToFloor);
            out.printf("  no-op restart: synced in             %10.0f ms  with %d NB transactions (goal 0)%n",
                    restartSyncMs, restartNbTransactions);
            out.printf("  JVM heap used after GC %d MB, RSS %d MB (controller + mock API server + bench in one JVM)%n",
                    heapUsedMb, rssMb);
        }

        private static double round(double x) {
            return Math.round(x * 10) / 10.0;
        }
    }

    private ControllerBench() {
    }

    public static Result run(Options o, PrintStream progress) throws Exception {
        double floorMs = floor(o);
        progress.printf("floor (one raw transaction): %.0f ms%n", floorMs);
        java.util.logging.Logger.getLogger("io.fabric8.mockwebserver").setLevel(java.util.logging.Level.WARNING);
        try (OvnDaemons ovn = OvnDaemons.builder().nb().start()) {
            KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                    new KubernetesCrudDispatcher(), false);
            server.init();
            try (KubernetesClient api = server.createClient(); KubernetesClient watcher = server.createClient()) {
                Set<String> annotated = ConcurrentHashMap.newKeySet();
                SharedIndexInformer<Pod> pods = watcher.pods().inAnyNamespace().inform(new ResourceEventHandler<>() {
                    @Override
                    public void onAdd(Pod p) {
                        track(p);
                    }

                    @Override
                    public void onUpdate(Pod old, Pod p) {
                        track(p);
                    }

                    @Override
                    public void onDelete(Pod p, boolean unknown) {
                    }

                    private void track(Pod p) {
                        if (p.getMetadata().getAnnotations() != null && p.getMetadata().getAnnotations().containsKey(PodNetwork.ANNOTATION)) {
                            annotated.add(p.getMetadata().getUid());
                        }
                    }
                });
                KovnController controller = new KovnController(ControllerConfig.defaults(ovn.nbUnix()), server.createClient());
                controller.start();
                try (OvsdbClient observer = new OvsdbClient(ovn.nbUnix()).connectSync()) {
                    DatabaseReplica nb = observer.replicate(Databases.NORTHBOUND,
                            MonitorSpec.create().tables(LogicalSwitchPort.TABLE, LoadBalancer.TABLE)).get(1, TimeUnit.MINUTES);
                    long start = System.nanoTime();
                    create(api, o, progress);
                    double createMs = (System.nanoTime() - start) / 1e6;
                    progress.printf("created %d objects through the API in %.0f ms; waiting for NB%n",
                            o.nodes() + o.pods() + 2 * o.services(), createMs);
                    waitFor(() -> nb.byExternalId(LogicalSwitchPort.TABLE, Owners.OWNER_TYPE, Owners.TYPE_POD).size() == o.pods()
                            && nb.size(LoadBalancer.TABLE_NAME) == o.services() && annotated.size() == o.pods(), 600);
                    double completeMs = (System.nanoTime() - start) / 1e6;
                    long txns = controller.metrics().nbTransactions();
                    long ops = (long) controller.metrics().registry().get("kovn_nb_operations").counter().count();
                    System.gc();
                    long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() >> 20;
                    long rss = ProcFs.rssMb(ProcFs.self());
                    controller.close();

                    KovnController again = new KovnController(ControllerConfig.defaults(ovn.nbUnix()), server.createClient());
                    long restart = System.nanoTime();
                    again.start();
                    waitFor(again::idle, 300);
                    double restartMs = (System.nanoTime() - restart) / 1e6;
                    Thread.sleep(1000);
                    waitFor(again::idle, 60);
                    long restartTxns = again.metrics().nbTransactions();
                    again.close();
                    pods.stop();
                    double coldMs = coldSync(server, o);
                    progress.printf("cold sync into an empty NB: %.0f ms%n", coldMs);
                    return new Result(o, createMs, completeMs, coldMs, o.pods() / (coldMs / 1000), floorMs, coldMs / floorMs,
                            restartMs, restartTxns, heap, rss, txns, ops);
                }
            } finally {
                server.destroy();
            }
        }
    }

    /** A fresh controller against an empty NB while every object already exists: the controller's own throughput. */
    private static double coldSync(KubernetesMockServer server, Options o) throws Exception {
        try (OvnDaemons ovn = OvnDaemons.builder().nb().start();
             OvsdbClient observer = new OvsdbClient(ovn.nbUnix()).connectSync()) {
            DatabaseReplica nb = observer.replicate(Databases.NORTHBOUND,
                    MonitorSpec.create().tables(LogicalSwitchPort.TABLE, LoadBalancer.TABLE)).get(1, TimeUnit.MINUTES);
            long start = System.nanoTime();
            try (KovnController c = new KovnController(ControllerConfig.defaults(ovn.nbUnix()), server.createClient())) {
                c.start();
                waitFor(() -> nb.byExternalId(LogicalSwitchPort.TABLE, Owners.OWNER_TYPE, Owners.TYPE_POD).size() == o.pods()
                        && nb.size(LoadBalancer.TABLE_NAME) == o.services(), 600);
                return (System.nanoTime() - start) / 1e6;
            }
        }
    }

    /** Creates nodes, then pods round-robin over them, then services with slices naming three pods each. */
    static void create(KubernetesClient api, Options o, PrintStream progress) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int n = 0; n < o.nodes(); n++) {
                String name = "node-" + n;
                done.add(pool.submit(() -> api.nodes().resource(new NodeBuilder().withNewMetadata().withName(name)
                        .withUid(UUID.randomUUID().toString()).endMetadata().build()).create()));
            }
            for (Future<?> f : done) {
                f.get();
            }
            done.clear();
            for (int p = 0; p < o.pods(); p++) {
                String ns = "ns-" + (p % 10);
                String name = "pod-" + p;
                String node = "node-" + (p % o.nodes());
                done.add(pool.submit(() -> api.pods().inNamespace(ns).resource(new PodBuilder().withNewMetadata()
                        .withNamespace(ns).withName(name).withUid(UUID.randomUUID().toString()).endMetadata()
                        .withNewSpec().withNodeName(node).endSpec().withNewStatus().withPhase("Running").endStatus()
                        .build()).create()));
            }
            for (Future<?> f : done) {
                f.get();
            }
            done.clear();
            for (int s = 0; s < o.services(); s++) {
                String ns = "ns-" + (s % 10);
                String name = "svc-" + s;
                String vip = ControllerOptions.SERVICE_CIDR.defaultParsed().addressString(10 + s);
                done.add(pool.submit(() -> {
                    api.services().inNamespace(ns).resource(new ServiceBuilder().withNewMetadata().withNamespace(ns)
                            .withName(name).endMetadata().withNewSpec().withClusterIP(vip).addNewPort().withName("http")
                            .withProtocol("TCP").withPort(80).endPort().endSpec().build()).create();
                    EndpointSliceBuilder b = new EndpointSliceBuilder().withNewMetadata().withNamespace(ns)
                            .withName(name + "-1").addToLabels("kubernetes.io/service-name", name).endMetadata()
                            .withAddressType("IPv4").addNewPort().withName("http").withProtocol("TCP").withPort(8080).endPort();
                    for (int i = 0; i < 3; i++) {
                        b.addNewEndpoint().withAddresses("10.244." + i + "." + (10 + (name.hashCode() & 127)))
                                .withNewConditions().withReady(true).endConditions().endEndpoint();
                    }
                    return api.discovery().v1().endpointSlices().inNamespace(ns).resource(b.build()).create();
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
    }

    /** The same rows (topology, pod ports, load balancers) written in one transaction into a fresh NB. */
    static double floor(Options o) throws Exception {
        try (OvnDaemons ovn = OvnDaemons.builder().nb().start();
             OvsdbClient client = new OvsdbClient(ovn.nbUnix()).connectSync()) {
            DatabaseReplica nb = client.replicate(Databases.NORTHBOUND, io.kovn.ovn.ops.NbTables.monitorSpec()).get(1, TimeUnit.MINUTES);
            NbTxn txn = new NbTxn(nb);
            ClusterTopology.ensureCluster(txn, ControllerOptions.JOIN_SUBNET.defaultParsed());
            Ipv4Cidr cluster = ControllerOptions.CLUSTER_SUBNET.defaultParsed();
            List<Ipv4Cidr> subnets = new ArrayList<>();
            for (int n = 0; n < o.nodes(); n++) {
                Ipv4Cidr s = new Ipv4Cidr(cluster.network() + (n << 8), 24);
                subnets.add(s);
                ClusterTopology.ensureNode(txn, "node-" + n, s);
            }
            for (int p = 0; p < o.pods(); p++) {
                int node = p % o.nodes();
                int ip = subnets.get(node).address(3 + p / o.nodes());
                String addr = MacAddress.fromIpv4(ip) + " " + Ipv4Cidr.format(ip);
                String ns = "ns-" + (p % 10);
                String uid = UUID.randomUUID().toString();
                SwitchOps.ensurePort(txn, "node-" + node, new SwitchOps.PortSpec(Names.podPort(ns, "pod-" + p), "",
                        Set.of(addr), Set.of(addr), Map.of("iface-id-ver", uid), Owners.pod(ns, "pod-" + p, uid)));
            }
            for (int s = 0; s < o.services(); s++) {
                String vip = ControllerOptions.SERVICE_CIDR.defaultParsed().addressString(10 + s);
                io.kovn.controller.ObjectKey key = io.kovn.controller.ObjectKey.service("ns-" + (s % 10), "svc-" + s);
                Map<String, String> vips = new LinkedHashMap<>();
                vips.put(vip + ":80", "10.244.0.10:8080,10.244.1.10:8080,10.244.2.10:8080");
                LoadBalancerOps.ensure(txn, new LoadBalancerOps.LoadBalancerSpec(ServiceReconciler.loadBalancerName(key, "TCP"),
                        "tcp", vips, Map.of("reject", "true"), Owners.of(Owners.TYPE_SERVICE, key.ref())),
                        ClusterTopology.CLUSTER_LB_GROUP);
            }
            long start = System.nanoTime();
            client.transact(Databases.NORTHBOUND, txn.operations()).get(5, TimeUnit.MINUTES);
            return (System.nanoTime() - start) / 1e6;
        }
    }

    static void waitFor(BooleanSupplier condition, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("benchmark condition not reached within " + seconds + " s");
            }
            Thread.sleep(20);
        }
    }

}
