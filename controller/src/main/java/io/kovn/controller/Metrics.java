package io.kovn.controller;

import io.kovn.ovsdb.client.ClientStats;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.function.Supplier;

/** The controller's Prometheus metrics. */
public final class Metrics {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    final Timer podPortAdd = Timer.builder("kovn_pod_port_add")
            .description("time from seeing a pod to committing its logical switch port to NB")
            .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
            .maximumExpectedValue(Duration.ofSeconds(60)).register(registry);
    final Timer podCreatedToNbCommit = Timer.builder("kovn_pod_created_to_nb_commit")
            .description("time from a pod's creation (its creationTimestamp, 1 s resolution) to its port's NB commit")
            .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(10))
            .maximumExpectedValue(Duration.ofSeconds(120)).register(registry);
    final Timer podCreatedToAnnotation = Timer.builder("kovn_pod_created_to_annotation")
            .description("time from a pod's creation (its creationTimestamp, 1 s resolution) to its annotation and "
                    + "NetworkReady condition being published")
            .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(10))
            .maximumExpectedValue(Duration.ofSeconds(120)).register(registry);
    final Timer nbTransaction = Timer.builder("kovn_nb_transaction").description("NB transactions kovn committed")
            .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
            .maximumExpectedValue(Duration.ofSeconds(30)).register(registry);
    final Counter nbTransactionErrors = Counter.builder("kovn_nb_transaction_errors")
            .description("NB transactions that failed").register(registry);
    final Counter nbOperations = Counter.builder("kovn_nb_operations").description("operations in committed NB transactions")
            .register(registry);

    final Counter nbDriftFound = Counter.builder("kovn_nb_drift_rows_found")
            .description("NB rows the periodic audits found differing from the Kubernetes objects (then repaired)")
            .register(registry);
    final Counter nbAudits = Counter.builder("kovn_nb_audits")
            .description("NB audits run (periodic, after NB's content was replaced, or requested)").register(registry);

    private final java.util.Map<ObjectKey.Kind, Counter> reconcileErrors = new java.util.EnumMap<>(ObjectKey.Kind.class);
    private final java.util.Map<ObjectKey.Kind, Counter> reconciles = new java.util.EnumMap<>(ObjectKey.Kind.class);

    public Metrics() {
        for (ObjectKey.Kind kind : ObjectKey.Kind.values()) {
            reconcileErrors.put(kind, Counter.builder("kovn_reconcile_errors").tag("kind", kind.name().toLowerCase())
                    .description("reconciliations that failed and were retried").register(registry));
            reconciles.put(kind, Counter.builder("kovn_reconciles").tag("kind", kind.name().toLowerCase())
                    .description("objects reconciled (computed into an NB transaction)").register(registry));
        }
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    Counter reconcileErrors(ObjectKey.Kind kind) {
        return reconcileErrors.get(kind);
    }

    /** How many objects of {@code kind} were reconciled. */
    public Counter reconciles(ObjectKey.Kind kind) {
        return reconciles.get(kind);
    }

    /** The NB client's reconnects, leader changes and resyncs after a reconnect (resumed or full). */
    void nbClient(ClientStats stats) {
        FunctionCounter.builder("kovn_nb_reconnects", stats, ClientStats::reconnects)
                .description("NB connections made again after one was lost").register(registry);
        FunctionCounter.builder("kovn_nb_leader_changes", stats, ClientStats::leaderChanges)
                .description("times the NB cluster leader kovn writes to changed").register(registry);
        FunctionCounter.builder("kovn_nb_servers_skipped", stats, ClientStats::serversSkipped)
                .description("NB servers left because they were followers, cut off from their cluster or behind")
                .register(registry);
        FunctionCounter.builder("kovn_nb_resyncs", stats, ClientStats::resumedResyncs).tag("kind", "resumed")
                .description("NB replica resyncs after a reconnect").register(registry);
        FunctionCounter.builder("kovn_nb_resyncs", stats, ClientStats::fullResyncs).tag("kind", "full")
                .description("NB replica resyncs after a reconnect").register(registry);
    }

    void gauge(String name, String kind, Supplier<Number> value) {
        Gauge.builder(name, value).tag("kind", kind).register(registry);
    }

    /** Audits of NB run so far (a test requesting one waits for this to grow). */
    public long nbAudits() {
        return (long) nbAudits.count();
    }

    /** Committed NB transactions so far (tests use it to check that an idle restart writes nothing). */
    public long nbTransactions() {
        return nbTransaction.count();
    }

    public String scrape() {
        return registry.scrape();
    }
}
