package io.kovn.bench.scale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.kovn.controller.ControllerConfig;
import io.kovn.controller.KovnController;
import io.kovn.controller.ObjectKey;
import io.kovn.ovn.Databases;
import io.kovn.ovn.Owners;
import io.kovn.ovn.annotations.PodNetwork;
import io.kovn.ovn.nb.AddressSet;
import io.kovn.ovn.nb.LogicalSwitchPort;
import io.kovn.ovsdb.client.OvsdbClient;
import io.kovn.ovsdb.replica.DatabaseReplica;
import io.kovn.testing.OvnDaemons;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The scale harness at a size CI affords (20 nodes, 2000 pods, 40 policies): the controller syncs a generated
 * cluster from memory into a real NB, restarts without a write, and one pod event costs NB operations bounded by
 * the policies that concern that pod, not by the cluster; and (1000 pods) churn and label changes leave NB as the
 * objects imply.
 */
@Tag("integration")
class ScaleHarnessTest {

    @Test
    void syncsFromMemoryRestartsWithoutWritesAndAPodCostsBoundedNbWork() throws Exception {
        ClusterGenerator gen = new ClusterGenerator(20, 2000, 50, 40, 7, ScaleBench.SERVICE_CIDR, ScaleBench.CLUSTER_SUBNET);
        MemoryCluster cluster = MemoryCluster.of(gen.objects());
        Map<String, String> annotated = new ConcurrentHashMap<>();
        cluster.onPodAnnotated((p, t) -> annotated.put(p.getMetadata().getName(),
                p.getMetadata().getAnnotations().get(PodNetwork.ANNOTATION)));
        try (OvnDaemons ovn = OvnDaemons.builder().nb().start();
             OvsdbClient observer = new OvsdbClient(ovn.nbUnix()).connectSync()) {
            DatabaseReplica nb = observer.replicate(Databases.NORTHBOUND, io.kovn.ovn.ops.NbTables.monitorSpec())
                    .get(1, TimeUnit.MINUTES);
            KovnController first = new KovnController(ScaleBench.config(ovn.nbUnix()), cluster);
            first.start();
            await().atMost(Duration.ofMinutes(3)).until(() -> annotated.size() == 2000 && first.idle());
            assertThat(nb.byExternalId(LogicalSwitchPort.TABLE, Owners.OWNER_TYPE, Owners.TYPE_POD)).hasSize(2000);
            // the benchmark's measure of what the cluster's pods hold alone puts them back as they were (the idle
            // restart below reads them)
            Set<String> synced = new TreeSet<>(cluster.list(Pod.class).stream().map(Serialization::asJson).toList());
            long alone = cluster.podsHeapAlone(() -> {
                for (int i = 0; i < 3; i++) {
                    System.gc();
                }
                return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
            });
            assertThat(alone).as("heap of 2000 annotated pods").isBetween(200_000L, 100_000_000L);
            assertThat(new TreeSet<>(cluster.list(Pod.class).stream().map(Serialization::asJson).toList()))
                    .isEqualTo(synced);
            first.close();

            try (KovnController c = new KovnController(ScaleBench.config(ovn.nbUnix()), cluster)) {
                c.start();
                await().atMost(Duration.ofMinutes(2)).until(c::idle);
                Thread.sleep(500);
                await().atMost(Duration.ofMinutes(1)).until(c::idle);
                assertThat(c.metrics().nbTransactions()).as("NB transactions of an idle restart").isZero();

                double opsBefore = operations(c);
                double policiesBefore = c.metrics().reconciles(ObjectKey.Kind.NETWORK_POLICY).count();
                double namespacesBefore = c.metrics().reconciles(ObjectKey.Kind.NAMESPACE).count();
                Pod pod = ClusterGenerator.pod(ClusterGenerator.namespace(0), "one-more", ClusterGenerator.node(3), 0,
                        "0000-one-more");
                cluster.put(pod);
                await().atMost(Duration.ofMinutes(1)).until(() -> annotated.containsKey("one-more") && c.idle());
                double ops = operations(c) - opsBefore;
                System.out.printf("[scale-harness] one pod added to 2000: %.0f NB operations%n", ops);
                // its port, its switch, one mutate of each address set of a peer admitting it (shared by the
                // policies naming the same pods), of its namespace's set, and per policy that selects it one of its
                // port group and its named port's address set: about 10 here, whatever the number of pods or policies
                assertThat(ops).isBetween(2.0, 20.0);
                // and it joins the rows of its namespace and of the policies selecting it itself: none of them is
                // computed again from all the pods it selects
                assertThat(c.metrics().reconciles(ObjectKey.Kind.NETWORK_POLICY).count() - policiesBefore)
                        .as("NetworkPolicies reconciled for one pod added").isZero();
                assertThat(c.metrics().reconciles(ObjectKey.Kind.NAMESPACE).count() - namespacesBefore)
                        .as("namespaces reconciled for one pod added").isZero();

                // no longer a frontend: out of the one address set of the "from tier=frontend" peer that the 20
                // policies of ns-0 share
                String ip = PodNetwork.parse(annotated.get("one-more")).ip();
                long holding = setsHolding(nb, ip);
                Pod labelled = new PodBuilder(cluster.pod(ClusterGenerator.namespace(0), "one-more")).editMetadata()
                        .addToLabels("tier", "backend").endMetadata().build();
                cluster.put(labelled);
                await().atMost(Duration.ofMinutes(1)).until(() -> c.idle() && setsHolding(nb, ip) == holding - 1);
            }
        }
    }

