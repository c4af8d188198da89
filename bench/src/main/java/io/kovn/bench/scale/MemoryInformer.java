package io.kovn.bench.scale;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.informers.ExceptionHandler;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Indexer;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import io.fabric8.kubernetes.client.informers.cache.Store;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * An informer fed by a {@link MemoryCluster} instead of a list and a watch: on start it stores the cluster's
 * objects of its kind and calls {@code onAdd} for each (the list), then every change the cluster makes, in order,
 * on its own thread (the watch), storing before it calls the handlers as fabric8 does: in the item store the
 * controller gives it (the copy its watch keeps), the handlers seeing the whole new object and the stored old one.
 * No resync.
 */
final class MemoryInformer<T extends HasMetadata> implements SharedIndexInformer<T> {
    private final Class<T> type;
    private final MemoryCluster cluster;
    private final MemoryIndexer<T> store = new MemoryIndexer<>();
    private final List<ResourceEventHandler<? super T>> handlers = new CopyOnWriteArrayList<>();
    private final ExecutorService delivery;
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();
    private volatile boolean synced;
    private volatile boolean running;

    MemoryInformer(Class<T> type, MemoryCluster cluster) {
        this.type = type;
        this.cluster = cluster;
        this.delivery = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "memory-informer-" + type.getSimpleName());
            t.setDaemon(true);
            return t;
        });
    }

    /** The list: called by the cluster, with the objects it holds when this informer subscribed. */
    void listed(List<T> objects) {
        delivery.execute(() -> {
            for (T o : objects) {
                added(o);
            }
            synced = true;
        });
    }

    /** A change the cluster made (null {@code now}: deleted), delivered after every earlier one. */
    void changed(T before, T now) {
        delivery.execute(() -> {
            if (now == null) {
                T old = store.remove(before);
                if (old != null) {
                    handlers.forEach(h -> h.onDelete(old, false));
                }
            } else {
                added(now);
            }
        });
    }

    private void added(T o) {
        T old = store.put(o);
        if (old == null) {
            handlers.forEach(h -> h.onAdd(o));
        } else {
            handlers.forEach(h -> h.onUpdate(old, o));
        }
    }

    @Override
    public SharedIndexInformer<T> addIndexers(Map<String, Function<T, List<String>>> indexers) {
        store.addIndexers(indexers);
        return this;
    }

    @Override
    public SharedIndexInformer<T> removeIndexer(String name) {
        store.removeIndexer(name);
        return this;
    }

    @Override
    public Indexer<T> getIndexer() {
        return store;
    }

    @Override
    public SharedIndexInformer<T> addEventHandler(ResourceEventHandler<? super T> handler) {
        handlers.add(handler);
        return this;
    }

    @Override
    public SharedIndexInformer<T> removeEventHandler(ResourceEventHandler<? super T> handler) {
        handlers.remove(handler);
        return this;
    }

    @Override
    public SharedIndexInformer<T> addEventHandlerWithResyncPeriod(ResourceEventHandler<? super T> handler, long resync) {
        return addEventHandler(handler);
    }

    @Override
    public SharedIndexInformer<T> run() {
        start();
        return this;
    }

    @Override
    public CompletionStage<Void> start() {
        running = true;
        cluster.subscribe(type, this);
        CompletableFuture<Void> done = new CompletableFuture<>();
        delivery.execute(() -> done.complete(null));
        return done;
    }

    @Override
    public void stop() {
        running = false;
        cluster.unsubscribe(type, this);
        delivery.shutdownNow();
        stopped.complete(null);
    }

    @Override
    public boolean hasSynced() {
        return synced;
    }

    @Override
    public String lastSyncResourceVersion() {
        return synced ? Long.toString(cluster.resourceVersion()) : null;
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public Class<T> getApiTypeClass() {
        return type;
    }

    @Override
    public boolean isWatching() {
        return running && synced;
    }

    @Override
    public Store<T> getStore() {
        return store;
    }

    @Override
    public SharedIndexInformer<T> initialState(Stream<T> items) {
        throw new UnsupportedOperationException("a memory informer's initial state is its cluster's");
    }

    @Override
    public SharedIndexInformer<T> itemStore(ItemStore<T> itemStore) {
        store.itemStore(itemStore);
        return this;
    }

    @Override
    public SharedIndexInformer<T> exceptionHandler(ExceptionHandler handler) {
        return this; // lists and watches from memory do not fail
    }

    @Override
    public CompletionStage<Void> stopped() {
        return stopped;
    }
}
