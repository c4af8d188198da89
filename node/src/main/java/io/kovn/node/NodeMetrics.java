package io.kovn.node;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The node agent's Prometheus metrics: CNI requests by command and outcome, leftovers removed, a pod's creation to
 * ovn-installed, and the status reports it wrote or dropped.
 */
public final class NodeMetrics {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Counter leftovers = Counter.builder("kovn_node_leftovers_removed")
            .description("OVS ports and veths of pods that no longer exist, removed by the clean-up")
            .register(registry);

    private final Map<String, AtomicInteger> inProgress = new ConcurrentHashMap<>();

    /**
     * A CNI request of {@code command} parsed and being handled (an ADD waiting for the controller's annotation or
     * for ovn-controller counts until it is answered): {@code kovn_cni_requests_in_progress}.
     */
    public void cniStarted(String command) {
        inProgress(command).incrementAndGet();
    }

    /** The end of what {@link #cniStarted} began. */
    public void cniEnded(String command) {
        inProgress(command).decrementAndGet();
    }

    /** CNI requests of {@code command} being handled now. */
    public int cniInProgress(String command) {
        return inProgress(command).get();
    }

    private AtomicInteger inProgress(String command) {
        return inProgress.computeIfAbsent(command, c -> {
            AtomicInteger n = new AtomicInteger();
            Gauge.builder("kovn_cni_requests_in_progress", n, AtomicInteger::get)
                    .description("CNI requests the node agent is handling now (an ADD waits for its annotation and for "
                            + "ovn-controller), by command").tag("command", c).register(registry);
            return n;
        });
    }

    /**
     * One CNI request answered: {@code command} ADD, DEL, CHECK, STATUS or GC; {@code result} "ok" or the CNI
     * error code the agent answered with.
     */
    public void cniRequest(String command, String result, Duration took) {
        Timer.builder("kovn_cni_request").description("CNI requests the node agent answered, by command and result")
                .tag("command", command).tag("result", result)
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(60)).register(registry).record(took);
    }

    private final Timer podCreatedToOvnInstalled = Timer.builder("kovn_pod_created_to_ovn_installed")
            .description("time from a pod's creation (its creationTimestamp, 1 s resolution) to its OVS interface "
                    + "being marked ovn-installed, as CNI ADD saw it")
            .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(10))
            .maximumExpectedValue(Duration.ofSeconds(120)).register(registry);
    private final Counter statusReportsDropped = Counter.builder("kovn_node_status_reports_dropped")
            .description("pod status reports dropped because the reporter's queue was full (the API too slow)")
            .register(registry);

    public void podCreatedToOvnInstalled(Duration d) {
        if (!d.isNegative()) {
            podCreatedToOvnInstalled.record(d);
        }
    }

    public void statusReportDropped() {
        statusReportsDropped.increment();
    }

    /** One status PATCH of a {@code kind} (pod, node) by the agent; {@code result} ok or failed. */
    public void statusPatch(String kind, String result) {
        Counter.builder("kovn_node_status_patches").description("status patches the node agent sent, by kind and result")
                .tag("kind", kind).tag("result", result).register(registry).increment();
    }

    public void leftoversRemoved(int n) {
        leftovers.increment(n);
    }

    public String scrape() {
        return registry.scrape();
    }
}