    /**
     * After churn (pods created and deleted while others change labels), the NB the controller wrote is exactly what
     * its own audit derives from the objects: no address set or port group left behind by a set mutation computed
     * from a replica one transaction late, or by a pod event mapped to too few policies. The periodic audit is off
     * (it would repair what it finds, and one run while the informers are ahead of their events counts transient
     * rows): one audit runs once everything settled, and every policy's "from tier=frontend" address set is
     * compared with the pods it selects.
     */
    @Test
    void afterChurnAndLabelChangesOnManyPodsTheAuditFindsNoDrift() throws Exception {
        ClusterGenerator gen = new ClusterGenerator(10, 1000, 20, 40, 11, ScaleBench.SERVICE_CIDR, ScaleBench.CLUSTER_SUBNET);
        MemoryCluster cluster = MemoryCluster.of(gen.objects());
        Map<String, String> annotated = new ConcurrentHashMap<>();
        cluster.onPodAnnotated((p, t) -> annotated.put(p.getMetadata().getNamespace() + "/" + p.getMetadata().getName(),
                p.getMetadata().getAnnotations().get(PodNetwork.ANNOTATION)));
        try (OvnDaemons ovn = OvnDaemons.builder().nb().start();
             OvsdbClient observer = new OvsdbClient(ovn.nbUnix()).connectSync();
             // batches of 10 keys: a pod's policies are often reconciled in a batch before the pod gets its address
             KovnController c = new KovnController(ControllerConfig.builder(ovn.nbUnix())
                     .clusterSubnet(ScaleBench.CLUSTER_SUBNET).nodeSubnetPrefix(24).serviceCidr(ScaleBench.SERVICE_CIDR)
                     .metricsPort(-1).leaderElection(false).auditInterval(Duration.ZERO).batchSize(10).build(), cluster)) {
            DatabaseReplica nb = observer.replicate(Databases.NORTHBOUND, io.kovn.ovn.ops.NbTables.monitorSpec())
                    .get(1, TimeUnit.MINUTES);
            c.start();
            await().atMost(Duration.ofMinutes(3)).until(() -> annotated.size() == 1000 && c.idle());
            assertThat(settledAudit(c)).as("NB rows the audit found differing after the first sync").isZero();

            List<Pod> pods = new ArrayList<>(cluster.list(Pod.class));
            pods.sort(Comparator.comparing(p -> p.getMetadata().getUid()));
            for (int i = 0; i < 300; i++) {
                Pod p = pods.get(i);
                // tier flipped on 300 pods while 60 new ones come and 30 old ones go
                String tier = "frontend".equals(p.getMetadata().getLabels().get("tier")) ? "backend" : "frontend";
                cluster.put(new PodBuilder(cluster.pod(p.getMetadata().getNamespace(), p.getMetadata().getName()))
                        .editMetadata().addToLabels("tier", tier).endMetadata().build());
                if (i % 5 == 0) {
                    cluster.put(ClusterGenerator.pod(ClusterGenerator.namespace(0), "churn-" + i,
                            ClusterGenerator.node(i % 10), i, "churn-uid-" + i));
                }
                if (i % 10 == 0) {
                    cluster.delete(pods.get(pods.size() - 1 - i));
                }
            }
            await().atMost(Duration.ofMinutes(2)).until(() -> annotated.size() == 1060 && c.idle()
                    && nb.byExternalId(LogicalSwitchPort.TABLE, Owners.OWNER_TYPE, Owners.TYPE_POD).size() == 1030);
            int drift = settledAudit(c);
            assertThat(frontendSetsDiffering(cluster, nb)).as("policies whose tier=frontend address set differs "
                    + "from the frontend pods of their namespace").isEmpty();
            assertThat(drift).as("NB rows the audit found differing after the changes").isZero();
        }
    }

