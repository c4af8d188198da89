package io.kovn.node.cni;

import io.fabric8.kubernetes.api.model.Pod;
import io.kovn.node.kube.PodWatcher;
import io.kovn.node.ovs.LocalOvs;
import io.kovn.ovn.annotations.PodNetwork;
import io.kovn.ovn.vswitch.Interface;
import io.kovn.ovn.vswitch.Port;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pre-plugging: the slow half of a pod's plumbing done before its CNI ADD. A pod is scheduled, the controller
 * annotates it, and only then (typically hundreds of milliseconds later, after the runtime has made the
 * sandbox) does ADD come. As soon as a pending pod of this node has its {@code k8s.ovn.org/pod-networks}
 * annotation, this makes its veth pair (pod end with the annotated MAC and the MTU, transmit checksum offload
 * off on netdev, down, still in the host namespace) and plugs the host end into br-int with the pod's iface-id,
 * so ovn-controller binds the port and installs its flows ahead of time. ADD then {@linkplain #take takes} it:
 * moves the pod end into the sandbox under CNI_IFNAME, sets the address and route there, and records the
 * sandbox on the OVS interface.
 *
 * <p>A pod end never carries traffic before ADD: it stays down, and the logical port's port security only admits
 * the pod's own MAC and IP. A pod deleted before its ADD loses its pre-plugged port at once (and the periodic
 * clean-up is the backstop); ports pre-plugged by an earlier run of the agent are removed at start, since
 * nothing remembers them. An ADD that finds no ready port (none made yet, the preparation failed, or the pod's
 * annotation changed) plumbs the slow way; a preparation not yet started when ADD comes is dropped.
 */
