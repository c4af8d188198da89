package io.kovn.controller;

import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.kovn.pki.CertificateAuthority;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs {@link NodeCsrSigner} on the cluster's CSRs: an informer on {@code certificates.k8s.io/v1}
 * CertificateSigningRequests feeds the names of undecided {@value NodeCsrSigner#SIGNER_NAME} requests to one
 * worker, which decides them only while this controller leads (two controllers never sign the same request).
 * A periodic sweep hands every still undecided request to the worker again, so a request that arrived while
 * another instance led, or whose decision failed (API error), is decided later; the sweep also keeps the CA
 * certificate published in the {@value CaSecret#CA_CONFIG_MAP} ConfigMap, and deletes this signer's requests
 * decided longer ago than the retention (as kube-controller-manager's CSR cleaner does for every signer after an
 * hour; kovn does it itself so a cluster without that cleaner, or a short node certificate lifetime that renews
 * often, does not pile requests up).
 */
public final class NodeCsrController implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NodeCsrController.class);
    /** Names waiting for the worker; more undecided requests than this at once wait for the next sweep. */
    private static final int MAX_QUEUED = 1024;
    /** Most requests deleted per sweep: a backlog is worked off over several sweeps, the API not flooded. */
    private static final int MAX_DELETED_PER_SWEEP = 100;

    private final KubernetesClient kube;
    private final NodeCsrSigner signer;
    private final CertificateAuthority ca;
    private final String namespace;
    private final BooleanSupplier leading;
    private final Duration sweep;
    private final Duration retention;
    private final LinkedBlockingQueue<String> queue = new LinkedBlockingQueue<>(MAX_QUEUED);
    private final Set<String> queued = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService threads = Executors.newScheduledThreadPool(2, r -> {
        Thread t = new Thread(r, "kovn-csr-signer");
        t.setDaemon(true);
        return t;
    });
    private SharedIndexInformer<CertificateSigningRequest> informer;
    private volatile boolean published;
    private volatile boolean closed;

    /**
     * @param signer    decides each request, with {@code ca}
     * @param namespace kovn's namespace, where the CA ConfigMap is published
     * @param leading   whether this instance leads now (the controller's election)
     * @param sweep     how often undecided requests are looked at again
     * @param retention how long decided requests are kept; zero keeps them
     */
    public NodeCsrController(KubernetesClient kube, NodeCsrSigner signer, CertificateAuthority ca, String namespace,
                             BooleanSupplier leading, Duration sweep, Duration retention) {
        this.kube = kube;
        this.ca = ca;
        this.namespace = namespace;
        this.leading = leading;
        this.sweep = sweep;
        this.signer = signer;
        this.retention = retention;
    }

    public void start() {
        // no resync: the sweep offers every undecided request again anyway
        informer = kube.certificates().v1().certificateSigningRequests().runnableInformer(0);
        informer.exceptionHandler((started, t) -> {
            log.warn("CSR informer: {} failed: {}; retrying", started ? "watch" : "first list", t.toString());
            return true;
        });
        informer.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(CertificateSigningRequest csr) {
                offer(csr);
            }

            @Override
            public void onUpdate(CertificateSigningRequest old, CertificateSigningRequest csr) {
                offer(csr);
            }

            @Override
            public void onDelete(CertificateSigningRequest csr, boolean unknownFinalState) {
            }
        });
        informer.start();
        threads.execute(this::work);
        threads.scheduleWithFixedDelay(this::sweep, 0, sweep.toMillis(), TimeUnit.MILLISECONDS);
        log.info("signing CSRs of {} with CA '{}' while leading", NodeCsrSigner.SIGNER_NAME,
                ca.certificate().getSubjectX500Principal().getName());
    }

    private void offer(CertificateSigningRequest csr) {
        if (NodeCsrSigner.SIGNER_NAME.equals(csr.getSpec().getSignerName()) && !NodeCsrSigner.finished(csr)
                && queued.add(csr.getMetadata().getName()) && !queue.offer(csr.getMetadata().getName())) {
            queued.remove(csr.getMetadata().getName()); // full: the next sweep offers it again
        }
    }

    private void sweep() {
        if (closed || !leading.getAsBoolean()) {
            published = false; // a new leader publishes again, in case the CA changed meanwhile
            return;
        }
        try {
            if (!published) {
                if (CaSecret.publish(kube, namespace, ca.certificate())) {
                    log.info("published the CA certificate in ConfigMap {}/{}", namespace, CaSecret.CA_CONFIG_MAP);
                }
                published = true;
            }
        } catch (RuntimeException e) {
            log.warn("cannot publish ConfigMap {}/{}: {}", namespace, CaSecret.CA_CONFIG_MAP, e.toString());
        }
        informer.getStore().list().forEach(this::offer);
        if (!retention.isZero()) {
            deleteDecidedBefore(Instant.now().minus(retention));
        }
    }

    /** Deletes this signer's requests decided before {@code cutoff} (at most a sweep's worth). */
    private void deleteDecidedBefore(Instant cutoff) {
        List<String> old = informer.getStore().list().stream()
                .filter(c -> NodeCsrSigner.SIGNER_NAME.equals(c.getSpec().getSignerName()) && NodeCsrSigner.finished(c)
                        && decidedAt(c).isBefore(cutoff))
                .map(c -> c.getMetadata().getName()).limit(MAX_DELETED_PER_SWEEP).toList();
        for (String name : old) {
            try {
                kube.certificates().v1().certificateSigningRequests().withName(name).delete();
                log.info("CSR {}: deleted, decided more than {} ago", name, retention);
            } catch (RuntimeException e) {
                log.warn("CSR {}: cannot delete it ({}); the next sweep retries", name, e.toString());
            }
        }
    }

    /**
     * When a request was last decided: its newest condition's update (or transition) time; its creation if no
     * condition has one (a clock nobody set is read as long ago: the request is collected).
     */
    static Instant decidedAt(CertificateSigningRequest csr) {
        Instant latest = null;
        if (csr.getStatus() != null && csr.getStatus().getConditions() != null) {
            for (CertificateSigningRequestCondition c : csr.getStatus().getConditions()) {
                Instant t = parse(c.getLastUpdateTime() != null ? c.getLastUpdateTime() : c.getLastTransitionTime());
                if (t != null && (latest == null || t.isAfter(latest))) {
                    latest = t;
                }
            }
        }
        if (latest == null) {
            latest = parse(csr.getMetadata().getCreationTimestamp());
        }
        return latest == null ? Instant.EPOCH : latest;
    }

    private static Instant parse(String timestamp) {
        if (timestamp == null) {
            return null;
        }
        try {
            return Instant.parse(timestamp);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private void work() {
        while (!closed) {
            String name;
            try {
                name = queue.poll(1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (name == null) {
                continue;
            }
            queued.remove(name);
            if (!leading.getAsBoolean()) {
                continue; // the leader decides; the sweep offers it again should this instance lead
            }
            try {
                // the latest version, not the informer's: a request decided a moment ago is left alone
                CertificateSigningRequest csr = kube.certificates().v1().certificateSigningRequests().withName(name).get();
                if (csr != null) {
                    signer.handle(csr);
                }
            } catch (RuntimeException e) {
                log.warn("CSR {}: decision failed ({}); the next sweep retries it", name, e.toString());
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        threads.shutdownNow();
        if (informer != null) {
            informer.stop();
        }
    }
}
