package io.kovn.controller;

import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's informers, by kind. Each retries a failed list or watch with fabric8's back-off for as long as it
 * runs: fabric8's default handler gives up for good when the first list fails (an API server that answered a list
 * too slowly once left an informer stopped, its kind never reconciled again).
 */
final class Informers {
    private static final Logger log = LoggerFactory.getLogger(Informers.class);
    private final Map<String, SharedIndexInformer<?>> byKind = new LinkedHashMap<>();

    /** Adds a not yet started informer of {@code kind} (its name in logs and in /healthz, e.g. "pods"). */
    <T> SharedIndexInformer<T> add(String kind, SharedIndexInformer<T> informer) {
        informer.exceptionHandler((started, t) -> {
            log.warn("{} informer: {} failed: {}; retrying", kind, started ? "watch" : "first list", t.toString());
            return true;
        });
        byKind.put(kind, informer);
        return informer;
    }

    void start() {
        byKind.values().forEach(SharedIndexInformer::start);
    }

    void stop() {
        byKind.values().forEach(SharedIndexInformer::stop);
    }

    boolean synced() {
        return byKind.values().stream().allMatch(SharedIndexInformer::hasSynced);
    }

    /**
     * Waits until every informer has listed once; false if {@code timeout} passed or {@code running} turned
     * false first.
     */
    boolean awaitSynced(Duration timeout, BooleanSupplier running) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!synced()) {
            if (!running.getAsBoolean() || System.nanoTime() - deadline > 0) {
                return false;
            }
            Thread.sleep(50);
        }
        return true;
    }

    /** Kinds not synced yet, or not watching (between a failed watch and the next list), one line each. */
    List<String> problems() {
        List<String> out = new ArrayList<>();
        byKind.forEach((kind, i) -> {
            if (!i.hasSynced()) {
                out.add(kind + " informer: not synced");
            } else if (!i.isWatching()) {
                out.add(kind + " informer: not watching (retrying)");
            }
        });
        return out;
    }

    List<String> unsynced() {
        return byKind.entrySet().stream().filter(e -> !e.getValue().hasSynced()).map(Map.Entry::getKey).toList();
    }
}
