package io.kovn.node.cni;

import io.kovn.node.host.CommandException;
import io.kovn.node.kube.AgentPod;
import io.kovn.node.kube.PodWatcher;
import io.kovn.node.ovs.LocalOvs;
import io.kovn.node.ovs.SouthboundPorts;
import io.kovn.ovn.Names;
import io.kovn.ovn.annotations.PodNetwork;
import io.kovn.ovn.net.Ipv4Cidr;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * ADD, DEL and CHECK of pod interfaces. Operations on one (container, interface) run one at a time; a DEL, or
 * the pod's deletion in the API, aborts an ADD in flight, which then removes what it made: nothing is left.
 */
public final class CniHandler {
    private static final Logger log = LoggerFactory.getLogger(CniHandler.class);

    private final PodWatcher pods;
    private final PodPlumber plumber;
    private final VerifiedPodNetwork networks;
    private final Duration installedTimeout;
    private final PortInstalledListener installedListener;
    private final KeyedLocks locks = new KeyedLocks();
    /** Host veths with an operation in progress, which the clean-up leaves alone. */
    private final Set<String> busy = ConcurrentHashMap.newKeySet();
    /** Completing one aborts the ADD in flight for that host veth. */
    private final Map<String, CompletableFuture<Void>> aborts = new ConcurrentHashMap<>();
    private final PodSideWork podSideWork = new PodSideWork();

    /**
     * {@code ovn} and {@code nodeSubnet} are what a pod's annotation is checked against before anything is
     * plumbed; {@code annotationTimeout} bounds the wait for an annotation that agrees with them;
     * {@code installedListener} hears of each port ovn-controller installed.
     */
    public CniHandler(PodWatcher pods, PodPlumber plumber, SouthboundPorts ovn, Ipv4Cidr nodeSubnet,
                      Duration annotationTimeout, Duration installedTimeout, PortInstalledListener installedListener) {
        this.pods = pods;
        this.plumber = plumber;
        this.networks = new VerifiedPodNetwork(pods, ovn, nodeSubnet, annotationTimeout);
        this.installedTimeout = installedTimeout;
        this.installedListener = installedListener;
    }

    PodPlumber plumber() {
        return plumber;
    }

    /** The result to print (ADD), or null (DEL, CHECK, STATUS, GC). */
    public ObjectNode handle(CniRequest req) throws CniFailure {
        checkVersion(req);
        switch (req.command()) {
            case "STATUS":
                status();
                return null;
            case "GC":
                gc(req);
                return null;
            case "ADD":
                requirePod(req);
                return add(req);
            case "DEL":
                del(req);
                return null;
            case "CHECK":
                requirePod(req);
                check(req);
                return null;
            default:
                throw new CniFailure(CniFailure.INVALID_ENVIRONMENT, "unknown CNI command " + req.command(), null);
        }
    }

    /** Code 1 for a spec version kovn does not speak, or a network-wide command before 1.1.0. */
    static void checkVersion(CniRequest req) throws CniFailure {
        if (!Set.of("0.3.1", "0.4.0", "1.0.0", "1.1.0").contains(req.cniVersion())) {
            throw new CniFailure(CniFailure.INCOMPATIBLE_VERSION, "cniVersion " + req.cniVersion() + " is not supported",
                    "supported: 0.3.1, 0.4.0, 1.0.0, 1.1.0");
        }
        if (req.networkWide() && !"1.1.0".equals(req.cniVersion())) {
            throw new CniFailure(CniFailure.INCOMPATIBLE_VERSION, req.command() + " is not defined for cniVersion "
                    + req.cniVersion(), "it needs cniVersion 1.1.0");
        }
    }

    /** For the clean-up: runs {@code action} under the interface's lock, unless an operation holds it now. */
    public boolean ifIdle(String hostVeth, Runnable action) {
        KeyedLocks.Held h = locks.tryLock(hostVeth);
        if (h == null) {
            return false;
        }
        try (h) {
            if (busy.contains(hostVeth)) {
                return false;
            }
            action.run();
            return true;
        }
    }

    static void requirePod(CniRequest req) throws CniFailure {
        if (req.podName() == null || req.podName().isEmpty()) {
            throw new CniFailure(CniFailure.INVALID_ENVIRONMENT, "CNI_ARGS has no K8S_POD_NAME", null);
        }
        if (req.netns() == null || !Files.exists(req.netns())) {
            throw new CniFailure(CniFailure.INVALID_ENVIRONMENT, "CNI_NETNS " + req.netns() + " does not exist", null);
        }
    }

    private ObjectNode add(CniRequest req) throws CniFailure {
        String hostVeth = VethNames.hostVeth(req.containerId(), req.ifName());
        CompletableFuture<Void> abort = new CompletableFuture<>();
        aborts.put(hostVeth, abort);
        try {
            return exclusively(hostVeth, () -> addLocked(req, hostVeth, abort));
        } finally {
            aborts.remove(hostVeth, abort);
        }
    }

    private interface Work<T> {
        T run() throws CniFailure;
    }

