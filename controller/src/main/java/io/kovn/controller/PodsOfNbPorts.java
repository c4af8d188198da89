package io.kovn.controller;

import io.fabric8.kubernetes.api.model.Pod;
import io.kovn.controller.reconcile.ClusterState;
import io.kovn.ovn.Owners;
import io.kovn.ovn.nb.LogicalSwitchPort;
import io.kovn.ovsdb.replica.DatabaseReplica;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The condition the allocation rebuild waits for: the pods informer holds every pod NB has a port for, unless the
 * API server says that pod is gone. A list may come from a cache that lags behind (a real API server's watch
 * cache), and an address held by a pod the informer has not delivered yet would look free to the rebuild and be
 * handed out again.
 */
final class PodsOfNbPorts {
    private static final Logger log = LoggerFactory.getLogger(PodsOfNbPorts.class);
    private static final Duration POLL = Duration.ofMillis(200);
    /** Pods found to exist are looked up again this often: one may have been deleted since. */
    private static final int RECHECK_ROUNDS = 25;

    private PodsOfNbPorts() {
    }

    /** True once the condition holds; false if {@code running} turned false first; throws after {@code timeout}. */
    static boolean await(DatabaseReplica nb, ClusterApi api, ClusterState pods, Duration timeout,
                         BooleanSupplier running) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Set<String> gone = new HashSet<>();
        Set<String> exist = new HashSet<>();
        for (int round = 0; running.getAsBoolean(); round++) {
            if (round % RECHECK_ROUNDS == 0) {
                exist.clear();
            }
            Set<String> known = new HashSet<>();
            pods.podsList().forEach(p -> known.add(p.getMetadata().getUid()));
            List<String> missing = new ArrayList<>();
            for (LogicalSwitchPort port : nb.withExternalId(LogicalSwitchPort.TABLE, Owners.POD_UID)) {
                Map<String, String> ext = port.externalIds();
                String uid = ext.get(Owners.POD_UID);
                String namespace = ext.get(Owners.NAMESPACE);
                String name = ext.get(Owners.POD);
                if (known.contains(uid) || gone.contains(uid) || namespace == null || name == null) {
                    continue;
                }
                if (!exist.contains(uid)) {
                    Pod live = api.pod(namespace, name);
                    if (live == null || !uid.equals(live.getMetadata().getUid())) {
                        gone.add(uid);
                        continue;
                    }
                    exist.add(uid);
                }
                missing.add(namespace + "/" + name);
            }
            if (missing.isEmpty()) {
                return true;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("the pods informer has not delivered " + missing.size()
                        + " pods that hold NB ports, e.g. " + missing.get(0));
            }
            if (round % RECHECK_ROUNDS == 0) {
                log.info("waiting for the pods informer to deliver {} pods that hold NB ports, e.g. {}", missing.size(),
                        missing.get(0));
            }
            Thread.sleep(POLL.toMillis());
        }
        return false;
    }
}
