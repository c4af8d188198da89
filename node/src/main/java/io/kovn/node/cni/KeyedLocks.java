package io.kovn.node.cni;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One lock per key (a pod interface's host veth name), created on demand and dropped when nobody holds or waits
 * for it: operations on one pod interface run one at a time, those on different ones never wait for each other.
 */
final class KeyedLocks {
    private static final class Entry {
        final ReentrantLock lock = new ReentrantLock();
        int users;
    }

    /** A held lock; closing releases it. */
    interface Held extends AutoCloseable {
        @Override
        void close();
    }

    private final Map<String, Entry> entries = new HashMap<>();

    Held lock(String key) {
        Entry e = enter(key);
        e.lock.lock();
        return () -> release(key, e);
    }

    /** The lock if it is free now, else null. */
    Held tryLock(String key) {
        Entry e = enter(key);
        if (e.lock.tryLock()) {
            return () -> release(key, e);
        }
        leave(key, e);
        return null;
    }

    private Entry enter(String key) {
        synchronized (entries) {
            Entry e = entries.computeIfAbsent(key, k -> new Entry());
            e.users++;
            return e;
        }
    }

    private void release(String key, Entry e) {
        e.lock.unlock();
        leave(key, e);
    }

    private void leave(String key, Entry e) {
        synchronized (entries) {
            if (--e.users == 0) {
                entries.remove(key);
            }
        }
    }
}
