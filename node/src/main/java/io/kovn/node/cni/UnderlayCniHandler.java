package io.kovn.node.cni;

import io.kovn.node.host.CommandException;
import io.kovn.node.ovs.LocalOvs;
import io.kovn.node.underlay.PoolEntry;
import io.kovn.node.underlay.PortPool;
import io.kovn.ovn.Owners;
import io.kovn.ovn.annotations.PodNetwork;
import io.kovn.ovn.vswitch.Interface;
import io.kovn.ovn.vswitch.Port;
import io.kovn.ovsdb.wire.Operation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * ADD, DEL, CHECK, STATUS and GC in underlay mode (docs/underlay.md), inside a worker VM without OVN: the pod gets a pooled child
 * port of the cloud's OVN, taken from the VM's local cache ({@link PortPool}), and its veth becomes an access port
 * with that port's VLAN tag on the VM's bridge, whose uplink carries the tagged frames to the hypervisor. No call
 * to the control plane or the Kubernetes API: the cache holds the IP, MAC, gateway and tag. The veth and the pod's
 * addresses are made by the overlay's {@link PodPlumber}; only the OVS port differs (a tag, no iface-id).
 */
public final class UnderlayCniHandler {
    private static final Logger log = LoggerFactory.getLogger(UnderlayCniHandler.class);
    /** external_ids key on the OVS interface: the pooled port the pod holds. */
    static final String UNDERLAY_PORT = "kovn.io/underlay-port";

    private final PodPlumber plumber;
    private final LocalOvs ovs;
    private final PortPool pool;
    private final String bridge;
    private final Duration timeout;
    private final KeyedLocks locks = new KeyedLocks();
    private final PodSideWork podSideWork = new PodSideWork();

    /** {@code bridge} is the VM's OVS bridge with the uplink to the hypervisor (br-int in the seeds). */
    public UnderlayCniHandler(PodPlumber plumber, LocalOvs ovs, PortPool pool, String bridge, Duration timeout) {
        this.plumber = plumber;
        this.ovs = ovs;
        this.pool = pool;
        this.bridge = bridge;
        this.timeout = timeout;
    }

    /** The result to print (ADD), or null (DEL, CHECK, STATUS, GC). */
    public ObjectNode handle(CniRequest req) throws CniFailure {
        CniHandler.checkVersion(req);
        switch (req.command()) {
            case "STATUS":
                status();
                return null;
            case "GC":
                gc(req);
                return null;
            case "ADD":
                CniHandler.requirePod(req);
                return add(req);
            case "DEL":
                del(req);
                return null;
            case "CHECK":
                CniHandler.requirePod(req);
                check(req);
                return null;
            default:
                throw new CniFailure(CniFailure.INVALID_ENVIRONMENT, "unknown CNI command " + req.command(), null);
        }
    }