    /**
     * The benchmark's own churn ({@link PodChurn}, pods created and deleted at 100 a second) with the benchmark's
     * controller configuration (batches of 500) on a generated cluster leaves NB as the objects imply. It once drew
     * its pods' uids from the generator's seed: at sizes where the two random sequences lined up (50 nodes and 5000
     * pods; 9 nodes and 1000 pods here) each new pod had the uid of a generated pod on the same node, was given
     * that pod's address (addresses are held by uid), and its deletion released the address of the generated pod,
     * which dropped out of every address set until the periodic audit took the address back from its NB port.
     */
    @Test
    void afterTheBenchmarksChurnTheAuditFindsNoDrift() throws Exception {
        ClusterGenerator gen = new ClusterGenerator(9, 1000, 20, 40, ScaleBench.SEED, ScaleBench.SERVICE_CIDR,
                ScaleBench.CLUSTER_SUBNET);
        MemoryCluster cluster = MemoryCluster.of(gen.objects());
        Map<String, String> annotated = new ConcurrentHashMap<>();
        cluster.onPodAnnotated((p, t) -> annotated.put(p.getMetadata().getNamespace() + "/" + p.getMetadata().getName(),
                p.getMetadata().getAnnotations().get(PodNetwork.ANNOTATION)));
        try (OvnDaemons ovn = OvnDaemons.builder().nb().start();
             OvsdbClient observer = new OvsdbClient(ovn.nbUnix()).connectSync();
             KovnController c = new KovnController(ScaleBench.config(ovn.nbUnix()), cluster)) {
            DatabaseReplica nb = observer.replicate(Databases.NORTHBOUND, io.kovn.ovn.ops.NbTables.monitorSpec())
                    .get(1, TimeUnit.MINUTES);
            c.start();
            await().atMost(Duration.ofMinutes(3)).until(() -> annotated.size() == 1000 && c.idle());

            PodChurn churn = new PodChurn(cluster, nb, gen.namespaces(), 9);
            churn.run(100, Duration.ofSeconds(6));
            int drift = settledAudit(c);
            assertThat(frontendSetsDiffering(cluster, nb)).as("policies whose tier=frontend address set differs "
                    + "from the frontend pods of their namespace after churn").isEmpty();
            assertThat(drift).as("NB rows the audit found differing after churn").isZero();
            assertThat(cluster.list(Pod.class).stream().map(p -> p.getMetadata().getUid()).distinct().count())
                    .as("distinct pod uids").isEqualTo(cluster.list(Pod.class).size());
        }
    }

    /** Waits until the controller stayed idle for a second, then runs one audit and returns the rows it found. */
    private static int settledAudit(KovnController c) {
        long[] idleSince = {System.nanoTime()};
        await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(100)).until(() -> {
            if (!c.idle()) {
                idleSince[0] = System.nanoTime();
            }
            return System.nanoTime() - idleSince[0] > TimeUnit.SECONDS.toNanos(1);
        });
        long audits = c.metrics().nbAudits();
        c.requestAudit();
        await().atMost(Duration.ofMinutes(1)).until(() -> c.metrics().nbAudits() > audits);
        return c.driftRows();
    }

    /**
     * Every generated policy admits {@code tier=frontend} pods of its namespace through one address set: the
     * policies (namespace/name) none of whose address sets holds exactly those pods' addresses.
     */
    private static List<String> frontendSetsDiffering(MemoryCluster cluster, DatabaseReplica nb) {
        List<String> differing = new ArrayList<>();
        for (NetworkPolicy np : cluster.list(NetworkPolicy.class)) {
            String ns = np.getMetadata().getNamespace();
            Set<String> frontend = new TreeSet<>();
            for (Pod p : cluster.list(Pod.class)) {
                String annotation = p.getMetadata().getAnnotations() == null ? null
                        : p.getMetadata().getAnnotations().get(PodNetwork.ANNOTATION);
                if (ns.equals(p.getMetadata().getNamespace()) && annotation != null
                        && "frontend".equals(p.getMetadata().getLabels().get("tier"))) {
                    frontend.add(PodNetwork.parse(annotation).ip());
                }
            }
            ObjectKey key = ObjectKey.networkPolicy(ns, np.getMetadata().getName());
            boolean found = ScaleBench.addressSetsNamed(nb, key).stream()
                    .anyMatch(as -> new TreeSet<>(as.addresses()).equals(frontend));
            if (!found) {
                differing.add(key.ref());
            }
        }
        return differing;
    }

    private static long setsHolding(DatabaseReplica nb, String ip) {
        return nb.list(AddressSet.TABLE).stream().filter(as -> as.addresses().contains(ip)).count();
    }

    private static double operations(KovnController c) {
        return c.metrics().registry().get("kovn_nb_operations").counter().count();
    }
}
