package io.kovn.controller;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Competes for a coordination.k8s.io Lease for as long as it is open. fabric8's elector ends for good once this
 * instance loses the lead (a renewal that failed on a slow API, say): this one competes again after
 * {@link #REJOIN_DELAY}, long enough for a standby to take over. The callbacks run on fabric8's elector thread; an
 * owner whose start may block hands it to its own executor.
 */
public final class LeaseElection implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LeaseElection.class);
    /** How long an instance that lost or gave the lead up waits before it competes again. */
    public static final Duration REJOIN_DELAY = Duration.ofSeconds(10);

    private final KubernetesClient kube;
    private final String namespace;
    private final String lease;
    private final String identity;
    private final ScheduledExecutorService scheduler;
    private final Runnable onElected;
    private final Runnable onUnelected;
    private volatile CompletableFuture<?> election;
    private volatile boolean elected;
    private volatile boolean closed;

    /**
     * @param scheduler   where the rejoin waits (single-threaded, so two rejoins cannot both start an elector)
     * @param onElected   called when this instance holds the Lease
     * @param onUnelected called when it lost or released it
     */
    public LeaseElection(KubernetesClient kube, String namespace, String lease, String identity,
                         ScheduledExecutorService scheduler, Runnable onElected, Runnable onUnelected) {
        this.kube = kube;
        this.namespace = namespace;
        this.lease = lease;
        this.identity = identity;
        this.scheduler = scheduler;
        this.onElected = onElected;
        this.onUnelected = onUnelected;
    }

    public synchronized void start() {
        if (!closed && election == null) {
            election = elect();
        }
    }

    private CompletableFuture<?> elect() {
        return kube.leaderElector().withConfig(new LeaderElectionConfigBuilder()
                .withName(lease)
                .withLock(new LeaseLock(namespace, lease, identity))
                .withLeaseDuration(Duration.ofSeconds(15)).withRenewDeadline(Duration.ofSeconds(10))
                .withRetryPeriod(Duration.ofSeconds(2)).withReleaseOnCancel(true)
                .withLeaderCallbacks(new LeaderCallbacks(this::startedLeading, this::stoppedLeading,
                        id -> log.info("{}: leader is now {}", lease, id)))
                .build()).build().start();
    }

    private void startedLeading() {
        elected = true;
        if (!closed) {
            onElected.run();
        }
    }

    private void stoppedLeading() {
        elected = false;
        onUnelected.run();
        rejoinLater();
    }

    /** Between the elector's start and stop callbacks: this instance holds the Lease. */
    public boolean holdsLease() {
        return elected;
    }

    /** The elector ended and no new one runs yet (between losing the lead and competing again, or for good). */
    public boolean stopped() {
        CompletableFuture<?> e = election;
        return !closed && e != null && e.isDone();
    }

    /** Releases the Lease now (an instance that cannot lead, so that a standby takes over) and competes again later. */
    public void giveUp() {
        CompletableFuture<?> current = election;
        if (current != null) {
            current.cancel(true); // releases the Lease (releaseOnCancel)
        }
        rejoinLater();
    }

    private void rejoinLater() {
        if (closed) {
            return;
        }
        scheduler.schedule(() -> {
            synchronized (this) {
                CompletableFuture<?> current = election;
                if (!closed && (current == null || current.isDone())) {
                    election = elect();
                }
            }
        }, REJOIN_DELAY.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        closed = true;
        CompletableFuture<?> e = election;
        if (e != null) {
            e.cancel(true);
        }
    }
}