    /** Runs {@code work} holding the interface's lock, marked busy for the clean-up. */
    private <T> T exclusively(String hostVeth, Work<T> work) throws CniFailure {
        KeyedLocks.Held held = locks.lock(hostVeth);
        busy.add(hostVeth);
        try {
            return work.run();
        } finally {
            busy.remove(hostVeth);
            held.close();
        }
    }

    private ObjectNode addLocked(CniRequest req, String hostVeth, CompletableFuture<Void> abort) throws CniFailure {
        String ns = req.podNamespace();
        String name = req.podName();
        long started = System.nanoTime();
        VerifiedPodNetwork.Verified verified;
        try {
            verified = networks.await(req, abort);
        } catch (CniFailure | RuntimeException e) {
            throw failure(req, e);
        }
        AgentPod pod = verified.pod();
        String uid = pod.getMetadata().getUid();
        PodNetwork net = verified.network();
        CompletableFuture<Void> gone = pods.awaitGone(ns, name, uid);
        gone.thenRun(() -> abort.completeExceptionally(new PodWatcher.PodGoneException(ns + "/" + name)));
        String hostMac = VethNames.hostMac(req.containerId(), req.ifName());
        CompletableFuture<Void> podSide = null;
        try {
            checkAbort(abort, req);
            long t0 = System.nanoTime();
            plumber.createVeth(req, net, hostVeth, hostMac);
            long t1 = System.nanoTime();
            podSide = podSideWork.start(() -> plumber.configurePod(req, net));
            checkAbort(abort, req);
            plumber.plug(req, uid, net, hostVeth);
            long t2 = System.nanoTime();
            await(plumber.installed(hostVeth), abort, installedTimeout, req, () -> new CniFailure(
                    CniFailure.TRY_AGAIN_LATER, "ovn-controller did not install the port of pod " + ns + "/" + name
                    + " within " + installedTimeout.toSeconds() + " s",
                    "OVS interface " + hostVeth + " has no external_ids:ovn-installed=true; is ovn-controller running"
                    + " and does the logical switch port " + ns + "_" + name + " exist?"));
            long t3 = System.nanoTime();
            installedListener.installed(pod, hostVeth, Instant.now());
            PodSideWork.join(podSide);
            checkAbort(abort, req);
            log.debug("{}: annotation checked against OVN {} ms, veth {} ms, OVS port {} ms, ovn-installed {} ms, then"
                    + " pod side {} ms more", req, (t0 - started) / 1_000_000, (t1 - t0) / 1_000_000,
                    (t2 - t1) / 1_000_000, (t3 - t2) / 1_000_000, (System.nanoTime() - t3) / 1_000_000);
            return CniResult.of(req.cniVersion(), req.prevResult(), hostVeth, hostMac, req.ifName(),
                    net.macAddress().toString(), req.netns(), net);
        } catch (CniFailure | RuntimeException e) {
            PodSideWork.settle(podSide);
            rollBack(req);
            throw failure(req, e);
        } finally {
            gone.cancel(false);
        }
    }

