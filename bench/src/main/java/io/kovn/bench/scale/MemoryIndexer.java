package io.kovn.bench.scale;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.informers.cache.BasicItemStore;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.informers.cache.Indexer;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * An informer's store in memory, keyed "namespace/name" (or "name") like fabric8's, with its indexers; a
 * {@code namespace} index is there from the start, as in fabric8's informers.
 */
final class MemoryIndexer<T extends HasMetadata> implements Indexer<T> {
    static final String NAMESPACE_INDEX = "namespace";

    /** fabric8's own store unless the informer was given one ({@link #itemStore}), as in a fabric8 informer. */
    private ItemStore<T> items = new BasicItemStore<>(Cache::metaNamespaceKeyFunc);
    private final Map<String, Function<T, List<String>>> indexers = new LinkedHashMap<>();
    private final Map<String, Map<String, Set<String>>> indices = new HashMap<>();

    MemoryIndexer() {
        addIndexers(Map.of(NAMESPACE_INDEX, o -> o.getMetadata().getNamespace() == null ? List.of()
                : List.of(o.getMetadata().getNamespace())));
    }

    static String key(HasMetadata o) {
        String ns = o.getMetadata().getNamespace();
        return ns == null || ns.isEmpty() ? o.getMetadata().getName() : ns + "/" + o.getMetadata().getName();
    }

    /** Keeps the objects in {@code store} from now on; only before the first object came. */
    synchronized void itemStore(ItemStore<T> store) {
        if (items.size() > 0) {
            throw new IllegalStateException("the store holds objects already");
        }
        items = store;
    }

    /** Stores {@code obj}; returns the object it replaced, or null. */
    synchronized T put(T obj) {
        String k = items.getKey(obj);
        T old = items.put(k, obj);
        if (old != null) {
            unindexItem(k, old);
        }
        indexItem(k, obj);
        return old;
    }

    synchronized T remove(T obj) {
        String k = items.getKey(obj);
        T old = items.remove(k);
        if (old != null) {
            unindexItem(k, old);
        }
        return old;
    }

    private void indexItem(String k, T obj) {
        indexers.forEach((name, f) -> {
            Map<String, Set<String>> index = indices.get(name);
            for (String v : f.apply(obj)) {
                index.computeIfAbsent(v, x -> new HashSet<>()).add(k);
            }
        });
    }

    private void unindexItem(String k, T obj) {
        indexers.forEach((name, f) -> {
            Map<String, Set<String>> index = indices.get(name);
            for (String v : f.apply(obj)) {
                Set<String> keys = index.get(v);
                if (keys != null && keys.remove(k) && keys.isEmpty()) {
                    index.remove(v);
                }
            }
        });
    }

    @Override
    public synchronized List<T> list() {
        return items.values().toList();
    }

    @Override
    public synchronized List<String> listKeys() {
        return items.keySet().toList();
    }

    @Override
    public synchronized T get(T obj) {
        return items.get(key(obj));
    }

    @Override
    public synchronized T getByKey(String key) {
        return items.get(key);
    }

    @Override
    public String getKey(T obj) {
        return key(obj);
    }

    @Override
    public synchronized List<T> index(String indexName, T obj) {
        Function<T, List<String>> f = indexer(indexName);
        Set<String> keys = new HashSet<>();
        for (String v : f.apply(obj)) {
            keys.addAll(indices.get(indexName).getOrDefault(v, Set.of()));
        }
        return keys.stream().map(items::get).toList();
    }

    @Override
    public synchronized List<String> indexKeys(String indexName, String indexedValue) {
        indexer(indexName);
        return new ArrayList<>(indices.get(indexName).getOrDefault(indexedValue, Set.of()));
    }

    @Override
    public synchronized List<T> byIndex(String indexName, String indexedValue) {
        indexer(indexName);
        List<T> out = new ArrayList<>();
        for (String k : indices.get(indexName).getOrDefault(indexedValue, Set.of())) {
            out.add(items.get(k));
        }
        return out;
    }

    @Override
    public synchronized Map<String, Function<T, List<String>>> getIndexers() {
        return Map.copyOf(indexers);
    }

    @Override
    public synchronized void addIndexers(Map<String, Function<T, List<String>>> more) {
        more.forEach((name, f) -> {
            if (indexers.containsKey(name)) {
                throw new IllegalArgumentException("indexer " + name + " exists already");
            }
            indexers.put(name, f);
            Map<String, Set<String>> index = new HashMap<>();
            indices.put(name, index);
            items.keySet().forEach(k -> {
                for (String v : f.apply(items.get(k))) {
                    index.computeIfAbsent(v, x -> new HashSet<>()).add(k);
                }
            });
        });
    }

    @Override
    public synchronized void removeIndexer(String name) {
        indexers.remove(name);
        indices.remove(name);
    }

    private Function<T, List<String>> indexer(String name) {
        Function<T, List<String>> f = indexers.get(name);
        if (f == null) {
            throw new IllegalArgumentException("no indexer " + name);
        }
        return f;
    }
}
