package io.kovn.sandbox.standins;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stand-in for kubelet and a container runtime on one sandbox node. It watches the pods bound to its node and,
 * for each, makes a network namespace (the pod sandbox), runs the node's CNI plugin in it exactly as a runtime
 * would (ADD, and DEL when the pod goes), runs the pod's containers as processes inside that namespace (on the
 * host's file system: there are no images) and reports the pod's status (IP, phase, Ready) through the API.
 * See {@link RuntimePod} for what a container runs.
 */
public final class PodRuntime implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PodRuntime.class);
    /** Annotation with the pod's network namespace path, for {@code kovn sandbox exec} and status. */
    public static final String NETNS_ANNOTATION = "sandbox.kovn.io/netns";

    /** What a pod runtime needs to know of its node. */
    /**
     * {@code agentPaths}: where directories the node agent names in the CNI config (by the path it sees them at,
     * in a container) are on this machine; empty when the agent sees this machine's paths.
     */
    public record NodeContext(String nodeName, String hostIp, Path confList, Path cniBinDir, Path podsDir, Path cniLog,
                              Map<String, Path> agentPaths) {
        /** An agent that sees this machine's paths. */
        public NodeContext(String nodeName, String hostIp, Path confList, Path cniBinDir, Path podsDir, Path cniLog) {
            this(nodeName, hostIp, confList, cniBinDir, podsDir, cniLog, Map.of());
        }
    }

    private final KubernetesClient client;
    private final NodeContext node;
    private final CniExec cni;
    private final SharedIndexInformer<Pod> informer;
    private final Map<String, RuntimePod> pods = new ConcurrentHashMap<>(); // by uid
    private final ExecutorService workers;
    private final ScheduledExecutorService timers;
    private volatile boolean closed;

    public PodRuntime(KubernetesClient client, NodeContext node) {
        this.client = client;
        this.node = node;
        this.cni = new CniExec(node.confList(), node.cniBinDir(), node.cniLog(), node.agentPaths());
        // CNI ADD blocks until the controller has annotated the pod: many may wait at once
        workers = Executors.newFixedThreadPool(24, r -> daemon(r, "pod-runtime-" + node.nodeName()));
        timers = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "pod-runtime-timer-" + node.nodeName()));
        informer = client.pods().inAnyNamespace().withField("spec.nodeName", node.nodeName()).runnableInformer(0);
        informer.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Pod p) {
                sync(p);
            }

            @Override
            public void onUpdate(Pod old, Pod p) {
                sync(p);
            }

            @Override
            public void onDelete(Pod p, boolean unknown) {
                RuntimePod rp = pods.get(p.getMetadata().getUid());
                if (rp != null) {
                    stop(rp, true);
                }
            }
        });
        informer.start();
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    public String nodeName() {
        return node.nodeName();
    }

    private synchronized void sync(Pod p) {
        if (closed || !node.nodeName().equals(p.getSpec().getNodeName())) {
            return;
        }
        String uid = p.getMetadata().getUid();
        RuntimePod rp = pods.get(uid);
        if (p.getMetadata().getDeletionTimestamp() != null) {
            if (rp != null) {
                stop(rp, true).thenDelete();
            }
            return;
        }
        if (rp != null) {
            rp.updated(p);
            return;
        }
        // a pod of the same name with another uid is an older incarnation that went away
        for (RuntimePod other : List.copyOf(pods.values())) {
            if (other.namespace().equals(p.getMetadata().getNamespace()) && other.name().equals(p.getMetadata().getName())) {
                stop(other, true);
            }
        }
        RuntimePod created = new RuntimePod(client, node, cni, p, timers);
        pods.put(uid, created);
        workers.submit(created::setUp);
    }

    /** A pod that is being stopped; {@link #thenDelete} finishes a graceful deletion as kubelet does. */
    final class Stopping {
        private final RuntimePod pod;
        private final Future<?> done;

        Stopping(RuntimePod pod, Future<?> done) {
            this.pod = pod;
            this.done = done;
        }

        void thenDelete() {
            workers.submit(() -> {
                try {
                    done.get();
                    pod.deleteObject();
                } catch (Exception e) {
                    log.info("could not finish the deletion of {}: {}", pod, e.toString());
                }
            });
        }
    }

    private Stopping stop(RuntimePod rp, boolean cniDel) {
        if (!rp.markStopping()) {
            return new Stopping(rp, java.util.concurrent.CompletableFuture.completedFuture(null));
        }
        Future<?> f = workers.submit(() -> {
            rp.tearDown(cniDel);
            pods.remove(rp.uid(), rp);
        });
        return new Stopping(rp, f);
    }

    /** The pods this runtime runs now. */
    public List<RuntimePod> pods() {
        return new ArrayList<>(pods.values());
    }

    /**
     * Stops the runtime. {@code tearDownPods}: stop every pod's processes, run CNI DEL and remove its namespace,
     * as when a node is drained; otherwise only the processes and namespaces go (the node goes as a whole).
     */
    public void close(boolean tearDownPods) {
        synchronized (this) {
            closed = true;
        }
        informer.close();
        List<Future<?>> all = new ArrayList<>();
        for (RuntimePod rp : List.copyOf(pods.values())) {
            all.add(workers.submit(() -> rp.tearDown(tearDownPods)));
        }
        for (Future<?> f : all) {
            try {
                f.get(60, TimeUnit.SECONDS);
            } catch (Exception e) {
                log.warn("stopping a pod of {} failed: {}", node.nodeName(), e.toString());
            }
        }
        workers.shutdownNow();
        timers.shutdownNow();
        // a pod deleted just before (its CNI DEL in flight) is torn down by a task this did not list: the plugin it
        // runs does not stop on an interrupt, so wait for it, or the runtime would leave a plugin process behind
        try {
            if (!workers.awaitTermination(CniExec.TIMEOUT_SECONDS + 5, TimeUnit.SECONDS)) {
                log.warn("pod runtime of {}: tasks still running after {} s", node.nodeName(), CniExec.TIMEOUT_SECONDS + 5);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        close(false);
    }

    static Duration backoff(int attempt, Duration first, Duration max) {
        long ms = first.toMillis() << Math.min(attempt, 10);
        return Duration.ofMillis(Math.min(ms, max.toMillis()));
    }
}
