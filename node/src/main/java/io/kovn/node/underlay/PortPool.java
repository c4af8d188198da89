package io.kovn.node.underlay;

import io.kovn.cni.CniInputs;
import io.kovn.node.ovs.LocalOvs;
import io.kovn.ovn.annotations.UnderlayPool;
import io.kovn.ovn.vswitch.OpenVSwitch;
import io.kovn.ovsdb.client.TransactionException;
import io.kovn.ovsdb.replica.DatabaseReplica;
import io.kovn.ovsdb.wire.Operation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The VM's cache of pooled child ports, in the external_ids of its Open_vSwitch row (one {@link PoolEntry} per
 * key), read from the agent's replica. An entry changes hands only in one transaction whose first operation waits
 * (timeout 0) for the entry's old value: two ADDs that pick the same entry cannot both commit, the loser moves on
 * to the next free one. Being in the database file, the cache outlives restarts of ovsdb-server and ovs-vswitchd.
 */
public final class PortPool {
    private static final Logger log = LoggerFactory.getLogger(PortPool.class);
    private static final String TIMED_OUT = "timed out";

    private final LocalOvs ovs;
    private final Duration timeout;

    public PortPool(LocalOvs ovs, Duration timeout) {
        this.ovs = ovs;
        this.timeout = timeout;
    }

    /**
     * The cache as read now: the entries that parse and the reasons the others are refused. Entries sharing a tag
     * or an address are all refused: handing either out would make two pods one port for OVN.
     */
    public record Snapshot(List<PoolEntry> entries, List<String> refused) {
        public List<PoolEntry> free() {
            return entries.stream().filter(PoolEntry::isFree).toList();
        }

        public Optional<PoolEntry> heldBy(String containerId, String ifName) {
            String user = containerId + "/" + ifName;
            return entries.stream().filter(e -> e.user().equals(user)).findFirst();
        }
    }

    public Snapshot read() {
        List<PoolEntry> parsed = new ArrayList<>();
        List<String> refused = new ArrayList<>();
        for (Map.Entry<String, String> id : ovs.externalIds().entrySet()) {
            String portId = PoolEntry.portIdOf(id.getKey());
            if (portId == null) {
                continue;
            }
            try {
                parsed.add(PoolEntry.parse(portId, id.getValue()));
            } catch (IllegalArgumentException e) {
                refused.add(CniInputs.shown(id.getKey()) + ": " + e.getMessage());
            }
        }
        Map<Integer, Integer> tags = new HashMap<>();
        Map<Integer, Integer> addresses = new HashMap<>();
        parsed.forEach(e -> {
            tags.merge(e.tag(), 1, Integer::sum);
            addresses.merge(e.address().address().value(), 1, Integer::sum);
        });
        List<PoolEntry> entries = new ArrayList<>();
        for (PoolEntry e : parsed) {
            if (tags.get(e.tag()) > 1 || addresses.get(e.address().address().value()) > 1) {
                refused.add(e.key() + ": its tag " + e.tag() + " or address " + e.address().address()
                        + " is also another entry's");
            } else {
                entries.add(e);
            }
        }
        entries.sort(Comparator.comparing(PoolEntry::portId));
        return new Snapshot(List.copyOf(entries), List.copyOf(refused));
    }

    /**
     * An entry for (container, interface): the one it already holds (a repeated ADD), else a free one, now marked
     * as its own; empty when no free entry is left.
     */
    public Optional<PoolEntry> take(String containerId, String ifName) {
        Snapshot s = read();
        Optional<PoolEntry> held = s.heldBy(containerId, ifName);
        if (held.isPresent()) {
            return held;
        }
        for (PoolEntry free : s.free()) {
            PoolEntry taken = free.usedBy(containerId, ifName);
            if (swap(free, taken)) {
                return Optional.of(taken);
            }
        }
        return Optional.empty();
    }

    /** Frees the entries (container, interface) holds; returns them. Nothing held is fine (a repeated DEL). */
    public List<PoolEntry> release(String containerId, String ifName) {
        List<PoolEntry> released = new ArrayList<>();
        Optional<PoolEntry> held;
        int tries = 0;
        while ((held = read().heldBy(containerId, ifName)).isPresent() && tries++ < 3) {
            if (swap(held.get(), held.get().freed())) {
                released.add(held.get());
            }
        }
        if (!released.isEmpty()) {
            log.info("underlay pool: {} freed by {}/{}", released.stream().map(PoolEntry::portId).toList(),
                    containerId, ifName);
        }
        return released;
    }

    /** What {@link #sync} changed, and the ports of the control plane's pool it kept out (held, or refused). */
    public record SyncResult(int added, int removed, int replaced, List<String> kept) {
        public boolean changed() {
            return added + removed + replaced > 0;
        }
    }

