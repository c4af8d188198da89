package io.kovn.node.cni;

import io.kovn.node.host.HostCommands;
import io.kovn.node.kube.AgentPod;
import io.kovn.node.kube.PodWatcher;
import io.kovn.node.ovs.LocalOvs;
import io.kovn.ovn.Owners;
import io.kovn.ovn.vswitch.Port;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes what pods that no longer exist left behind: a DEL that never came (the agent was down, the node
 * rebooted) or failed half-way. Kovn's pod ports on br-int whose pod is gone, was replaced (another uid) or
 * whose veth vanished with its sandbox; and kovn-named host veths with no port. Each removal is checked again
 * under the interface's lock and skipped while an ADD or DEL of it runs.
 */
public final class LeftoverSweeper {
    private static final Logger log = LoggerFactory.getLogger(LeftoverSweeper.class);

    private final LocalOvs ovs;
    private final HostCommands host;
    private final PodWatcher pods;
    private final CniHandler handler;

    public LeftoverSweeper(LocalOvs ovs, HostCommands host, PodWatcher pods, CniHandler handler) {
        this.ovs = ovs;
        this.host = host;
        this.pods = pods;
        this.handler = handler;
    }

    /** One pass; returns how many ports and veths it removed. */
    public int sweep() {
        if (!pods.hasSynced()) {
            return 0; // an empty cache would make every pod look deleted
        }
        AtomicInteger removed = new AtomicInteger();
        PodPlumber plumber = handler.plumber();
        Set<String> veths = new HashSet<>(host.linkNames("veth"));
        for (Port p : ovs.portsWith(Owners.OWNER_TYPE)) {
            if (Owners.TYPE_POD.equals(p.externalIds().get(Owners.OWNER_TYPE)) && isStale(p.name(), veths::contains)) {
                handler.ifIdle(p.name(), () -> {
                    Optional<Port> now = ovs.port(p.name());
                    if (now.isPresent() && isStale(p.name(), host::linkExists)) {
                        log.info("removing port {} of pod {} (uid {}): the pod or its sandbox is gone", p.name(),
                                p.externalIds().get(Owners.OWNER), p.externalIds().get(Owners.POD_UID));
                        plumber.removePorts(Set.of(now.get()));
                        plumber.deleteVeth(p.name());
                        removed.incrementAndGet();
                    }
                });
            }
        }
        for (String v : veths) {
            if (VethNames.isHostVeth(v) && ovs.port(v).isEmpty()) {
                handler.ifIdle(v, () -> {
                    if (ovs.port(v).isEmpty() && host.linkExists(v)) {
                        log.info("removing veth {}: no OVS port uses it", v);
                        plumber.deleteVeth(v);
                        removed.incrementAndGet();
                    }
                });
            }
        }
        return removed.get();
    }

    /** The port's pod is gone or replaced, or its veth is ({@code linkExists} answers from a snapshot or live). */
    private boolean isStale(String portName, Predicate<String> linkExists) {
        Optional<Port> port = ovs.port(portName);
        if (port.isEmpty()) {
            return false;
        }
        Map<String, String> ids = port.get().externalIds();
        Optional<AgentPod> pod = pods.get(ids.getOrDefault(Owners.NAMESPACE, ""), ids.getOrDefault(Owners.POD, ""));
        return pod.isEmpty() || !pod.get().getMetadata().getUid().equals(ids.get(Owners.POD_UID))
                || !linkExists.test(portName);
    }
}
