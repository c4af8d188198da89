package io.kovn.sandbox.standins;

import java.util.LinkedHashSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A de-duplicating queue of keys worked off by one thread; a key whose handling fails is retried a second
 * later. The stand-ins are level-triggered: handling a key looks at the current objects, never at the event.
 */
final class KeyQueue<K> implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(KeyQueue.class);

    private final String name;
    private final Consumer<K> handler;
    private final LinkedHashSet<K> pending = new LinkedHashSet<>();
    private final ScheduledExecutorService retries;
    private final Thread worker;
    private volatile boolean closed;

    KeyQueue(String name, Consumer<K> handler) {
        this.name = name;
        this.handler = handler;
        retries = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, name + "-retry"));
        worker = daemon(this::run, name);
        worker.start();
    }

    void add(K key) {
        synchronized (pending) {
            if (pending.add(key)) {
                pending.notifyAll();
            }
        }
    }

    private void run() {
        while (!closed) {
            K key;
            synchronized (pending) {
                while (pending.isEmpty() && !closed) {
                    try {
                        pending.wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (closed) {
                    return;
                }
                key = pending.iterator().next();
                pending.remove(key);
            }
            try {
                handler.accept(key);
            } catch (RuntimeException e) {
                if (!closed) {
                    log.info("{}: {} failed, retrying in 1 s: {}", name, key, e.toString());
                    retries.schedule(() -> add(key), 1, TimeUnit.SECONDS);
                }
            }
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    @Override
    public void close() {
        closed = true;
        retries.shutdownNow();
        worker.interrupt();
    }
}
