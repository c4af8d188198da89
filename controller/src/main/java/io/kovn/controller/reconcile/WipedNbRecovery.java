package io.kovn.controller.reconcile;

import io.fabric8.kubernetes.api.model.Pod;
import io.kovn.controller.ObjectKey;
import io.kovn.controller.alloc.AddressPool;
import io.kovn.ovn.Owners;
import io.kovn.ovn.annotations.PodNetwork;
import io.kovn.ovn.nb.AddressSet;
import io.kovn.ovn.nb.LoadBalancer;
import io.kovn.ovn.nb.LogicalRouter;
import io.kovn.ovn.nb.LogicalRouterPort;
import io.kovn.ovn.nb.LogicalSwitch;
import io.kovn.ovn.nb.LogicalSwitchPort;
import io.kovn.ovn.nb.PortGroup;
import io.kovn.ovn.net.Ipv4Cidr;
import io.kovn.ovsdb.replica.DatabaseReplica;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Disaster recovery of a lost Northbound database: when NB holds no row of any Node or Pod (wiped and recreated
 * empty), pods keep the addresses they have. Normally a pod's address comes from its own
 * NB port only, never from its {@code k8s.ovn.org/pod-networks} annotation, which whoever creates the pod could
 * choose. With nothing in NB the annotation is the only record left, and it is trusted under these conditions:
 * <ul>
 *   <li>the deployment's admission policy (deploy/) lets only the controller's identity write
 *       {@code k8s.ovn.org/} pod annotations, so an annotation present is one the controller wrote;</li>
 *   <li>it must parse strictly and be exactly what the controller writes for an address of the pod's node subnet
 *       (prefix, gateway, the MAC derived from the address); the node subnet itself comes from the Node's
 *       annotation, claimed only inside the cluster subnet and not overlapping another node's;</li>
 *   <li>two pods naming the same address: the one created first keeps it; the other gets a new address, and the
 *       pod reconciler replaces its annotation with an Event on the pod.</li>
 * </ul>
 * A database with any Node's or Pod's row is not wiped: there NB stays the only source, as before.
 */
final class WipedNbRecovery {
    private static final Logger log = LoggerFactory.getLogger(WipedNbRecovery.class);

    private WipedNbRecovery() {
    }

    /**
     * No row of any table kovn writes belongs to a Node or a Pod: nothing in NB records an allocation. (The
     * cluster-wide rows, the join switch and the cluster router, may already be there: the controller makes them
     * before it rebuilds its allocations.)
     */
    static boolean nbHoldsNoAllocation(DatabaseReplica nb) {
        return Stream.of(LogicalSwitch.TABLE, LogicalSwitchPort.TABLE, LogicalRouter.TABLE, LogicalRouterPort.TABLE,
                LoadBalancer.TABLE, PortGroup.TABLE, AddressSet.TABLE).allMatch(t ->
                nb.byExternalId(t, Owners.OWNER_TYPE, Owners.TYPE_NODE).isEmpty()
                        && nb.byExternalId(t, Owners.OWNER_TYPE, Owners.TYPE_POD).isEmpty());
    }

    /**
     * Claims each networked pod's annotated address, oldest pod first, where it is exactly what the controller
     * would write on that node; returns how many were claimed.
     */
    static int claimFromAnnotations(ClusterState s, PodReconciler pods) {
        List<Pod> oldestFirst = s.podsList().stream().filter(ClusterState::networked)
                .sorted(Comparator.comparing((Pod p) -> p.getMetadata().getCreationTimestamp() == null ? ""
                                : p.getMetadata().getCreationTimestamp())
                        .thenComparing(p -> p.getMetadata().getNamespace() + "/" + p.getMetadata().getName()))
                .toList();
        int claimed = 0;
        for (Pod pod : oldestFirst) {
            String published = pod.getMetadata().getAnnotations() == null ? null
                    : pod.getMetadata().getAnnotations().get(PodNetwork.ANNOTATION);
            AddressPool pool = s.podIps().get(pod.getSpec().getNodeName());
            if (published == null || pool == null) {
                continue;
            }
            String ref = pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
            int ip;
            try {
                PodNetwork p = PodNetwork.parse(published);
                ip = Ipv4Cidr.parseAddress(p.ip());
                if (!PodNetwork.of(pool.subnet(), ip).equals(p)) {
                    log.warn("pod {}: its annotation ({}) is not an allocation of node {}'s subnet {}; it gets a new "
                            + "address", ref, p.describe(), pod.getSpec().getNodeName(), pool.subnet());
                    continue;
                }
            } catch (IllegalArgumentException e) {
                log.warn("pod {}: unreadable annotation ({}); it gets a new address", ref, e.getMessage());
                continue;
            }
            if (pods.claim(ObjectKey.pod(pod.getMetadata().getNamespace(), pod.getMetadata().getName()),
                    pod.getMetadata().getUid(), pod.getSpec().getNodeName(), ip)) {
                claimed++;
            } else {
                log.warn("pod {}: {} is taken by an older pod (or not a pod address of {}); it gets a new address",
                        ref, Ipv4Cidr.format(ip), pool.subnet());
            }
        }
        return claimed;
    }
}
