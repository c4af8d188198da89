package io.kovn.node.cni;

import io.kovn.ovn.Owners;
import io.kovn.ovn.vswitch.Interface;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * GC (CNI 1.1.0) as both modes do it: the runtime names the attachments of a network that are still valid, kovn
 * removes the others it made. This class holds what the modes share (reading the valid list, listing kovn's plugged
 * attachments, removing the stale ones one by one with failures reported together); each mode says how one
 * attachment is removed, and underlay mode adds the pool entries whose holder is gone.
 */
final class AttachmentGc {
    private static final Logger log = LoggerFactory.getLogger(AttachmentGc.class);

    private AttachmentGc() {
    }

    /**
     * One attachment kovn made.
     *
     * @param network the CNI network it belongs to; null when unknown (a pool entry, a port of an older agent)
     * @param owner what the logs name it by
     */
    record Attachment(String containerId, String ifName, String network, String owner) {
        String key() {
            return containerId + "/" + ifName;
        }

        /** Whether a GC of {@code networkName} may remove it: it is of that network, or of none recorded. */
        boolean of(String networkName) {
            return network == null || network.equals(networkName);
        }
    }

    /** Removes one stale attachment; false when an ADD or DEL holds it now (it is left for the next GC). */
    interface Removal {
        boolean removeIfIdle(Attachment a);
    }

    /** {@code <container id>/<ifname>} of each of the runtime's valid attachments ({@code cni.dev/valid-attachments}). */
    static Set<String> valid(CniRequest req) {
        Set<String> valid = new HashSet<>();
        req.config().path("cni.dev/valid-attachments").forEach(a ->
                valid.add(a.path("containerID").asString("") + "/" + a.path("ifname").asString("")));
        return valid;
    }

    /** The attachments kovn plugged into the local OVS (interfaces with a sandbox id), of any network. */
    static List<Attachment> plugged(PodPlumber plumber) {
        List<Attachment> plugged = new ArrayList<>();
        for (Interface i : plumber.attachments()) {
            Map<String, String> ids = i.externalIds();
            plugged.add(new Attachment(ids.get(PodPlumber.SANDBOX), ids.getOrDefault(PodPlumber.IF_NAME, "eth0"),
                    ids.get(PodPlumber.NETWORK), ids.get(Owners.OWNER)));
        }
        return plugged;
    }

    /**
     * Removes each of {@code stale} with {@code removal}; all are tried, those held by an operation are skipped, and
     * the failures are reported together as code 100.
     */
    static void remove(CniRequest req, Collection<Attachment> stale, Removal removal) throws CniFailure {
        List<String> removed = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        for (Attachment a : stale) {
            try {
                if (removal.removeIfIdle(a)) {
                    removed.add(a.key() + " (" + a.owner() + ")");
                }
            } catch (RuntimeException e) {
                failed.add(a.key() + ": " + e.getMessage());
            }
        }
        if (!removed.isEmpty()) {
            log.info("GC of network {}: removed {} attachments the runtime no longer has: {}", req.networkName(),
                    removed.size(), removed);
        }
        if (!failed.isEmpty()) {
            throw new CniFailure(CniFailure.SETUP_FAILED, "GC could not remove " + failed.size() + " attachments",
                    String.join("; ", failed));
        }
    }
}
