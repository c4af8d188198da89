package io.kovn.sandbox.e2e;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Pod churn in the background while a test breaks something: pods are created one after another (with
 * {@code deletes}, every third one deleted again a little later) until {@link #stop()}; it knows which pods should
 * exist at the end.
 */
final class Churn implements AutoCloseable {
    private final Pods pods;
    private final String prefix;
    private final long pauseMillis;
    private final boolean deletes;
    private final Thread thread;
    private final AtomicInteger created = new AtomicInteger();
    private final Set<String> live = ConcurrentHashMap.newKeySet();
    private final AtomicReference<RuntimeException> failure = new AtomicReference<>();
    private volatile boolean stop;

    Churn(Pods pods, String prefix, long pauseMillis, boolean deletes) {
        this.pods = pods;
        this.prefix = prefix;
        this.pauseMillis = pauseMillis;
        this.deletes = deletes;
        this.thread = new Thread(this::run, "churn-" + prefix);
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        List<String> order = new ArrayList<>();
        try {
            while (!stop) {
                String name = prefix + "-" + created.getAndIncrement();
                pods.pause(name, null);
                live.add(name);
                order.add(name);
                if (deletes && order.size() % 3 == 0 && order.size() >= 6) {
                    String victim = order.get(order.size() - 6);
                    pods.client().pods().inNamespace(pods.namespace()).withName(victim).withGracePeriod(0).delete();
                    live.remove(victim);
                }
                Thread.sleep(pauseMillis);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            failure.set(e);
        }
    }

    int created() {
        return created.get();
    }

    /** Stops creating; returns the pods that should exist (created and not deleted). */
    Set<String> stop() throws InterruptedException {
        stop = true;
        thread.join(60_000);
        if (failure.get() != null) {
            throw failure.get();
        }
        return Set.copyOf(live);
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
