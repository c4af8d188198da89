package io.kovn.controller;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kovn.controller.alloc.ExhaustedException;
import io.kovn.ovn.metrics.MetricsServer;
import io.kovn.controller.reconcile.ClusterState;
import io.kovn.controller.reconcile.ClusterTopology;
import io.kovn.controller.reconcile.PodEvents;
import io.kovn.controller.reconcile.PodNetworkCondition;
import io.kovn.controller.reconcile.PodReconciler;
import io.kovn.controller.reconcile.Reconciler;
import io.kovn.controller.reconcile.RetryLater;
import io.kovn.ovn.Databases;
import io.kovn.ovn.Owners;
import io.kovn.ovn.ops.NbDrift;
import io.kovn.ovn.ops.NbTables;
import io.kovn.ovn.ops.NbTxn;
import io.kovn.ovsdb.client.OvsdbClient;
import io.kovn.ovsdb.client.TransactResult;
import io.kovn.ovsdb.wire.Operation;
import io.kovn.ovsdb.replica.DatabaseReplica;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster-wide controller: watches Nodes, Pods, Services and EndpointSlices and keeps the OVN Northbound
 * database in line with them. Only the leader (a coordination.k8s.io Lease) writes; on taking the lead it runs a
 * full sync that rebuilds its allocations from annotations and NB and removes the rows nothing explains.
 */
