package io.kovn.controller;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.kovn.controller.reconcile.ClusterState;
import io.kovn.controller.reconcile.PodReconciler;
import io.kovn.controller.reconcile.Reconciler;
import io.kovn.ovn.Databases;
import io.kovn.ovn.ops.NbDrift;
import io.kovn.ovn.ops.NbTables;
import io.kovn.ovsdb.client.OvsdbClient;
import io.kovn.ovsdb.replica.DatabaseReplica;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code kovn audit}: the controller's full sync run dry against the live NB, from a separate process. It lists
 * the objects (informers, once), rebuilds the allocations from annotations and NB as a new leader does, lets the
 * reconcilers build their transaction and reports its operations as rows ({@link NbDrift}) instead of committing
 * it; with {@code fix} it commits that transaction (annotations are left to the controller).
 */
public final class NbAudit {

    /**
     * @param rows    every row that differs
     * @param skipped objects that could not be reconciled now, with why (they are not compared)
     * @param fixed   whether the rows were written
     */
    public record Result(List<NbDrift.RowChange> rows, Map<String, String> skipped, boolean fixed) {
    }

    private NbAudit() {
    }

    public static Result run(ControllerConfig config, KubernetesClient kube, boolean fix) throws Exception {
        OvsdbClient.Options opts = config.nbClientOptions();
        Informers informers = new Informers();
        try (OvsdbClient client = new OvsdbClient(config.nbAddress(), opts).connectSync()) {
            DatabaseReplica nb = client.replicate(Databases.NORTHBOUND, NbTables.monitorSpec()).get(2, TimeUnit.MINUTES);
            ClusterApi api = new FabricClusterApi(kube);
            ClusterWatch watch = new ClusterWatch(config.toBuilder().resync(Duration.ZERO).build(), api, nb,
                    new EventRecorder(api, "kovn-audit"), informers, () -> false, key -> { });
            informers.start();
            if (!informers.awaitSynced(config.syncTimeout(), () -> true)) {
                throw new IllegalStateException("the API's lists did not complete within "
                        + config.syncTimeout().toSeconds() + " s: " + String.join(", ", informers.unsynced()));
            }
            ClusterState state = watch.state();
            PodReconciler podReconciler = new PodReconciler(state);
            Map<ObjectKey.Kind, Reconciler> reconcilers = FullSync.reconcilers(state, podReconciler);
            FullSync.rebuildAllocations(reconcilers, nb);
            FullSync.DryRun run = FullSync.dryRun(state, reconcilers, nb, config.joinSubnet());
            List<NbDrift.RowChange> rows = NbDrift.of(run.txn());
            Map<String, String> skipped = new LinkedHashMap<>();
            run.skipped().forEach((k, why) -> skipped.put(k.toString(), why));
            if (fix && !run.txn().isEmpty()) {
                new NbWriter(client, nb, new Metrics()).commit(run.txn());
            }
            return new Result(rows, skipped, fix && !rows.isEmpty());
        } finally {
            informers.stop();
        }
    }
}