    /** Waits for {@code f}, giving up when {@code abort} completes or the time is over. */
    private static <T> T await(CompletableFuture<T> f, CompletableFuture<Void> abort, Duration timeout,
                               CniRequest req, java.util.function.Supplier<CniFailure> onTimeout) throws CniFailure {
        try {
            CompletableFuture.anyOf(f, abort).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            f.cancel(false);
            throw onTimeout.get();
        } catch (ExecutionException e) {
            f.cancel(false);
            throw aborted(req, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CniFailure(CniFailure.TRY_AGAIN_LATER, "the node agent is shutting down", null);
        }
        checkAbort(abort, req);
        return f.join();
    }

    static void checkAbort(CompletableFuture<Void> abort, CniRequest req) throws CniFailure {
        if (abort.isDone()) {
            Throwable cause = null;
            try {
                abort.join();
            } catch (RuntimeException e) {
                cause = e.getCause();
            }
            throw aborted(req, cause);
        }
    }

    static CniFailure aborted(CniRequest req, Throwable cause) {
        String key = req.podNamespace() + "/" + req.podName();
        if (cause instanceof PodWatcher.PodGoneException) {
            return new CniFailure(CniFailure.SETUP_FAILED, "pod " + key + " was deleted while its network was being set up",
                    "nothing was left behind");
        }
        return new CniFailure(CniFailure.SETUP_FAILED, "a DEL of container " + req.containerId()
                + " arrived while its ADD was in progress", "the ADD was undone");
    }

    private void rollBack(CniRequest req) {
        try {
            plumber.remove(req.containerId(), req.ifName());
        } catch (RuntimeException e) {
            log.warn("could not undo the failed ADD of {}; the periodic clean-up will retry", req, e);
        }
    }

    static CniFailure failure(CniRequest req, Exception e) {
        if (e instanceof CniFailure f) {
            log.info("{} failed: {}", req, f.getMessage());
            return f;
        }
        log.warn("{} failed", req, e);
        if (e instanceof LocalOvs.OvsException) {
            return new CniFailure(CniFailure.TRY_AGAIN_LATER, "the local Open_vSwitch database failed: " + e.getMessage(),
                    null, e);
        }
        if (e instanceof CommandException) {
            return new CniFailure(CniFailure.SETUP_FAILED, "setting up " + req.ifName() + " of pod "
                    + req.podNamespace() + "/" + req.podName() + " failed", e.getMessage(), e);
        }
        return new CniFailure(CniFailure.SETUP_FAILED, "the node agent failed: " + e, null, e);
    }

    private void del(CniRequest req) throws CniFailure {
        String hostVeth = VethNames.hostVeth(req.containerId(), req.ifName());
        CompletableFuture<Void> inFlight = aborts.get(hostVeth);
        if (inFlight != null) {
            inFlight.complete(null);
        }
        try {
            exclusively(hostVeth, () -> {
                plumber.remove(req.containerId(), req.ifName());
                return null;
            });
        } catch (LocalOvs.OvsException e) {
            throw new CniFailure(CniFailure.TRY_AGAIN_LATER, "the local Open_vSwitch database failed: " + e.getMessage(),
                    null, e);
        } catch (CommandException e) {
            throw new CniFailure(CniFailure.SETUP_FAILED, "removing the veth of container " + req.containerId()
                    + " failed", e.getMessage(), e);
        }
    }

    /** STATUS (CNI 1.1.0): whether an ADD could be served now; code 50 with the reason otherwise. */
    private void status() throws CniFailure {
        CniFailure.failUnlessAvailable(statusProblems());
    }

    /** Why STATUS would fail now; empty when an ADD could be served. */
    public List<String> statusProblems() {
        List<String> problems = new ArrayList<>(plumber.ovsProblems(Names.INTEGRATION_BRIDGE));
        if (!pods.hasSynced()) {
            problems.add("the node's pods are not known yet (no answer from the Kubernetes API)");
        }
        return problems;
    }

    /**
     * GC (CNI 1.1.0): removes this network's attachments (OVS port and veth) that are not among the runtime's
     * valid ones. One whose ADD or DEL is in progress is left alone; the others are all tried, and the failures
     * reported together.
     */
    private void gc(CniRequest req) throws CniFailure {
        Set<String> valid = AttachmentGc.valid(req);
        List<AttachmentGc.Attachment> stale = AttachmentGc.plugged(plumber).stream()
                .filter(a -> a.of(req.networkName()) && !valid.contains(a.key())).toList();
        AttachmentGc.remove(req, stale, a -> ifIdle(VethNames.hostVeth(a.containerId(), a.ifName()),
                () -> plumber.remove(a.containerId(), a.ifName())));
    }

    private void check(CniRequest req) throws CniFailure {
        String key = req.podNamespace() + "/" + req.podName();
        JsonNode prev = requirePrevResult(req);
        Optional<AgentPod> pod = pods.get(req.podNamespace(), req.podName());
        if (pod.isEmpty()) {
            throw new CniFailure(CniFailure.UNKNOWN_CONTAINER, "pod " + key + " is not known on this node", null);
        }
        Map<String, String> annotations = pod.get().getMetadata().getAnnotations();
        String annotation = annotations == null ? null : annotations.get(PodNetwork.ANNOTATION);
        if (annotation == null) {
            throw new CniFailure(CniFailure.SETUP_FAILED, "pod " + key + " has no " + PodNetwork.ANNOTATION, null);
        }
        PodNetwork net;
        try {
            net = PodNetwork.parse(annotation);
        } catch (IllegalArgumentException e) {
            throw new CniFailure(CniFailure.SETUP_FAILED, "CHECK of pod " + key + " failed: its "
                    + PodNetwork.ANNOTATION + " annotation is unreadable", e.getMessage());
        }
        String hostVeth = VethNames.hostVeth(req.containerId(), req.ifName());
        List<String> problems = new ArrayList<>(plumber.problems(req, net, hostVeth));
        problems.addAll(prevResultProblems(prev, net));
        failCheck(req, problems);
    }

    /** The prevResult of CHECK, code 7 without one. */
    static JsonNode requirePrevResult(CniRequest req) throws CniFailure {
        JsonNode prev = req.prevResult();
        if (prev == null) {
            throw new CniFailure(CniFailure.INVALID_CONFIG, "CHECK needs the prevResult of the ADD", null);
        }
        return prev;
    }

    /** The pod's addresses that the prevResult of CHECK lacks. */
    static List<String> prevResultProblems(JsonNode prev, PodNetwork net) {
        List<String> prevIps = new ArrayList<>();
        prev.path("ips").forEach(ip -> prevIps.add(ip.path("address").asString("")));
        return net.ipAddresses().stream().map(Object::toString).filter(ip -> !prevIps.contains(ip))
                .map(ip -> "prevResult lacks address " + ip).toList();
    }

    /** Code 100 naming the first problem CHECK found, and all of them in the details; nothing when there is none. */
    static void failCheck(CniRequest req, List<String> problems) throws CniFailure {
        if (!problems.isEmpty()) {
            throw new CniFailure(CniFailure.SETUP_FAILED, "CHECK of pod " + req.podNamespace() + "/" + req.podName()
                    + " failed: " + problems.get(0), String.join("; ", problems));
        }
    }
}
