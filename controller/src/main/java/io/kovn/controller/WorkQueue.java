package io.kovn.controller;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A de-duplicating queue of object keys, as in client-go's workqueue: a key added several times before it is
 * taken is handled once; a key added while it is being handled is handled again afterwards; failed keys come
 * back after an exponential back-off. Takers get batches, so a burst becomes a few large NB transactions.
 */
public final class WorkQueue implements AutoCloseable {
    private final Set<ObjectKey> ready = new LinkedHashSet<>();
    private final Set<ObjectKey> processing = new HashSet<>();
    private final Set<ObjectKey> dirty = new HashSet<>();
    private final Map<ObjectKey, Integer> failures = new HashMap<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "kovn-workqueue-timer");
        t.setDaemon(true);
        return t;
    });
    private final Duration minBackoff;
    private final Duration maxBackoff;
    private boolean closed;

    public WorkQueue(Duration minBackoff, Duration maxBackoff) {
        this.minBackoff = minBackoff;
        this.maxBackoff = maxBackoff;
    }

    public synchronized void add(ObjectKey key) {
        if (closed) {
            return;
        }
        if (processing.contains(key)) {
            dirty.add(key);
        } else if (ready.add(key)) {
            notifyAll();
        }
    }

    /** Adds {@code key} after {@code delay}; nothing once closed (a retry of a task that ended with leadership). */
    public void addAfter(ObjectKey key, Duration delay) {
        synchronized (this) {
            if (closed) {
                return;
            }
        }
        try {
            timer.schedule(() -> add(key), delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // closed meanwhile
        }
    }

    /** Re-adds a failed key after a back-off that doubles with each consecutive failure; returns the delay. */
    public Duration retry(ObjectKey key) {
        int n;
        synchronized (this) {
            n = failures.merge(key, 1, Integer::sum);
        }
        long ms = Math.min(maxBackoff.toMillis(), minBackoff.toMillis() << Math.min(n - 1, 20));
        Duration d = Duration.ofMillis(ms);
        addAfter(key, d);
        return d;
    }

    public synchronized int failures(ObjectKey key) {
        return failures.getOrDefault(key, 0);
    }

    /** The key succeeded: its back-off starts over. */
    public synchronized void forget(ObjectKey key) {
        failures.remove(key);
    }

    /** Waits up to {@code wait} for work, then takes up to {@code max} keys. Empty if closed or timed out. */
    public synchronized List<ObjectKey> take(int max, Duration wait) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (ready.isEmpty() && !closed) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return List.of();
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        List<ObjectKey> batch = new ArrayList<>();
        var it = ready.iterator();
        while (it.hasNext() && batch.size() < max) {
            ObjectKey k = it.next();
            it.remove();
            processing.add(k);
            batch.add(k);
        }
        return batch;
    }

    /**
     * Marks {@code keys} as being handled, as if taken, by a caller that handles them outside the queue (the full
     * sync): each ends with {@link #done}; one added meanwhile, or queued already, is handled again afterwards.
     */
    public synchronized void claim(Iterable<ObjectKey> keys) {
        for (ObjectKey k : keys) {
            if (ready.remove(k)) {
                dirty.add(k);
            }
            processing.add(k);
        }
    }

    /** Handling of {@code key} ended (successfully or not). */
    public synchronized void done(ObjectKey key) {
        processing.remove(key);
        if (dirty.remove(key)) {
            ready.add(key);
            notifyAll();
        }
    }

    public synchronized int depth() {
        return ready.size();
    }

    public synchronized boolean idle() {
        return ready.isEmpty() && processing.isEmpty();
    }

    @Override
    public synchronized void close() {
        closed = true;
        ready.clear();
        notifyAll();
        timer.shutdownNow();
    }
}
