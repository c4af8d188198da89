package io.kovn.bench.scale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.kovn.controller.KovnController;
import io.kovn.ovn.Databases;
import io.kovn.ovn.Owners;
import io.kovn.ovn.annotations.PodNetwork;
import io.kovn.ovn.nb.AddressSet;
import io.kovn.ovn.nb.LogicalSwitchPort;
import io.kovn.ovsdb.client.OvsdbClient;
import io.kovn.ovsdb.replica.DatabaseReplica;
import io.kovn.testing.OvnDaemons;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The scale harness at a size CI affords (20 nodes, 2000 pods, 40 policies): the controller syncs a generated
 * cluster from memory into a real NB, restarts without a write, and one pod event costs NB operations bounded by
 * the policies that concern that pod, not by the cluster.
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
            first.close();

            try (KovnController c = new KovnController(ScaleBench.config(ovn.nbUnix()), cluster)) {
                c.start();
                await().atMost(Duration.ofMinutes(2)).until(c::idle);
                Thread.sleep(500);
                await().atMost(Duration.ofMinutes(1)).until(c::idle);
                assertThat(c.metrics().nbTransactions()).as("NB transactions of an idle restart").isZero();

                double opsBefore = operations(c);
                Pod pod = ClusterGenerator.pod(ClusterGenerator.namespace(0), "one-more", ClusterGenerator.node(3), 0,
                        "0000-one-more");
                cluster.put(pod);
                await().atMost(Duration.ofMinutes(1)).until(() -> annotated.containsKey("one-more") && c.idle());
                double ops = operations(c) - opsBefore;
                System.out.printf("[scale-harness] one pod added to 2000: %.0f NB operations%n", ops);
                // its port, its switch, and per policy that selects or admits it one mutate (and a rewritten
                // ACL where a named port resolves on it): about 40 here, whatever the number of pods
                assertThat(ops).isBetween(2.0, 80.0);

                // no longer a frontend: out of the address sets of every ns-0 policy's "from tier=frontend" peer
                String ip = PodNetwork.parse(annotated.get("one-more")).ip();
                long holding = setsHolding(nb, ip);
                Pod labelled = new PodBuilder(cluster.pod(ClusterGenerator.namespace(0), "one-more")).editMetadata()
                        .addToLabels("tier", "backend").endMetadata().build();
                cluster.put(labelled);
                await().atMost(Duration.ofMinutes(1)).until(() -> c.idle() && setsHolding(nb, ip) == holding - 20);
            }
        }
    }

    private static long setsHolding(DatabaseReplica nb, String ip) {
        return nb.list(AddressSet.TABLE).stream().filter(as -> as.addresses().contains(ip)).count();
    }

    private static double operations(KovnController c) {
        return c.metrics().registry().get("kovn_nb_operations").counter().count();
    }
}
