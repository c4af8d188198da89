package io.kovn.node.kube;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pods scheduled to this node (field selector spec.nodeName), kept by an informer as {@link AgentPod}s. CNI
 * requests wait here for what the controller writes (the pod-networks annotation) and learn here that their pod went
 * away.
 */
public final class PodWatcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PodWatcher.class);

    /** The pod was deleted (or replaced by one with another uid) while someone waited for it. */
    public static final class PodGoneException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public PodGoneException(String key) {
            super("pod " + key + " was deleted");
        }
    }

    private record Waiter(Predicate<AgentPod> ready, String uid, CompletableFuture<AgentPod> future) {
    }

    private final SharedIndexInformer<AgentPod> informer;
    private final Map<String, List<Waiter>> waiters = new ConcurrentHashMap<>();

    public PodWatcher(KubernetesClient client, String nodeName) {
        informer = client.resources(AgentPod.class).inAnyNamespace().withField("spec.nodeName", nodeName)
                .runnableInformer(0);
        // retry a failed list or watch with back-off for as long as the agent runs (fabric8 gives up on the first list)
        informer.exceptionHandler((started, t) -> {
            log.warn("pods informer: {}; retrying", t.toString());
            return true;
        });
        informer.addEventHandler(new Handler());
        informer.run();
    }

    public static String key(String namespace, String name) {
        return namespace + "/" + name;
    }

    public Optional<AgentPod> get(String namespace, String name) {
        return Optional.ofNullable(informer.getStore().getByKey(key(namespace, name)));
    }

    public boolean hasSynced() {
        return informer.hasSynced();
    }

    /** False while the informer is between a failed watch and its next list. */
    public boolean isWatching() {
        return informer.isWatching();
    }

    /**
     * Completes with the pod (of that uid, if given) once it satisfies {@code ready}, at once if it does already;
     * fails with {@link PodGoneException} if the pod is deleted first. The caller bounds the wait.
     */
    public CompletableFuture<AgentPod> await(String namespace, String name, String uid, Predicate<AgentPod> ready) {
        String key = key(namespace, name);
        Waiter w = new Waiter(ready, uid, new CompletableFuture<>());
        waiters.computeIfAbsent(key, k -> new CopyOnWriteArrayList<>()).add(w);
        w.future.whenComplete((p, e) -> waiters.computeIfPresent(key, (k, l) -> {
            l.remove(w);
            return l.isEmpty() ? null : l;
        }));
        get(namespace, name).ifPresent(p -> offer(w, p));
        return w.future;
    }

    /**
     * Completes when the pod with this uid is gone (deleted, or replaced by another pod of the same name).
     * Complete or cancel it when no longer interested: that unregisters it.
     */
    public CompletableFuture<Void> awaitGone(String namespace, String name, String uid) {
        CompletableFuture<Void> gone = new CompletableFuture<>();
        CompletableFuture<AgentPod> watch = await(namespace, name, uid, p -> false);
        watch.whenComplete((p, e) -> gone.complete(null));
        gone.whenComplete((v, e) -> watch.cancel(false));
        Optional<AgentPod> now = get(namespace, name);
        if (now.isEmpty() || !uid.equals(now.get().getMetadata().getUid())) {
            gone.complete(null);
        }
        return gone;
    }

    /** A pod of the same name but another uid is not the one waited for: it may be an old one still cached. */
    private static void offer(Waiter w, AgentPod p) {
        if ((w.uid == null || w.uid.equals(p.getMetadata().getUid())) && w.ready.test(p)) {
            w.future.complete(p);
        }
    }

    private void changed(AgentPod p, boolean deleted) {
        String key = key(p.getMetadata().getNamespace(), p.getMetadata().getName());
        List<Waiter> l = waiters.get(key);
        if (l == null) {
            return;
        }
        for (Waiter w : l) {
            if (deleted) {
                if (w.uid == null || w.uid.equals(p.getMetadata().getUid())) {
                    w.future.completeExceptionally(new PodGoneException(key));
                }
            } else {
                offer(w, p);
            }
        }
    }

    private final class Handler implements ResourceEventHandler<AgentPod> {
        @Override
        public void onAdd(AgentPod p) {
            changed(p, false);
        }

        @Override
        public void onUpdate(AgentPod old, AgentPod p) {
            changed(p, false);
        }

        @Override
        public void onDelete(AgentPod p, boolean finalStateUnknown) {
            changed(p, true);
        }
    }

    @Override
    public void close() {
        informer.close();
    }
}