    /**
     * Makes the cache the control plane's pool: its ports are added free, cached entries it no longer has are
     * removed and changed ones replaced, but only while free; an entry a pod holds stays as it is until its DEL, and
     * the next sync then corrects it. One transaction whose waits (timeout 0) require every removed or replaced entry
     * to still hold the value read, so an ADD taking one meanwhile makes it fail and the sync start over (3 tries).
     */
    public SyncResult sync(UnderlayPool wanted) {
        for (int attempt = 1; ; attempt++) {
            Map<String, String> cached = new HashMap<>();
            ovs.externalIds().forEach((k, v) -> {
                if (PoolEntry.portIdOf(k) != null) {
                    cached.put(k, v);
                }
            });
            Map<String, String> put = new HashMap<>();
            Map<String, String> guarded = new HashMap<>();
            List<String> kept = new ArrayList<>();
            int added = 0;
            int replaced = 0;
            for (UnderlayPool.Port p : wanted.ports()) {
                PoolEntry entry;
                try {
                    entry = new PoolEntry(p.id(), p.address(), p.gateway(), p.mac(), p.tag(), "");
                } catch (IllegalArgumentException e) {
                    kept.add(p.id() + ": refused: " + e.getMessage());
                    continue;
                }
                String current = cached.remove(entry.key());
                if (entry.value().equals(current)) {
                    continue;
                }
                if (current != null && held(entry.portId(), current)) {
                    kept.add(p.id() + ": held by a pod, changed once it is freed");
                    continue;
                }
                if (current == null) {
                    added++;
                } else {
                    replaced++;
                    guarded.put(entry.key(), current);
                }
                put.put(entry.key(), entry.value());
            }
            int removed = 0;
            for (Map.Entry<String, String> stale : cached.entrySet()) {
                if (held(PoolEntry.portIdOf(stale.getKey()), stale.getValue())) {
                    kept.add(PoolEntry.portIdOf(stale.getKey()) + ": held by a pod, removed once it is freed");
                } else {
                    guarded.put(stale.getKey(), stale.getValue());
                    removed++;
                }
            }
            if (put.isEmpty() && guarded.isEmpty()) {
                return new SyncResult(0, 0, 0, List.copyOf(kept));
            }
            List<Operation> ops = new ArrayList<>();
            guarded.forEach((k, v) -> ops.add(Operation.waitUntil(OpenVSwitch.TABLE)
                    .where(OpenVSwitch.EXTERNAL_IDS.includes(Map.of(k, v))).timeout(0)
                    .notEqualTo(List.of(OpenVSwitch.EXTERNAL_IDS.name()), List.of())));
            ops.add(Operation.mutate(OpenVSwitch.TABLE).with(OpenVSwitch.EXTERNAL_IDS.deleteKeys(guarded.keySet()),
                    OpenVSwitch.EXTERNAL_IDS.insert(put)));
            try {
                ovs.transact(ops);
            } catch (LocalOvs.OvsException e) {
                if (attempt < 3 && e.getCause() instanceof TransactionException t && TIMED_OUT.equals(t.error())) {
                    continue;
                }
                throw e;
            }
            awaitReplica(r -> r.list(OpenVSwitch.TABLE).stream().anyMatch(o -> o.externalIds().entrySet()
                    .containsAll(put.entrySet()) && guarded.keySet().stream().filter(k -> !put.containsKey(k))
                    .noneMatch(o.externalIds()::containsKey)), "the synced pool");
            log.info("underlay pool: {} added, {} removed, {} replaced from the control plane's pool{}", added, removed,
                    replaced, kept.isEmpty() ? "" : "; kept as they are: " + kept);
            return new SyncResult(added, removed, replaced, List.copyOf(kept));
        }
    }

    /** True unless the cached value parses as a free entry (an unparsable one is not handed out, so not held). */
    private static boolean held(String portId, String value) {
        try {
            return !PoolEntry.parse(portId, value).isFree();
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /**
     * Replaces {@code from} with {@code to} if the cache still holds {@code from}; false if another writer got there
     * first. Waits until the replica shows the change, so that the next read sees it.
     */
    private boolean swap(PoolEntry from, PoolEntry to) {
        List<Operation> ops = List.of(
                Operation.waitUntil(OpenVSwitch.TABLE)
                        .where(OpenVSwitch.EXTERNAL_IDS.includes(Map.of(from.key(), from.value()))).timeout(0)
                        .notEqualTo(List.of(OpenVSwitch.EXTERNAL_IDS.name()), List.of()),
                Operation.mutate(OpenVSwitch.TABLE).with(OpenVSwitch.EXTERNAL_IDS.deleteKeys(Set.of(from.key())),
                        OpenVSwitch.EXTERNAL_IDS.insert(Map.of(to.key(), to.value()))));
        try {
            ovs.transact(ops);
        } catch (LocalOvs.OvsException e) {
            if (e.getCause() instanceof TransactionException t && TIMED_OUT.equals(t.error())) {
                return false;
            }
            throw e;
        }
        awaitReplica(r -> r.list(OpenVSwitch.TABLE).stream()
                .anyMatch(o -> to.value().equals(o.externalIds().get(to.key()))), to.key());
        return true;
    }

    private void awaitReplica(Predicate<DatabaseReplica> shows, String what) {
        try {
            ovs.await(shows).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            throw new IllegalStateException("the replica of the Open_vSwitch database did not show " + what
                    + " within " + timeout.toSeconds() + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