    private ObjectNode add(CniRequest req) throws CniFailure {
        String hostVeth = VethNames.hostVeth(req.containerId(), req.ifName());
        String hostMac = VethNames.hostMac(req.containerId(), req.ifName());
        try (KeyedLocks.Held held = locks.lock(hostVeth)) {
            long started = System.nanoTime();
            PoolEntry entry;
            try {
                entry = pool.take(req.containerId(), req.ifName()).orElseThrow(() -> emptyPool(req, pool.read()));
            } catch (RuntimeException e) {
                throw CniHandler.failure(req, e);
            }
            PodNetwork net = new PodNetwork(List.of(entry.address()), entry.mac(), List.of(entry.gateway()));
            CompletableFuture<Void> podSide = null;
            try {
                long t0 = System.nanoTime();
                plumber.createVeth(req, net, hostVeth, hostMac);
                long t1 = System.nanoTime();
                podSide = podSideWork.start(() -> plumber.configurePod(req, net));
                plug(req, entry, hostVeth);
                long t2 = System.nanoTime();
                ovs.awaitInterface(hostVeth, timeout);
                long t3 = System.nanoTime();
                PodSideWork.join(podSide);
                log.info("{}: underlay port {} (tag {}, {})", req, entry.portId(), entry.tag(), entry.address());
                log.debug("{}: pool entry taken {} ms, veth {} ms, OVS port {} ms, ofport {} ms, then pod side {} ms more",
                        req, (t0 - started) / 1_000_000, (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000,
                        (t3 - t2) / 1_000_000, (System.nanoTime() - t3) / 1_000_000);
                return CniResult.of(req.cniVersion(), req.prevResult(), hostVeth, hostMac, req.ifName(),
                        entry.mac().toString(), req.netns(), net);
            } catch (RuntimeException e) {
                PodSideWork.settle(podSide);
                undo(req);
                throw CniHandler.failure(req, e);
            }
        }
    }

    /** Code 11: the runtime retries the ADD, which succeeds once a pod is deleted or the pool grows. */
    private static CniFailure emptyPool(CniRequest req, PortPool.Snapshot pool) {
        String refused = pool.refused().isEmpty() ? "" : "; " + pool.refused().size() + " cached entries are refused as"
                + " malformed: " + String.join("; ", pool.refused().subList(0, Math.min(3, pool.refused().size())));
        return new CniFailure(CniFailure.TRY_AGAIN_LATER, "the underlay port pool of this VM is exhausted: all "
                + pool.entries().size() + " cached ports are in use, none is left for pod " + req.podNamespace() + "/"
                + req.podName(), "the pool is the Open_vSwitch external_ids " + PoolEntry.KEY_PREFIX + "*; a DEL frees "
                + "a port, and the control plane grows the pool" + refused);
    }

    /** The host end as an access port of the entry's VLAN; a port of an earlier try goes in the same transaction. */
    private void plug(CniRequest req, PoolEntry entry, String hostVeth) {
        Map<String, String> owner = Owners.of(Owners.TYPE_POD, req.podNamespace() + "/" + req.podName());
        owner.put(Owners.NAMESPACE, req.podNamespace());
        owner.put(Owners.POD, req.podName());
        if (req.podUid() != null) {
            owner.put(Owners.POD_UID, req.podUid());
        }
        Map<String, String> ids = new LinkedHashMap<>(owner);
        ids.put(PodPlumber.SANDBOX, req.containerId());
        ids.put(PodPlumber.IF_NAME, req.ifName());
        ids.put(PodPlumber.NETWORK, req.networkName());
        ids.put(PodPlumber.IP_ADDRESSES, entry.address().toString());
        ids.put(UNDERLAY_PORT, entry.portId());
        Set<Port> stale = new LinkedHashSet<>();
        ovs.port(hostVeth).ifPresent(stale::add);
        List<Operation> ops = new ArrayList<>(ovs.deletePortOps(stale));
        ops.addAll(LocalOvs.addAccessPortOps(bridge, hostVeth, entry.tag(), ids, owner));
        ovs.transact(ops);
    }

    private void undo(CniRequest req) {
        try {
            plumber.remove(req.containerId(), req.ifName());
            pool.release(req.containerId(), req.ifName());
        } catch (RuntimeException e) {
            log.warn("could not undo the failed ADD of {}; its pool entry stays taken until a DEL", req, e);
        }
    }

    private void del(CniRequest req) throws CniFailure {
        String hostVeth = VethNames.hostVeth(req.containerId(), req.ifName());
        try (KeyedLocks.Held held = locks.lock(hostVeth)) {
            plumber.remove(req.containerId(), req.ifName());
            pool.release(req.containerId(), req.ifName());
        } catch (LocalOvs.OvsException e) {
            throw new CniFailure(CniFailure.TRY_AGAIN_LATER, "the local Open_vSwitch database failed: " + e.getMessage(),
                    null, e);
        } catch (CommandException e) {
            throw new CniFailure(CniFailure.SETUP_FAILED, "removing the veth of container " + req.containerId()
                    + " failed", e.getMessage(), e);
        } catch (RuntimeException e) {
            throw CniHandler.failure(req, e);
        }
    }

    /**
     * STATUS (CNI 1.1.0): code 50 when no ADD could be served: the local OVS unreachable, the bridge missing, or no
     * usable entry in the pool cache (the control plane has not published this VM's pool yet). A pool whose entries
     * are all in use is not a failure: the kubelet would mark the Node NotReady and its running pods could be evicted;
     * an ADD then gets code 11 and is retried until a DEL or the control plane frees a port.
     */
    private void status() throws CniFailure {
        CniFailure.failUnlessAvailable(statusProblems());
    }

    /** Why STATUS would fail now; empty when an ADD could be served (or wait only for a port to be freed). */
    public List<String> statusProblems() {
        List<String> problems = plumber.ovsProblems(bridge);
        if (!problems.isEmpty()) {
            return problems;
        }
        PortPool.Snapshot cache = pool.read();
        if (cache.entries().isEmpty()) {
            return List.of("the underlay port pool of this VM is empty: no usable " + PoolEntry.KEY_PREFIX + "* entry"
                    + " in the Open_vSwitch external_ids" + (cache.refused().isEmpty() ? ""
                    : " (" + cache.refused().size() + " refused as malformed)") + "; the control plane has not"
                    + " published this VM's pool yet");
        }
        return List.of();
    }

    /**
     * CHECK: the pool entry is marked used by this (container, interface), the host veth is an access port of the
     * entry's VLAN on the VM's bridge naming the entry, and the pod's end has the entry's address and MAC.
     */
    private void check(CniRequest req) throws CniFailure {
        JsonNode prev = CniHandler.requirePrevResult(req);
        String hostVeth = VethNames.hostVeth(req.containerId(), req.ifName());
        try (KeyedLocks.Held held = locks.lock(hostVeth)) {
            Optional<PoolEntry> entry = pool.read().heldBy(req.containerId(), req.ifName());
            if (entry.isEmpty()) {
                throw new CniFailure(CniFailure.SETUP_FAILED, "CHECK of pod " + req.podNamespace() + "/"
                        + req.podName() + " failed: no entry of the underlay pool is marked used by "
                        + req.containerId() + "/" + req.ifName(), null);
            }
            PoolEntry e = entry.get();
            PodNetwork net = new PodNetwork(List.of(e.address()), e.mac(), List.of(e.gateway()));
            List<String> problems = new ArrayList<>(portProblems(e, hostVeth));
            problems.addAll(plumber.vethProblems(req, net, hostVeth));
            problems.addAll(CniHandler.prevResultProblems(prev, net));
            CniHandler.failCheck(req, problems);
        } catch (RuntimeException e) {
            throw CniHandler.failure(req, e);
        }
    }

    /** What is wrong with the OVS side of the pod holding {@code entry}: its port, tag, bridge and entry id. */
    private List<String> portProblems(PoolEntry entry, String hostVeth) {
        Optional<Port> port = ovs.port(hostVeth);
        Optional<Interface> iface = ovs.iface(hostVeth);
        if (port.isEmpty() || iface.isEmpty()) {
            return List.of("no OVS port " + hostVeth);
        }
        List<String> problems = new ArrayList<>();
        if (ovs.bridge(bridge).filter(b -> b.ports().contains(port.get().uuid())).isEmpty()) {
            problems.add("OVS port " + hostVeth + " is not on bridge " + bridge);
        }
        if (!port.get().tag().equals(Optional.of((long) entry.tag()))) {
            problems.add("OVS port " + hostVeth + " has VLAN tag " + port.get().tag().map(String::valueOf).orElse("none")
                    + ", not " + entry.tag());
        }
        if (!entry.portId().equals(iface.get().externalIds().get(UNDERLAY_PORT))) {
            problems.add("OVS interface " + hostVeth + " names underlay port " + iface.get().externalIds()
                    .get(UNDERLAY_PORT) + ", not " + entry.portId());
        }
        return problems;
    }

    /**
     * GC (CNI 1.1.0): removes the ports and veths of this network's attachments that are not among the runtime's
     * valid ones, and frees the pool entries they hold; an entry held by an attachment that has no port (an ADD
     * that died half-way) is freed too, unless another network's port shows the attachment is that network's.
     * One whose ADD or DEL is in progress is left alone.
     */
    private void gc(CniRequest req) throws CniFailure {
        Set<String> valid = AttachmentGc.valid(req);
        Map<String, AttachmentGc.Attachment> stale = new LinkedHashMap<>();
        Set<String> otherNetworks = new HashSet<>();
        for (AttachmentGc.Attachment a : AttachmentGc.plugged(plumber)) {
            if (!a.of(req.networkName())) {
                otherNetworks.add(a.key());
            } else if (!valid.contains(a.key())) {
                stale.put(a.key(), a);
            }
        }
        for (PoolEntry e : pool.read().entries()) {
            int slash = e.user().indexOf('/');
            if (!e.isFree() && !valid.contains(e.user()) && !otherNetworks.contains(e.user())) {
                stale.putIfAbsent(e.user(), new AttachmentGc.Attachment(e.user().substring(0, slash),
                        e.user().substring(slash + 1), null, "underlay port " + e.portId()));
            }
        }
        AttachmentGc.remove(req, stale.values(), a -> {
            KeyedLocks.Held held = locks.tryLock(VethNames.hostVeth(a.containerId(), a.ifName()));
            if (held == null) {
                return false;
            }
            try (held) {
                plumber.remove(a.containerId(), a.ifName());
                pool.release(a.containerId(), a.ifName());
                return true;
            }
        });
    }
}
