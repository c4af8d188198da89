package io.kovn.controller;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import io.kovn.controller.reconcile.ObjectIndex;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * An informer's store that keeps, of each object, the copy its {@link Watch} declares ({@link Watch#stored}): the
 * informer's handlers still see the whole new object, the store (what the reconcilers read, and the "before" of the
 * next update) only the copy. Keyed like fabric8's own store ("namespace/name").
 *
 * <p>It keeps the watch's indexes itself, the keys of each indexed value in an array: fabric8's informer holds a hash
 * entry per object and value (with the object's resourceVersion), some 150 bytes a pod for its namespace and two
 * labels, where an array slot is 4 to 6.
 */
final class CopyingItemStore<T extends HasMetadata> implements ItemStore<T>, ObjectIndex<T> {
    private final Map<String, T> items = new ConcurrentHashMap<>();
    private final UnaryOperator<T> copy;
    private final Map<String, Function<T, List<String>>> indexers;
    /** Index name, indexed value: the keys of the objects the index gives that value. Guarded by this. */
    private final Map<String, Map<String, Keys>> indices = new HashMap<>();

    CopyingItemStore(UnaryOperator<T> copy, Map<String, Function<T, List<String>>> indexers) {
        this.copy = copy;
        this.indexers = Map.copyOf(indexers);
        indexers.keySet().forEach(name -> indices.put(name, new HashMap<>()));
    }

    /**
     * Interned: the informer keeps the key in its store and in every index the object is in, and NB's replica
     * (which interns its strings) holds the same text as the owner of the object's rows: one instance for all.
     */
    @Override
    public String getKey(T obj) {
        return Cache.metaNamespaceKeyFunc(obj).intern();
    }

    @Override
    public synchronized T put(String key, T obj) {
        T stored = copy.apply(obj);
        T old = items.put(key, stored);
        reindex(key, old, stored);
        return old;
    }

    @Override
    public synchronized T remove(String key) {
        T old = items.remove(key);
        reindex(key, old, null);
        return old;
    }

    @Override
    public Stream<String> keySet() {
        return items.keySet().stream();
    }

    @Override
    public Stream<T> values() {
        return items.values().stream();
    }

    @Override
    public int size() {
        return items.size();
    }

    @Override
    public T get(String key) {
        return items.get(key);
    }

    @Override
    public List<T> byIndex(String index, String value) {
        String[] keys;
        synchronized (this) {
            Map<String, Keys> byValue = indices.get(index);
            if (byValue == null) {
                throw new IllegalArgumentException("no index " + index);
            }
            Keys k = byValue.get(value);
            keys = k == null ? new String[0] : Arrays.copyOf(k.keys, k.size);
        }
        List<T> out = new ArrayList<>(keys.length);
        for (String key : keys) {
            T obj = items.get(key);
            if (obj != null) {
                out.add(obj);
            }
        }
        return out;
    }

    /** Moves {@code key} from the values {@code before} had to those {@code after} has (null: none). */
    private void reindex(String key, T before, T after) {
        indexers.forEach((name, f) -> {
            List<String> was = before == null ? List.of() : f.apply(before);
            List<String> is = after == null ? List.of() : f.apply(after);
            Map<String, Keys> byValue = indices.get(name);
            for (String v : was) {
                if (!is.contains(v)) {
                    Keys k = byValue.get(v);
                    if (k != null && k.remove(key) && k.size == 0) {
                        byValue.remove(v);
                    }
                }
            }
            for (String v : is) {
                if (!was.contains(v)) {
                    byValue.computeIfAbsent(v, x -> new Keys()).add(key);
                }
            }
        });
    }

    /** The keys of one indexed value, in no order; a key is in it once. */
    private static final class Keys {
        private String[] keys = new String[2];
        private int size;

        void add(String key) {
            if (size == keys.length) {
                keys = Arrays.copyOf(keys, size + (size >> 1) + 1);
            }
            keys[size++] = key;
        }

        /** Whether {@code key} was here; the last key takes its place. */
        boolean remove(String key) {
            for (int i = 0; i < size; i++) {
                if (keys[i].equals(key)) {
                    keys[i] = keys[--size];
                    keys[size] = null;
                    if (size < keys.length >> 2) {
                        keys = Arrays.copyOf(keys, Math.max(2, size * 2));
                    }
                    return true;
                }
            }
            return false;
        }
    }
}
