package io.kovn.node.underlay;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.kovn.cni.CniInputs;
import io.kovn.node.kube.AgentNode;
import io.kovn.ovn.annotations.UnderlayPool;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the VM's pool cache ({@link PortPool}) equal to the pool the controller publishes on this VM's Node
 * ({@value UnderlayPool#ANNOTATION}): on every change of the Node and every {@link #RESYNC} (entries a DEL freed are
 * corrected then). The annotation is hostile input: it is parsed strictly as a whole, and one that does not parse
 * leaves the cache as it is (logged, and named by {@link #problem()} on /healthz). A Node without the annotation also
 * leaves the cache alone: the controller may not have written it yet. Syncs run on one thread, one at a time.
 */
public final class NodePoolSync implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NodePoolSync.class);
    static final Duration RESYNC = Duration.ofSeconds(30);

    private final String nodeName;
    private final PortPool pool;
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "underlay-pool-sync");
        t.setDaemon(true);
        return t;
    });
    private final AtomicBoolean queued = new AtomicBoolean();
    private volatile SharedIndexInformer<AgentNode> informer;
    private volatile String problem;

    private NodePoolSync(String nodeName, PortPool pool) {
        this.nodeName = nodeName;
        this.pool = pool;
    }

    /** Watches the Node and syncs on every change and every {@link #RESYNC}. */
    public static NodePoolSync start(KubernetesClient client, String nodeName, PortPool pool) {
        NodePoolSync s = new NodePoolSync(nodeName, pool);
        ResourceEventHandler<AgentNode> handler = new ResourceEventHandler<>() {
            @Override
            public void onAdd(AgentNode n) {
                s.trigger();
            }

            @Override
            public void onUpdate(AgentNode old, AgentNode n) {
                s.trigger();
            }

            @Override
            public void onDelete(AgentNode n, boolean unknownFinalState) {
                // the cache stays: pods keep their ports, and a Node registered again brings its pool back
            }
        };
        s.informer = client.resources(AgentNode.class).withField("metadata.name", nodeName).inform(handler, 0);
        s.thread.scheduleWithFixedDelay(s::trigger, RESYNC.toMillis(), RESYNC.toMillis(), TimeUnit.MILLISECONDS);
        return s;
    }

    private void trigger() {
        if (queued.compareAndSet(false, true)) {
            thread.execute(() -> {
                queued.set(false);
                syncNow();
            });
        }
    }

    private void syncNow() {
        Optional<AgentNode> node = Optional.ofNullable(informer).flatMap(i -> i.getStore().list().stream()
                .filter(n -> nodeName.equals(n.getMetadata().getName())).findFirst());
        Map<String, String> a = node.map(n -> n.getMetadata().getAnnotations()).orElse(null);
        String json = a == null ? null : a.get(UnderlayPool.ANNOTATION);
        if (json == null) {
            return;
        }
        UnderlayPool wanted;
        try {
            wanted = UnderlayPool.parse(json);
        } catch (IllegalArgumentException e) {
            problem = "Node " + nodeName + ": " + UnderlayPool.ANNOTATION + " refused: " + CniInputs.shown(e.getMessage());
            log.warn("underlay pool: {}; the cache stays as it is", problem);
            return;
        }
        try {
            pool.sync(wanted);
            problem = null;
        } catch (RuntimeException e) {
            problem = "syncing the pool cache failed: " + e.getMessage();
            log.warn("underlay pool: {}; trying again in {} s", problem, RESYNC.toSeconds(), e);
        }
    }

    /** Why the cache may not match the Node's pool, or empty. */
    public Optional<String> problem() {
        SharedIndexInformer<AgentNode> i = informer;
        if (i != null && !i.isWatching()) {
            return Optional.of("Node informer: not watching (retrying)");
        }
        return Optional.ofNullable(problem);
    }

    @Override
    public void close() {
        SharedIndexInformer<AgentNode> i = informer;
        if (i != null) {
            i.stop();
        }
        thread.shutdownNow();
    }
}
