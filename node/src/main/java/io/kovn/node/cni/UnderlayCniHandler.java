package io.kovn.node.cni;

import io.kovn.node.host.CommandException;
import io.kovn.node.ovs.LocalOvs;
import io.kovn.node.underlay.PoolEntry;
import io.kovn.node.underlay.PortPool;
import io.kovn.ovn.Owners;
import io.kovn.ovn.annotations.PodNetwork;
import io.kovn.ovn.vswitch.Port;
import io.kovn.ovsdb.wire.Operation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * ADD and DEL in underlay mode (docs/underlay.md), inside a worker VM without OVN: the pod gets a pooled child
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

    /** {@code bridge} is the VM's OVS bridge with the uplink to the hypervisor (br-int in the seeds). */
    public UnderlayCniHandler(PodPlumber plumber, LocalOvs ovs, PortPool pool, String bridge, Duration timeout) {
        this.plumber = plumber;
        this.ovs = ovs;
        this.pool = pool;
        this.bridge = bridge;
        this.timeout = timeout;
    }

    /** The result to print (ADD), or null (DEL). */
    public ObjectNode handle(CniRequest req) throws CniFailure {
        CniHandler.checkVersion(req);
        switch (req.command()) {
            case "ADD":
                CniHandler.requirePod(req);
                return add(req);
            case "DEL":
                del(req);
                return null;
            default:
                throw new CniFailure(CniFailure.INVALID_ENVIRONMENT, req.command() + " is not served in underlay mode yet",
                        "the underlay handler serves ADD and DEL");
        }
    }

    private ObjectNode add(CniRequest req) throws CniFailure {
        String hostVeth = VethNames.hostVeth(req.containerId(), req.ifName());
        String hostMac = VethNames.hostMac(req.containerId(), req.ifName());
        try (KeyedLocks.Held held = locks.lock(hostVeth)) {
            PoolEntry entry;
            try {
                entry = pool.take(req.containerId(), req.ifName()).orElseThrow(() -> emptyPool(req, pool.read()));
            } catch (RuntimeException e) {
                throw CniHandler.failure(req, e);
            }
            PodNetwork net = new PodNetwork(List.of(entry.address()), entry.mac(), List.of(entry.gateway()));
            try {
                plumber.createVeth(req, net, hostVeth, hostMac);
                plumber.configurePod(req, net);
                plug(req, entry, hostVeth);
                ovs.awaitInterface(hostVeth, timeout);
                log.info("{}: underlay port {} (tag {}, {})", req, entry.portId(), entry.tag(), entry.address());
                return CniResult.of(req.cniVersion(), req.prevResult(), hostVeth, hostMac, req.ifName(),
                        entry.mac().toString(), req.netns(), net);
            } catch (RuntimeException e) {
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
}