public final class PrePlugger implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PrePlugger.class);
    /** external_ids key on a pre-plugged interface that no ADD has taken yet. */
    static final String PRE_PLUGGED = "kovn.io/pre-plugged";
    /** At most this many ports are made ahead (bounding veths of pods that never start). */
    static final int MAX_PENDING = 256;
    /** How long an ADD waits for a preparation that is under way. */
    private static final Duration TAKE_WAIT = Duration.ofSeconds(5);

    /** A pre-plugged interface waiting for its ADD. */
    record Ready(String hostVeth, String hostMac, String podEnd, String uid, PodNetwork net) {
    }

    private static final class Entry {
        final CompletableFuture<Ready> future = new CompletableFuture<>();
        boolean started; // guarded by the PrePlugger
        boolean dropped; // guarded by the PrePlugger
    }

    private final PodWatcher pods;
    private final LocalOvs ovs;
    private final CniHandler handler;
    private final PodPlumber plumber;
    private final Map<String, Entry> byUid = new HashMap<>();
    /** Pods whose ADD has come: they are never pre-plugged again. */
    private final Set<String> claimed = new HashSet<>();
    private final AtomicInteger made = new AtomicInteger();
    private final ExecutorService workers = Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "pre-plug");
        t.setDaemon(true);
        return t;
    });
    private boolean closed;

    public PrePlugger(PodWatcher pods, LocalOvs ovs, CniHandler handler) {
        this.pods = pods;
        this.ovs = ovs;
        this.handler = handler;
        this.plumber = handler.plumber();
    }

    /** Removes what an earlier run pre-plugged, then follows the node's pods. */
    public void start() {
        Set<Port> old = new LinkedHashSet<>();
        for (Interface i : ovs.replica().withExternalId(Interface.TABLE, PRE_PLUGGED)) {
            ovs.port(i.name()).ifPresent(old::add);
        }
        if (!old.isEmpty()) {
            log.info("removing {} ports pre-plugged by an earlier run", old.size());
            plumber.removePorts(old);
            old.forEach(p -> plumber.deleteVeth(p.name()));
        }
        handler.usePrePlugger(this);
        pods.addListener(new PodWatcher.Listener() {
            @Override
            public void changed(Pod p) {
                consider(p);
            }

            @Override
            public void deleted(Pod p) {
                forget(p.getMetadata().getUid());
            }
        });
    }

    /** How many ports were pre-plugged since start. */
    public int made() {
        return made.get();
    }

    /** Pods with a pre-plugged port (ready or being made) that no ADD has taken. */
    public synchronized int pending() {
        return byUid.size();
    }

    private static Optional<PodNetwork> eligibleNetwork(Pod p) {
        if (p.getSpec() == null || Boolean.TRUE.equals(p.getSpec().getHostNetwork())
                || p.getMetadata().getDeletionTimestamp() != null) {
            return Optional.empty();
        }
        String phase = p.getStatus() == null ? null : p.getStatus().getPhase();
        if (phase != null && !"Pending".equals(phase)) {
            return Optional.empty();
        }
        Map<String, String> a = p.getMetadata().getAnnotations();
        String json = a == null ? null : a.get(PodNetwork.ANNOTATION);
        if (json == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(PodNetwork.parse(json));
        } catch (IllegalArgumentException e) {
            return Optional.empty(); // ADD reports it
        }
    }

    private void consider(Pod p) {
        Optional<PodNetwork> net = eligibleNetwork(p);
        String uid = p.getMetadata().getUid();
        if (net.isEmpty() || uid == null) {
            return;
        }
        Entry e;
        synchronized (this) {
            if (closed || claimed.contains(uid) || byUid.containsKey(uid) || byUid.size() >= MAX_PENDING
                    || !ovs.interfacesWith(PodPlumber.IFACE_ID_VER, uid).isEmpty()) {
                return; // taken, under way, too many, or plugged already (an ADD before the agent restarted)
            }
            e = new Entry();
            byUid.put(uid, e);
        }
        String ns = p.getMetadata().getNamespace();
        String name = p.getMetadata().getName();
        workers.execute(() -> prepare(e, ns, name, uid, net.get()));
    }

    private void prepare(Entry e, String ns, String name, String uid, PodNetwork net) {
        synchronized (this) {
            if (e.dropped) {
                e.future.complete(null);
                return;
            }
            e.started = true;
        }
        String hostVeth = VethNames.hostVeth("pod:" + uid, "pre-plug");
        Ready r = new Ready(hostVeth, VethNames.hostMac("pod:" + uid, "pre-plug"), VethNames.podEnd(uid), uid, net);
        try {
            handler.exclusively(hostVeth, () -> {
                plumber.prePlug(ns, name, uid, net, r.hostVeth(), r.hostMac(), r.podEnd());
                return null;
            });
            made.incrementAndGet();
            log.debug("pre-plugged {} for pod {}/{}", hostVeth, ns, name);
            e.future.complete(r);
        } catch (CniFailure | RuntimeException x) {
            log.info("could not pre-plug pod {}/{}; its ADD will plumb it: {}", ns, name, x.toString());
            discard(r);
            e.future.complete(null);
        }
        boolean drop;
        synchronized (this) {
            drop = e.dropped;
        }
        if (drop) {
            discard(r); // the pod went away while its port was being made
        }
    }

    /**
     * For the ADD of pod {@code uid}: its pre-plugged interface, now the ADD's alone; empty if there is none
     * (then nothing is pre-plugged for it later either).
     */
    Optional<Ready> take(String uid) {
        Entry e;
        synchronized (this) {
            claimed.add(uid);
            e = byUid.remove(uid);
            if (e == null) {
                return Optional.empty();
            }
            if (!e.started) {
                e.dropped = true;
                return Optional.empty();
            }
        }
        try {
            return Optional.ofNullable(e.future.get(TAKE_WAIT.toMillis(), TimeUnit.MILLISECONDS));
        } catch (TimeoutException x) {
            e.future.thenAccept(this::discard);
            return Optional.empty();
        } catch (ExecutionException x) {
            return Optional.empty();
        } catch (InterruptedException x) {
            Thread.currentThread().interrupt();
            e.future.thenAccept(this::discard);
            return Optional.empty();
        }
    }

    /** The pod is gone: its pre-plugged port goes too. */
    private void forget(String uid) {
        Entry e;
        synchronized (this) {
            claimed.remove(uid);
            e = byUid.remove(uid);
            if (e == null) {
                return;
            }
            e.dropped = true;
            if (!e.started) {
                return;
            }
        }
        e.future.thenAcceptAsync(this::discard, workers);
    }

    /** Removes a pre-plugged interface (its OVS port and veth pair), whatever of it exists. */
    void discard(Ready r) {
        if (r == null) {
            return;
        }
        try {
            handler.exclusively(r.hostVeth(), () -> {
                ovs.port(r.hostVeth()).ifPresent(p -> plumber.removePorts(Set.of(p)));
                plumber.deleteVeth(r.hostVeth());
                return null;
            });
        } catch (CniFailure | RuntimeException x) {
            log.warn("could not remove pre-plugged {}; the periodic clean-up will: {}", r.hostVeth(), x.toString());
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        workers.shutdownNow();
    }
}