public final class KovnController implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(KovnController.class);
    private static final Duration RETRY_LATER = Duration.ofMillis(500);
    private static final int MAX_DRIFT_LOG_LINES = 100;
    /** How long a controller that gave the lead up waits before it competes again: long enough for a standby. */
    static final Duration REJOIN_DELAY = LeaseElection.REJOIN_DELAY;

    private final ControllerConfig config;
    /** Only for leader election: null when the controller is fed by a {@link ClusterApi} alone. */
    private final KubernetesClient kube;
    private final ClusterApi api;
    private final Metrics metrics = new Metrics();
    private final EventRecorder events;
    private final Map<ObjectKey, Long> firstSeen = new ConcurrentHashMap<>();
    private OvsdbClient nbClient;
    private DatabaseReplica nb;
    private NbWriter writer;
    private MetricsServer metricsServer;
    /** Null without leader election. */
    private volatile LeaseElection election;
    private volatile Leadership leadership;
    /** Why the last attempt to lead failed, while no attempt has succeeded since; null otherwise. */
    private volatile String leadFailure;
    private volatile boolean closed;
    /** Rows the last audit found differing from what the objects imply. */
    private volatile int driftRows;
    /** Starts and ends leadership, away from the elector's threads (a start may wait for the informers). */
    private final ScheduledExecutorService lifecycle = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "kovn-leadership"));

    /** What exists only while this instance leads. */
    private final class Leadership {
        final WorkQueue queue = new WorkQueue(Duration.ofMillis(200), Duration.ofSeconds(30));
        final Informers informers = new Informers();
        /** Created when leadership starts; its informers start once its handlers are in place. */
        ClusterWatch watch;
        final ExecutorService afterCommit = Executors.newFixedThreadPool(8, r -> daemon(r, "kovn-annotate"));
        final Map<ObjectKey.Kind, Reconciler> reconcilers = new EnumMap<>(ObjectKey.Kind.class);
        /** Set once the informers synced, before the full sync lists their stores. */
        volatile ClusterState state;
        PodReconciler pods;
        Thread worker;
        volatile boolean running = true;
        volatile boolean synced;
        /** NB's replica was replaced whole (a full resync, a recreated database): audit at the next batch. */
        final AtomicBoolean auditNow = new AtomicBoolean();
    }

    public KovnController(ControllerConfig config, KubernetesClient kube) {
        this(config, kube, new FabricClusterApi(kube));
    }

    /** A controller fed by {@code api} alone, without leader election (which needs an API server). */
    public KovnController(ControllerConfig config, ClusterApi api) {
        this(config, null, api);
    }

    private KovnController(ControllerConfig config, KubernetesClient kube, ClusterApi api) {
        if (kube == null && config.leaderElection()) {
            throw new IllegalArgumentException("leader election needs a Kubernetes client");
        }
        this.config = config;
        this.kube = kube;
        this.api = api;
        this.events = new EventRecorder(api, "kovn-controller");
    }

    public Metrics metrics() {
        return metrics;
    }

    public boolean isLeader() {
        return leadership != null;
    }

    /** True when leading, synced and nothing is queued or in progress. */
    public boolean idle() {
        Leadership l = leadership;
        return l != null && l.synced && l.queue.idle();
    }

    public int metricsPort() {
        return metricsServer == null ? -1 : metricsServer.port();
    }

    /**
     * What /healthz reports, one line each; empty when healthy: NB connected, taking part in the election, and
     * while leading, every informer synced and watching.
     */
    public List<String> problems() {
        List<String> out = new ArrayList<>();
        String nbProblem = nbClient == null ? "not connected" : nbClient.problem();
        if (nbProblem != null) {
            out.add("NB: " + nbProblem);
        }
        Leadership l = leadership;
        if (l != null) {
            out.addAll(l.informers.problems());
        } else if (leadFailure != null && !config.leaderElection()) {
            out.add("not leading: " + leadFailure);
        }
        LeaseElection e = election;
        if (e != null && e.stopped() && leadFailure == null) {
            out.add("leader election: stopped");
        }
        return out;
    }

    /** Connects to NB and starts leading, or competing for the lead. Returns once NB is replicated. */
    public void start() throws Exception {
        OvsdbClient.Options opts = config.nbClientOptions();
        nbClient = new OvsdbClient(config.nbAddress(), opts);
        metrics.nbClient(nbClient.stats());
        nbClient.connect();
        // the reconcilers look rows up by owner and owner type only: the other keys (a pod port's namespace, name
        // and uid; rules, peers) unindexed save an index entry per row, some 100 bytes a pod
        nb = nbClient.replicate(Databases.NORTHBOUND, NbTables.monitorSpec()
                .indexExternalIds(List.of(Owners.OWNER_TYPE, Owners.OWNER))).get(2, TimeUnit.MINUTES);
        writer = new NbWriter(nbClient, nb, metrics);
        nb.addResetListener(this::nbReplaced);
        if (config.metricsPort() >= 0) {
            metricsServer = new MetricsServer(config.metricsBindAddress(), config.metricsPort(), metrics::scrape, this::problems);
            log.info("metrics on :{}/metrics, health on /healthz", metricsServer.port());
        }
        registerGauges();
        if (config.leaderElection()) {
            // the lead starts on the lifecycle thread: a start may wait for the informers, the elector must not
            election = new LeaseElection(kube, config.leaseNamespace(), "kovn-controller", config.identity(), lifecycle,
                    () -> {
                        if (!closed) {
                            lifecycle.execute(this::lead);
                        }
                    }, this::stopLeading);
            election.start();
        } else {
            lifecycle.execute(this::lead);
        }
    }

    /**
     * Starts leading; if that fails (informers not synced in time, NB unreachable or refusing the first commit, a
     * row that does not parse), gives the lead up at once: with an election it releases the Lease, so that a
     * standby takes over, and competes again after {@link #REJOIN_DELAY}; alone it tries again after that delay.
     */
    private void lead() {
        try {
            if (startLeading()) {
                leadFailure = null;
            }
        } catch (Exception e) {
            String reason = e.getMessage() == null ? e.toString() : e.getMessage();
            leadFailure = reason;
            log.error("{} cannot lead ({}); giving the lead up", config.identity(), reason, e);
            stopLeading();
            if (closed) {
                return;
            }
            if (election != null) {
                election.giveUp();
            } else {
                lifecycle.schedule(this::lead, REJOIN_DELAY.toMillis(), TimeUnit.MILLISECONDS);
            }
        }
    }

    /** Returns false if leadership ended (or the controller closed) while it was starting. */
    private boolean startLeading() throws Exception {
        Leadership l;
        synchronized (this) {
            if (closed || leadership != null || (election != null && !election.holdsLease())) {
                return false; // closed, leading already, or the lead was lost before this start ran
            }
            log.info("{} leads: starting informers and full sync", config.identity());
            l = new Leadership();
            leadership = l;
        }
        // until the state is set, events are dropped: the full sync lists the stores once it is, and queues every
        // object in the order a batch needs (pods before the policies that read their addresses)
        l.watch = new ClusterWatch(config, api, nb, events, l.informers, () -> l.state != null, key -> {
            if (key.kind() == ObjectKey.Kind.POD) {
                firstSeen.putIfAbsent(key, System.nanoTime());
            }
            l.queue.add(key);
        });
        l.informers.start();
        // the allocations are rebuilt from what the informers and NB hold: only once both are complete
        if (!l.informers.awaitSynced(config.syncTimeout(), () -> l.running)) {
            if (!l.running) {
                return false;
            }
            throw new IllegalStateException("informers not synced within " + config.syncTimeout().toSeconds() + " s: "
                    + String.join(", ", l.informers.unsynced()));
        }
        if (!nbClient.isConnected()) {
            throw new IllegalStateException("NB is not connected");
        }
        if (!PodsOfNbPorts.await(nb, api, l.watch.state(), config.syncTimeout(), () -> l.running)) {
            return false;
        }

        l.state = l.watch.state();
        l.pods = new PodReconciler(l.state);
        l.reconcilers.putAll(FullSync.reconcilers(l.state, l.pods));

        NbTxn cluster = new NbTxn(nb);
        ClusterTopology.ensureCluster(cluster, config.joinSubnet());
        if (!cluster.isEmpty()) {
            writer.commit(cluster);
        }
        FullSync.rebuildAllocations(l.reconcilers, nb);
        List<ObjectKey> keys = new ArrayList<>(FullSync.keys(l.state, nb));
        keys.sort(null);
        l.queue.claim(keys);
        if (!streamSync(l, keys)) {
            return false;
        }
        synchronized (this) {
            if (!l.running) {
                return false;
            }
            l.worker = new Thread(() -> work(l), "kovn-controller-worker");
            l.worker.setDaemon(true);
            l.worker.start();
            l.synced = true;
        }
        return true;
    }

    private synchronized void stopLeading() {
        Leadership l = leadership;
        if (l == null) {
            return;
        }
        log.info("{} stops leading", config.identity());
        leadership = null;
        l.running = false;
        l.queue.close();
        l.informers.stop();
        l.afterCommit.shutdown();
        if (l.worker != null && l.worker != Thread.currentThread()) {
            try {
                l.worker.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * NB's replica was replaced whole: the client could not resume after a reconnect, or the database was
     * recreated empty (a restore, a lost cluster). Rows the leader wrote may be gone although no Kubernetes object
     * changed, so no event would bring them back: the leader audits at once instead of at the next interval, and
     * the audit writes again what is missing, with the allocations it holds (the same addresses).
     */
    private void nbReplaced() {
        if (requestAudit()) {
            log.info("NB's content was replaced (full resync): auditing it now");
        }
    }

    /**
     * Audits NB at the worker's next turn (within a second when idle), whatever the audit interval: a check that
     * NB equals what the objects imply at a moment the caller chose (once changes settled), rather than at a
     * moment the informers may be ahead of the events they delivered. Done when {@link Metrics#nbAudits()} grew;
     * the rows it found are then {@link #driftRows()}. Ignored (false) while not leading or before the full sync.
     */
    public boolean requestAudit() {
        Leadership l = leadership;
        if (l == null || !l.synced) {
            return false;
        }
        l.auditNow.set(true);
        return true;
    }

    /** Rows the last audit found differing from what the objects imply ({@code kovn_nb_drift_rows}). */
    public int driftRows() {
        return driftRows;
    }

    private void work(Leadership l) {
        long interval = config.auditInterval().toNanos();
        long nextAudit = System.nanoTime() + interval;
        while (l.running) {
            try {
                List<ObjectKey> batch = l.queue.take(config.batchSize(), Duration.ofSeconds(1));
                if (!batch.isEmpty()) {
                    process(l, batch);
                }
                if (l.auditNow.getAndSet(false)
                        || (interval > 0 && System.nanoTime() - nextAudit > 0 && l.queue.idle())) {
                    audit(l);
                    nextAudit = System.nanoTime() + interval;
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                log.error("controller worker failed; continuing", e);
            }
        }
    }

    /**
     * The periodic audit, on the worker thread between batches while nothing is queued: a full sync's dry run
     * against the replica. Rows that differ (someone edited NB, a bug, a restore) are logged one by one, counted in
     * {@code kovn_nb_drift_rows}, and repaired by queueing the objects they belong to.
     */
    private void audit(Leadership l) {
        // the cluster-wide rows belong to no object whose key could be queued: written here when missing
        NbTxn cluster = new NbTxn(nb);
        ClusterTopology.ensureCluster(cluster, config.joinSubnet());
        if (!cluster.isEmpty()) {
            log.warn("NB audit: the cluster router or join switch is missing or differs; writing it");
            try {
                writer.commit(cluster);
            } catch (Exception e) {
                log.warn("NB audit: writing the cluster router and join switch failed ({}); auditing again",
                        e.getMessage());
                l.auditNow.set(true);
                return;
            }
        }
        FullSync.DryRun run = FullSync.dryRun(l.state, l.reconcilers, nb, config.joinSubnet());
        List<NbDrift.RowChange> rows = NbDrift.of(run.txn());
        driftRows = rows.size();
        metrics.nbDriftFound.increment(rows.size());
        metrics.nbAudits.increment();
        if (rows.isEmpty()) {
            log.debug("NB audit: no drift");
            return;
        }
        log.warn("NB audit: {} rows differ from what the Kubernetes objects imply; repairing {}", rows.size(), run.drifted());
        rows.stream().limit(MAX_DRIFT_LOG_LINES).forEach(r -> log.warn("NB drift: {}", r.describe()));
        run.drifted().forEach(l.queue::add);
    }

    /**
     * Reconciles a batch of keys into one NB transaction; if NB refuses it, each half is reconciled and committed
     * again, down to the key that fails on its own (retried later, with an Event naming it).
     */
    private void process(Leadership l, List<ObjectKey> batch) {
        List<ObjectKey> sorted = new ArrayList<>(batch);
        Collections.sort(sorted);
        NbTxn txn = new NbTxn(nb);
        l.state.drainEmptied(nb); // candidates of a batch that failed: asked again as its keys run again
        Map<ObjectKey, Reconciler.AfterCommit> committed = new LinkedHashMap<>();
        Set<ObjectKey> addressed = new LinkedHashSet<>();
        // the policies concerning a pod depend on its namespace and labels alone: a batch of pods given addresses
        // (a full sync: every pod) shares a few such pairs, each matched against the policies once, not per pod
        Map<List<Object>, Set<ObjectKey>> policiesByLabels = new HashMap<>();
        for (ObjectKey key : sorted) {
            reconcileKey(l, key, txn, committed, addressed, policiesByLabels);
        }
        // A pod given its address (and port) here: the peer sets and policies that admit it and were reconciled in
        // an earlier batch (its event queued them while they were queued already, and a batch took them before the
        // pod) read it without one; the rows of the policies selecting it it joined itself, and asked for those it
        // could not (ClusterState.followUp). Those of this batch come after it (pods sort first) and read it. Queued
        // whether or not the commit succeeds: a retry finds the address already allocated.
        addressed.addAll(l.state.drainFollowUps());
        addressed.removeAll(sorted);
        addressed.forEach(l.queue::add);
        if (committed.isEmpty()) {
            return;
        }
        try {
            txn.finish(); // the rows several keys share, written once with what they all left
        } catch (RuntimeException e) {
            committed.keySet().forEach(k -> fail(l, k, e));
            return;
        }
        if (!txn.isEmpty()) {
            try {
                writer.commit(txn);
            } catch (Exception e) {
                if (committed.size() == 1) {
                    fail(l, committed.keySet().iterator().next(), e);
                } else {
                    // bisection: a key whose rows NB refuses is found in about 2 log2(n) transactions, and the
                    // others commit in halves instead of n transactions of one
                    List<ObjectKey> keys = new ArrayList<>(committed.keySet());
                    int half = keys.size() / 2;
                    log.warn("NB transaction of {} objects failed ({}); retrying them in two halves", keys.size(),
                            e.getMessage());
                    process(l, keys.subList(0, half));
                    process(l, keys.subList(half, keys.size()));
                }
                return;
            }
        }
        l.state.drainEmptied(nb).forEach(l.queue::add); // a named port's last pods left: the policy drops its term
        committed(l, committed);
    }

    /** A part of the full sync sent to NB: its operations, its reply, its keys and what they do once committed. */
    private record SentPart(List<Operation> ops, CompletableFuture<TransactResult> reply,
                            Map<ObjectKey, Reconciler.AfterCommit> keys) {
    }

    /**
     * The full sync of a new leader: every key reconciled in the order of {@code keys} into one streaming
     * transaction ({@link NbTxn#streaming}) sent to NB in parts of a batch's size, each part reconciled while NB
     * commits the one before and sent once that one succeeded, without waiting for the replica to show it (the
     * stream remembers what it wrote): NB and the controller work at the same time, where batches from the queue
     * take turns (reconcile, commit, see it in the replica). Each part's keys are annotated once it committed. A
     * part NB refuses (or a lost connection) ends the stream: its keys and those after it go to the queue, whose
     * batches reconcile them against the replica, split a refused one in halves and retry. Returns false if
     * leadership ended meanwhile.
     */
    private boolean streamSync(Leadership l, List<ObjectKey> keys) throws InterruptedException {
        long start = System.nanoTime();
        NbTxn txn = NbTxn.streaming(nb);
        l.state.drainEmptied(nb);
        Set<ObjectKey> remaining = new HashSet<>(keys);
        Map<List<Object>, Set<ObjectKey>> policiesByLabels = new HashMap<>();
        SentPart sent = null;
        SentPart lastCommitted = null;
        int parts = 0;
        int size = config.batchSize();
        for (int from = 0; from < keys.size(); from += size) {
            if (!l.running) {
                return false;
            }
            List<ObjectKey> part = keys.subList(from, Math.min(keys.size(), from + size));
            Map<ObjectKey, Reconciler.AfterCommit> committed = new LinkedHashMap<>();
            Set<ObjectKey> addressed = new LinkedHashSet<>();
            for (ObjectKey key : part) {
                remaining.remove(key);
                reconcileKey(l, key, txn, committed, addressed, policiesByLabels);
            }
            List<Operation> ops = null;
            try {
                txn.finish(); // the rows this part's keys share, written once with what they all left
                ops = txn.flush();
            } catch (RuntimeException e) {
                log.warn("full sync: finishing a part of {} objects failed ({}); the rest of the sync goes through the"
                        + " queue", committed.size(), e.getMessage());
                committed.keySet().forEach(k -> fail(l, k, e));
            }
            // the policies and peers its pods' addresses concern that the stream will not reach again (see process)
            addressed.addAll(l.state.drainFollowUps());
            addressed.removeAll(remaining);
            addressed.removeAll(part);
            addressed.forEach(l.queue::add);
            if (ops == null) { // the stream's transaction is left half-built: the queue reconciles the rest
                if (sent != null && partCommitted(l, sent)) {
                    lastCommitted = sent;
                }
                requeueFrom(l, Set.of(), remaining, lastCommitted);
                return true;
            }
            if (sent != null && !partCommitted(l, sent)) {
                requeueFrom(l, committed.keySet(), remaining, lastCommitted);
                return true;
            }
            if (sent != null) {
                lastCommitted = sent;
                sent = null;
            }
            if (ops.isEmpty()) {
                committed(l, committed);
                continue;
            }
            sent = new SentPart(ops, writer.send(ops), committed);
            parts++;
        }
        if (sent != null) {
            if (partCommitted(l, sent)) {
                lastCommitted = sent;
            }
        }
        awaitShown(lastCommitted);
        l.state.drainEmptied(nb).forEach(l.queue::add);
        log.info("full sync: {} objects in {} NB transactions in {} ms", keys.size(), parts,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        return true;
    }

    /**
     * Waits for {@code part}'s reply: true if NB committed it (its keys are then annotated); false if NB refused it
     * or did not answer (its keys go back to the queue).
     */
    private boolean partCommitted(Leadership l, SentPart part) throws InterruptedException {
        try {
            part.reply().get(nbClient.options().callTimeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
            committed(l, part.keys());
            return true;
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            log.warn("full sync: an NB transaction of {} objects failed ({}); the rest of the sync goes through the queue",
                    part.keys().size(), cause.getMessage());
            requeue(l, part.keys().keySet());
            return false;
        }
    }

    /**
     * After a part failed: the keys reconciled since ({@code reconciled}, not sent) and those not reached
     * ({@code notReached}) go to the queue, once the replica shows the last part that committed, so that the
     * queue's first batch reads what the stream wrote.
     */
    private void requeueFrom(Leadership l, Set<ObjectKey> reconciled, Set<ObjectKey> notReached, SentPart lastCommitted)
            throws InterruptedException {
        awaitShown(lastCommitted);
        requeue(l, reconciled);
        requeue(l, notReached);
    }

    /** Until the replica shows the stream's part {@code part} (and so those before it); nothing if null. */
    private void awaitShown(SentPart part) throws InterruptedException {
        if (part == null) {
            return;
        }
        try {
            writer.awaitShown(part.ops(), part.reply().join());
        } catch (ExecutionException e) {
            log.warn("full sync: waiting for the replica failed ({})", e.getMessage());
        }
    }

    /** Hands keys the full sync claimed to the queue: their handling ended here, the queue's batches run them again. */
    private static void requeue(Leadership l, Collection<ObjectKey> keys) {
        for (ObjectKey k : keys) {
            l.queue.done(k);
            l.queue.add(k);
        }
    }

    /**
     * Reconciles {@code key} into {@code txn}: what to do once it is committed into {@code committed}; the policies
     * and peers a pod given its address here admits into {@code addressed} ({@code policiesByLabels} caches them by
     * namespace and labels). A key that must wait or fails is rolled back out of the transaction and queued again.
     */
    private void reconcileKey(Leadership l, ObjectKey key, NbTxn txn, Map<ObjectKey, Reconciler.AfterCommit> committed,
                              Set<ObjectKey> addressed, Map<List<Object>, Set<ObjectKey>> policiesByLabels) {
        NbTxn.Checkpoint cp = txn.checkpoint();
        Pod pod = key.kind() == ObjectKey.Kind.POD ? l.state.pod(key.namespace(), key.name()) : null;
        Optional<String> ipBefore = pod == null ? Optional.empty() : l.state.podIp(pod);
        try {
            metrics.reconciles(key.kind()).increment();
            committed.put(key, l.reconcilers.get(key.kind()).reconcile(key, txn));
            if (pod != null && !l.state.podIp(pod).equals(ipBefore)) {
                Map<String, String> labels = pod.getMetadata().getLabels();
                addressed.addAll(policiesByLabels.computeIfAbsent(
                        List.of(key.namespace(), labels == null ? Map.of() : labels),
                        k -> PodEvents.admittingKeys(l.state, pod)));
            }
        } catch (RetryLater e) {
            txn.rollback(cp);
            log.debug("{}: {}; retrying soon", key, e.getMessage());
            podWaits(l, key, PodNetworkCondition.NO_SUBNET, e.getMessage());
            l.queue.addAfter(key, RETRY_LATER);
            Pod waiting = key.kind() == ObjectKey.Kind.POD ? l.state.pod(key.namespace(), key.name()) : null;
            if (waiting != null) { // its policies were reconciled without it: again once it has an address
                PodEvents.policyKeys(l.state, waiting).forEach(k -> l.queue.addAfter(k, RETRY_LATER));
            }
            l.queue.done(key);
        } catch (Exception e) {
            txn.rollback(cp);
            fail(l, key, e);
        }
    }

    /** Runs, once their transaction committed, what each key does after it (annotations), then marks it done. */
    private void committed(Leadership l, Map<ObjectKey, Reconciler.AfterCommit> committed) {
        long now = System.nanoTime();
        for (Map.Entry<ObjectKey, Reconciler.AfterCommit> e : committed.entrySet()) {
            ObjectKey key = e.getKey();
            Long seen = firstSeen.remove(key);
            Instant created = null;
            if (seen != null && key.kind() == ObjectKey.Kind.POD) {
                metrics.podPortAdd.record(now - seen, TimeUnit.NANOSECONDS);
                created = creation(l.state.pod(key.namespace(), key.name()));
                if (created != null) {
                    metrics.podCreatedToNbCommit.record(Duration.between(created, Instant.now()));
                }
            }
            Instant createdAt = created;
            Reconciler.AfterCommit after = e.getValue();
            if (after == Reconciler.AfterCommit.NOTHING) {
                l.queue.forget(key);
                l.queue.done(key);
                continue;
            }
            l.afterCommit.execute(() -> {
                try {
                    after.run();
                    if (createdAt != null) {
                        metrics.podCreatedToAnnotation.record(Duration.between(createdAt, Instant.now()));
                    }
                    l.queue.forget(key);
                    l.queue.done(key);
                } catch (Exception ex) {
                    fail(l, key, ex);
                }
            });
        }
    }

    /** When the API server created the pod; null if unknown. */
    private static Instant creation(Pod pod) {
        try {
            return pod == null || pod.getMetadata().getCreationTimestamp() == null ? null
                    : Instant.parse(pod.getMetadata().getCreationTimestamp());
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private void fail(Leadership l, ObjectKey key, Exception e) {
        metrics.reconcileErrors(key.kind()).increment();
        Duration delay = l.queue.retry(key);
        l.queue.done(key);
        String message = e.getMessage() == null ? e.toString() : e.getMessage();
        log.warn("{}: {} (retry {} in {} ms)", key, message, l.queue.failures(key), delay.toMillis());
        HasMetadata obj = l.state.object(key);
        if (obj != null) {
            events.warning(obj, e instanceof ExhaustedException ? "AddressesExhausted" : "NetworkSetupFailed", message);
        }
        podWaits(l, key, e instanceof ExhaustedException ? PodNetworkCondition.EXHAUSTED : PodNetworkCondition.NB_FAILED,
                message);
    }

    /** A pod's {@value PodNetworkCondition#TYPE} condition says which step it waits for (set off the worker thread). */
    private void podWaits(Leadership l, ObjectKey key, String reason, String message) {
        if (key.kind() != ObjectKey.Kind.POD) {
            return;
        }
        Pod pod = l.state.pod(key.namespace(), key.name());
        if (pod != null && !l.afterCommit.isShutdown()) {
            l.afterCommit.execute(() -> PodNetworkCondition.set(api, pod, false, reason, message));
        }
    }

    private void registerGauges() {
        for (ObjectKey.Kind kind : ObjectKey.Kind.values()) {
            if (kind == ObjectKey.Kind.POLICY_PEER) {
                continue; // no object of its own
            }
            metrics.gauge("kovn_objects", kind.name().toLowerCase(), () -> {
                Leadership l = leadership;
                return l == null || l.watch == null ? 0 : l.watch.count(kind);
            });
        }
        metrics.gauge("kovn_workqueue_depth", "all", () -> leadership == null ? 0 : leadership.queue.depth());
        metrics.gauge("kovn_nb_drift_rows", "all", () -> driftRows);
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    @Override
    public void close() {
        closed = true;
        if (election != null) {
            election.close();
        }
        lifecycle.shutdownNow();
        stopLeading();
        if (metricsServer != null) {
            metricsServer.close();
        }
        if (nbClient != null) {
            nbClient.close();
        }
    }
}
