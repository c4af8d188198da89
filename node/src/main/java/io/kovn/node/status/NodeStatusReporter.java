package io.kovn.node.status;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.kovn.node.NodeMetrics;
import io.kovn.node.cni.PortInstalledListener;
import io.kovn.node.kube.AgentPod;
import io.kovn.node.kube.PodWatcher;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the agent's status to the API: each pod's {@link PodInstalledCondition} once CNI ADD saw ovn-installed, and
 * the Node's {@link NodeCniCondition} whenever the CNI STATUS answer changes. The CNI path only offers a report to a
 * bounded queue (a full queue drops it and counts it); one thread writes, at most {@value #WRITES_PER_SECOND} pod
 * patches a second, each bounded by the client's request timeout. Level-triggered: every
 * {@link #VERIFY_EVERY} the pods it reported are compared with the pods informer's copies, and a condition that is
 * missing (lost to a concurrent status write, or a failed patch) is written again, at most {@value #ATTEMPTS} times.
 */
public final class NodeStatusReporter implements PortInstalledListener, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NodeStatusReporter.class);
    static final int QUEUE = 1024;
    /** Pods whose condition is kept: more than a node runs. */
    static final int TRACKED = 4096;
    static final int WRITES_PER_SECOND = 20;
    static final int ATTEMPTS = 5;
    static final Duration TICK = Duration.ofMillis(100);
    static final Duration VERIFY_EVERY = Duration.ofSeconds(10);

    private final KubernetesClient kube;
    private final String nodeName;
    private final String chassis;
    private final PodWatcher pods;
    private final NodeMetrics metrics;
    private Supplier<List<String>> cniProblems;
    private final BlockingQueue<Installed> queue = new ArrayBlockingQueue<>(QUEUE);
    private final ScheduledExecutorService worker;
    // the worker thread's own state
    private final Map<String, Installed> tracked = new LinkedHashMap<>();
    private final Set<String> pending = new LinkedHashSet<>();
    private NodeCniCondition.State nodeWritten;
    private long ticks;

    /** What ADD saw: the pod (namespace, name, uid), its OVS interface, and when. */
    record Installed(String namespace, String name, String uid, String hostVeth, Instant seenAt, int attempts) {
        String key() {
            return namespace + "/" + name;
        }

        Installed attempted() {
            return new Installed(namespace, name, uid, hostVeth, seenAt, attempts + 1);
        }
    }

    /** Queues reports from now on; writes nothing before {@link #start}. */
    public NodeStatusReporter(KubernetesClient kube, String nodeName, String chassis, PodWatcher pods,
                              NodeMetrics metrics) {
        this.kube = kube;
        this.nodeName = nodeName;
        this.chassis = chassis;
        this.pods = pods;
        this.metrics = metrics;
        this.worker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "status-reporter");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Starts writing. {@code cniProblems}: what CNI STATUS would answer now (empty: ready), called on the
     * reporter's thread.
     */
    public synchronized void start(Supplier<List<String>> cniProblems) {
        this.cniProblems = cniProblems;
        worker.scheduleWithFixedDelay(this::tick, 0, TICK.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Called by CNI ADD: records the pod's creation-to-ovn-installed time and queues its condition; never blocks. */
    @Override
    public void installed(AgentPod pod, String hostVeth, Instant seenAt) {
        try {
            created(pod).ifPresent(c -> metrics.podCreatedToOvnInstalled(Duration.between(c, seenAt)));
            Installed i = new Installed(pod.getMetadata().getNamespace(), pod.getMetadata().getName(),
                    pod.getMetadata().getUid(), hostVeth, seenAt, 0);
            if (!queue.offer(i)) {
                metrics.statusReportDropped();
            }
        } catch (RuntimeException e) {
            log.debug("ovn-installed of {} not reported", hostVeth, e);
        }
    }

    private static Optional<Instant> created(AgentPod pod) {
        try {
            String ts = pod.getMetadata().getCreationTimestamp();
            return ts == null ? Optional.empty() : Optional.of(Instant.parse(ts));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    private void tick() {
        try {
            List<Installed> fresh = new ArrayList<>();
            queue.drainTo(fresh);
            for (Installed i : fresh) {
                tracked.remove(i.key());
                tracked.put(i.key(), i);
                pending.add(i.key());
            }
            while (tracked.size() > TRACKED) {
                String oldest = tracked.keySet().iterator().next();
                tracked.remove(oldest);
                pending.remove(oldest);
            }
            if (ticks++ % (VERIFY_EVERY.toMillis() / TICK.toMillis()) == 0) {
                verify();
                reportNode();
            }
            writePods((int) Math.max(1, WRITES_PER_SECOND * TICK.toMillis() / 1000));
        } catch (RuntimeException e) {
            log.warn("status report failed", e);
        }
    }

    /** Forgets pods that are gone or replaced; queues again those whose condition is missing. */
    private void verify() {
        for (Iterator<Installed> it = tracked.values().iterator(); it.hasNext(); ) {
            Installed i = it.next();
            Optional<AgentPod> pod = pods.get(i.namespace(), i.name());
            if (pod.isEmpty() || !i.uid().equals(pod.get().getMetadata().getUid())) {
                it.remove();
                pending.remove(i.key());
            } else if (!PodInstalledCondition.shown(pod.get())) {
                pending.add(i.key());
            }
        }
    }

    private void writePods(int budget) {
        for (Iterator<String> it = pending.iterator(); it.hasNext() && budget > 0; ) {
            String key = it.next();
            it.remove();
            Installed i = tracked.get(key);
            Optional<AgentPod> pod = i == null ? Optional.empty() : pods.get(i.namespace(), i.name());
            if (pod.isEmpty() || !i.uid().equals(pod.get().getMetadata().getUid())) {
                tracked.remove(key);
                continue;
            }
            if (PodInstalledCondition.shown(pod.get())) {
                continue;
            }
            if (i.attempts() >= ATTEMPTS) {
                log.warn("pod {}: condition {} not written after {} attempts; giving up", key,
                        PodInstalledCondition.TYPE, ATTEMPTS);
                tracked.remove(key);
                continue;
            }
            budget--;
            tracked.put(key, i.attempted());
            try {
                PodInstalledCondition.write(kube, pod.get(), message(i), i.seenAt());
                metrics.statusPatch("pod", "ok");
            } catch (RuntimeException e) {
                metrics.statusPatch("pod", "failed");
                log.debug("pod {}: condition {} not written: {}", key, PodInstalledCondition.TYPE, e.toString());
            }
        }
    }

    private String message(Installed i) {
        return "ovn-controller on chassis " + chassis + " (node " + nodeName + ") marked OVS interface "
                + i.hostVeth() + " of logical port " + i.namespace() + "_" + i.name() + " ovn-installed";
    }

    /** Writes the Node's condition when what STATUS answers changed since the last write that succeeded. */
    private void reportNode() {
        NodeCniCondition.State now = NodeCniCondition.State.of(cniProblems.get());
        if (now.equals(nodeWritten)) {
            return;
        }
        try {
            NodeCniCondition.write(kube, nodeName, now, Instant.now());
            nodeWritten = now;
            metrics.statusPatch("node", "ok");
        } catch (RuntimeException e) {
            metrics.statusPatch("node", "failed");
            log.info("Node {}: condition {} not written (retried in {} s): {}", nodeName, NodeCniCondition.TYPE,
                    VERIFY_EVERY.toSeconds(), e.toString());
        }
    }

    @Override
    public void close() {
        worker.shutdownNow();
    }
}
