package io.kovn.node;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;

/** The node agent's Prometheus metrics: CNI requests by command and outcome, and leftovers removed. */
public final class NodeMetrics {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Counter leftovers = Counter.builder("kovn_node_leftovers_removed")
            .description("OVS ports and veths of pods that no longer exist, removed by the clean-up")
            .register(registry);

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

    public void leftoversRemoved(int n) {
        leftovers.increment(n);
    }

    public String scrape() {
        return registry.scrape();
    }
}
