package io.kovn.controller;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * An informer's store that keeps, of each object, the copy its {@link Watch} declares ({@link Watch#stored}): the
 * informer's handlers still see the whole new object, the store (what the reconcilers read, and the "before" of the
 * next update) only the copy. Keyed like fabric8's own store ("namespace/name").
 */
final class CopyingItemStore<T extends HasMetadata> implements ItemStore<T> {
    private final Map<String, T> items = new ConcurrentHashMap<>();
    private final UnaryOperator<T> copy;

    CopyingItemStore(UnaryOperator<T> copy) {
        this.copy = copy;
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
    public T put(String key, T obj) {
        return items.put(key, copy.apply(obj));
    }

    @Override
    public T remove(String key) {
        return items.remove(key);
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
}
