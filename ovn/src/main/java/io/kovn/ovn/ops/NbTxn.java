package io.kovn.ovn.ops;

import io.kovn.ovsdb.model.Column;
import io.kovn.ovsdb.model.Row;
import io.kovn.ovsdb.model.Table;
import io.kovn.ovsdb.replica.DatabaseReplica;
import io.kovn.ovsdb.wire.Condition;
import io.kovn.ovsdb.wire.MutationCoalescer;
import io.kovn.ovsdb.wire.Operation;
import io.kovn.ovsdb.wire.Uuid;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Consumer;

/**
 * The operations of one NB transaction being built, read against the NB replica. Rows inserted earlier in the
 * same transaction are remembered by table and name, so later steps reference them (by named uuid) instead of
 * inserting them twice. The {@code *Ops} classes of this package add to it only what differs from the replica:
 * a transaction for state that is already right is empty.
 *
 * <p>Rows of the tables without a unique index (Logical_Switch, Logical_Router, Load_Balancer) are inserted
 * behind a {@code wait} on their name ({@link #addKeyedInsert}): the server has no index to refuse a second row,
 * and a transaction computed from a replica that has not seen the first one (its reply lost with the connection,
 * then retried) would add it. Rows added by mutating a parent go behind a wait that the parent's column is as
 * the replica showed it ({@link #addUnchangedGuard}). A wait on a name is a scan of the table in ovsdb-server (it
 * indexes only {@code _uuid}): a transaction with many keyed inserts into one table (a cold start's 500 services
 * a batch into 10,000 load balancers) instead waits once that the table's names are exactly the replica's
 * ({@link #TABLE_GUARD_FROM}), one scan for all.
 */
public final class NbTxn {
    private final DatabaseReplica nb;
    private final List<Operation> ops = new ArrayList<>();
    /** Waits that the database is still as the replica showed it, by table/row/column; sent ahead of ops. */
    private final Map<String, Operation> guards = new LinkedHashMap<>();
    private final Map<String, Uuid> pending = new HashMap<>();
    /** Changes to {@link #pending} in order (key, value before), so a rollback undoes them without a copy. */
    private final List<Map.Entry<String, Uuid>> pendingLog = new ArrayList<>();
    /** Guard keys in the order they were added. */
    private final List<String> guardOrder = new ArrayList<>();
    /** Set elements this transaction put in (true) or took out (false), by table/row/column/element. */
    private final Map<String, Boolean> members = new HashMap<>();
    /** Changes to {@link #members} in order (key, value before), undone by a rollback. */
    private final List<Map.Entry<String, Boolean>> membersLog = new ArrayList<>();
    private int names;
    /** The name waits of {@link #addKeyedInsert}, by identity: folded per table by {@link #operations}. */
    private final Map<Operation, KeyedWait> keyedWaits = new IdentityHashMap<>();
    /**
     * From this many keyed inserts into one table in a transaction, one wait that the table's names are the
     * replica's replaces their waits on a name each: k scans of n rows against one of n rows and n names sent.
     */
    static final int TABLE_GUARD_FROM = 32;

    private record KeyedWait(Table<?> table, Column<String> key, String value) {
    }
    /** Writers of rows several steps share, by row, run once each by {@link #finish}. */
    private final Map<String, Consumer<NbTxn>> finishers = new LinkedHashMap<>();

    /**
     * Streaming ({@link #streaming}): the rows of the tables {@link #addKeyedInsert} writes, by uuid with their key,
     * as the database holds them after the transactions flushed so far; a table's entry is made from the replica
     * before the stream's first keyed insert into it.
     */
    private final Map<String, Map<Uuid, Object>> streamKeys;
    /** Streaming: the rows the flushed transactions deleted, by table (the replica may still show them). */
    private final Map<String, Set<Uuid>> streamDeleted;

    public NbTxn(DatabaseReplica nb) {
        this(nb, null, null);
    }

    private NbTxn(DatabaseReplica nb, Map<String, Map<Uuid, Object>> streamKeys, Map<String, Set<Uuid>> streamDeleted) {
        this.nb = nb;
        this.streamKeys = streamKeys;
        this.streamDeleted = streamDeleted;
    }

    /**
     * A transaction written as a stream of transactions ({@link #flush}), each following the ones before it, built
     * as if they were one: rows inserted by an earlier one are named by the uuid the client chose for them
     * ({@link #insert}), set elements and pending rows are remembered across them, a guard is sent with the first
     * of them that registered it, and the waits on keyed tables' names count the rows the earlier ones inserted
     * or deleted. A full sync reconciles the next part while NB commits the previous one, without waiting for the
     * replica to show it. The caller sends each only after the previous one succeeded, and drops the stream when
     * one fails.
     */
    public static NbTxn streaming(DatabaseReplica nb) {
        return new NbTxn(nb, new HashMap<>(), new HashMap<>());
    }

    public boolean isStreaming() {
        return streamKeys != null;
    }

    /**
     * An insert into {@code table} that the operations after it refer to by {@link Operation.Insert#ref}: by a
     * uuid-name (prefix and a number), or streaming, by a uuid the client chose, valid in the later transactions too.
     */
    Operation.Insert insert(Table<?> table, String namePrefix) {
        Operation.Insert ins = Operation.insert(table);
        return isStreaming() ? ins.withUuid(Uuid.random()) : ins.named(newName(namePrefix));
    }

    public DatabaseReplica nb() {
        return nb;
    }

    public NbTxn add(Operation op) {
        ops.add(op);
        return this;
    }

    /**
     * Adds {@code insert}, of the row whose {@code key} column is {@code value}, behind a wait that aborts the
     * whole transaction if the server already has such a row. The caller's retry, reading the replica again once
     * it caught up, then finds the row and corrects it instead of inserting a second one.
     */
    void addKeyedInsert(Table<?> table, Column<String> key, String value, Operation.Insert insert) {
        Operation wait = Operation.waitUntil(table).timeout(0)
                .where(new Condition(key.name(), Condition.Function.EQ, value)).equalTo(List.of(key.name()), List.of());
        keyedWaits.put(wait, new KeyedWait(table, key, value));
        ops.add(wait);
        ops.add(insert);
    }

    /**
     * Makes the transaction abort unless {@code column} of row {@code uuid} holds {@code expected}, the value
     * read from the replica, when the transaction starts (guards go ahead of every other operation; the first
     * guard of a row's column counts). Children added by mutating their parent (routes, NAT rules, ACLs) have no
     * name to guard by: a retry built from a replica that missed the first, lost commit then aborts instead of
     * adding them a second time.
     */
    <T> void addUnchangedGuard(Table<?> table, Uuid uuid, Column<T> column, T expected) {
        String key = table.name() + "/" + uuid.value() + "/" + column.name();
        if (!guards.containsKey(key)) {
            guards.put(key, Operation.waitUntil(table).timeout(0).where(Condition.uuid(uuid))
                    .equalTo(List.of(column.name()), List.of(Map.of(column.name(), expected))));
            guardOrder.add(key);
        }
    }

    /**
     * Has {@code writer} write {@code row} once, when the transaction is finished ({@link #finish}), instead of each
     * step that changes what it holds writing it: a row every node's step changes (a set of every node's addresses)
     * written by each of a batch's n steps would be n writes of up to n elements. The writer must compute the row
     * from the state all steps left. Later registrations of the same row are ignored (it returns false).
     */
    public boolean onFinish(String row, Consumer<NbTxn> writer) {
        return finishers.putIfAbsent(row, writer) == null;
    }

    /** How many rows are registered to be written by {@link #finish}. */
    public int finishers() {
        return finishers.size();
    }

    /** Runs the writers {@link #onFinish} registered, each once; call after the last step, before committing. */
    public void finish() {
        List<Consumer<NbTxn>> writers = new ArrayList<>(finishers.values());
        finishers.clear();
        writers.forEach(w -> w.accept(this));
    }

    /**
     * The guards, then the operations in the order they were added, the set mutations of each row folded into one
     * operation where nothing in between touches the row ({@link MutationCoalescer}).
     */
    public List<Operation> operations() {
        if (isStreaming()) {
            throw new IllegalStateException("a streaming transaction is sent in parts: flush()");
        }
        List<Operation> all = new ArrayList<>(guards.values());
        Set<Operation> folded = tableGuards(all, this::replicaKeys);
        for (Operation op : ops) {
            if (!folded.contains(op)) {
                all.add(op);
            }
        }
        return Collections.unmodifiableList(MutationCoalescer.coalesce(all));
    }

    /**
     * Adds to {@code out} a wait per table with {@link #TABLE_GUARD_FROM} keyed inserts or more: the table's names
     * as the replica shows them now; returns the name waits it replaces (by identity). A table whose replica shows
     * one of those names already (another writer's row arrived since the step read it) keeps its waits: they fail.
     */
    private Set<Operation> tableGuards(List<Operation> out, BiFunction<String, String, Collection<Object>> keysOf) {
        Set<Operation> replaced = Collections.newSetFromMap(new IdentityHashMap<>());
        if (keyedWaits.isEmpty()) {
            return replaced;
        }
        Map<String, List<Operation>> byTable = new LinkedHashMap<>();
        for (Operation op : ops) {
            KeyedWait k = keyedWaits.get(op);
            if (k != null) {
                byTable.computeIfAbsent(k.table().name(), t -> new ArrayList<>()).add(op);
            }
        }
        byTable.forEach((table, waits) -> {
            if (waits.size() < TABLE_GUARD_FROM) {
                return;
            }
            KeyedWait first = keyedWaits.get(waits.get(0));
            String column = first.key().name();
            Set<Object> names = new LinkedHashSet<>(keysOf.apply(table, column));
            for (Operation w : waits) {
                if (names.contains(keyedWaits.get(w).value())) {
                    return;
                }
            }
            List<Map<String, Object>> rows = new ArrayList<>(names.size());
            names.forEach(n -> rows.add(Map.of(column, n)));
            out.add(Operation.waitUntil(first.table()).timeout(0).equalTo(List.of(column), rows));
            replaced.addAll(waits);
        });
        return replaced;
    }

    /** The {@code column} of each row of {@code table} as the replica shows it now. */
    private Collection<Object> replicaKeys(String table, String column) {
        List<Object> names = new ArrayList<>();
        for (Row row : nb.rows(table)) {
            names.add(row.get(column));
        }
        return names;
    }

    /**
     * Streaming: the operations added since the last flush as the next transaction of the stream (empty if there
     * are none: its guards wait for the next one): the guards first registered since, then the operations, the
     * keyed inserts into a table guarded by its names as the transactions before this one leave them. Call between
     * two keys (a {@link #checkpoint} does not reach back past a flush); after the last key, {@link #finish} first.
     */
    public List<Operation> flush() {
        if (!isStreaming()) {
            throw new IllegalStateException("not a streaming transaction");
        }
        if (ops.isEmpty()) {
            return List.of();
        }
        List<Operation> all = new ArrayList<>(guardOrder.size() + ops.size());
        for (String key : guardOrder) {
            all.add(guards.get(key)); // sent once: the guards map keeps the key, so it is not registered again
        }
        Set<Operation> folded = tableGuards(all, (table, column) -> streamKeys(table, column).values());
        KeyedWait inserting = null; // a keyed insert follows its wait
        for (Operation op : ops) {
            if (!folded.contains(op)) {
                all.add(op);
            }
            KeyedWait k = keyedWaits.get(op);
            if (k != null) {
                streamKeys(k.table().name(), k.key().name()); // made from the replica before this flush's inserts
                inserting = k;
                continue;
            }
            if (op instanceof Operation.Insert ins && inserting != null && ins.table().equals(inserting.table().name())) {
                streamKeys.get(ins.table()).put(ins.ref(), inserting.value());
            } else if (op instanceof Operation.Delete d && d.where().size() == 1
                    && "_uuid".equals(d.where().get(0).column()) && d.where().get(0).value() instanceof Uuid u) {
                streamDeleted.computeIfAbsent(d.table(), t -> new HashSet<>()).add(u);
                Map<Uuid, Object> keys = streamKeys.get(d.table());
                if (keys != null) {
                    keys.remove(u);
                }
            }
            inserting = null;
        }
        ops.clear();
        keyedWaits.clear();
        guardOrder.clear();
        pendingLog.clear();
        membersLog.clear();
        return Collections.unmodifiableList(MutationCoalescer.coalesce(all));
    }

    /** Streaming: the keyed table's keys by row, made from the replica (less the rows the stream deleted) once. */
    private Map<Uuid, Object> streamKeys(String table, String column) {
        return streamKeys.computeIfAbsent(table, t -> {
            Set<Uuid> deleted = streamDeleted.getOrDefault(t, Set.of());
            Map<Uuid, Object> keys = new HashMap<>();
            for (Row row : nb.rows(t)) {
                if (!deleted.contains(row.uuid())) {
                    keys.put(row.uuid(), row.get(column));
                }
            }
            return keys;
        });
    }

    /** True when nothing would change: guards alone are not worth a transaction. */
    public boolean isEmpty() {
        return ops.isEmpty();
    }

    public int size() {
        return guards.size() + ops.size();
    }

    /**
     * A point to roll back to if building the next part fails: positions in the operations and in the logs of
     * pending rows, guards and set elements, so taking one costs nothing however big the transaction (one is taken per key).
     */
    public record Checkpoint(int size, int pendingChanges, int guards, int memberChanges) {
    }

    public Checkpoint checkpoint() {
        return new Checkpoint(ops.size(), pendingLog.size(), guardOrder.size(), membersLog.size());
    }

    /** Drops everything added since {@code cp}. */
    public void rollback(Checkpoint cp) {
        ops.subList(cp.size(), ops.size()).clear();
        undo(pendingLog, pending, cp.pendingChanges());
        for (int i = guardOrder.size() - 1; i >= cp.guards(); i--) {
            guards.remove(guardOrder.remove(i));
        }
        undo(membersLog, members, cp.memberChanges());
    }

    /** Puts back, newest first, the values {@code log} recorded for {@code map} from entry {@code from} on. */
    private static <V> void undo(List<Map.Entry<String, V>> log, Map<String, V> map, int from) {
        for (int i = log.size() - 1; i >= from; i--) {
            Map.Entry<String, V> change = log.remove(i);
            if (change.getValue() == null) {
                map.remove(change.getKey());
            } else {
                map.put(change.getKey(), change.getValue());
            }
        }
    }

    /**
     * Whether the set element {@code key} (table/row/column/element) is in its set as this transaction leaves it so
     * far: as its own single-element mutations put it, else {@code inReplica}. Two steps of one transaction that take
     * an element out and put it back (a pod recreated that gets its predecessor's address) then write both, where
     * reading the replica alone the second would see the element still there and write nothing.
     */
    boolean isMember(String key, boolean inReplica) {
        Boolean mine = members.get(key);
        return mine != null ? mine : inReplica;
    }

    void markMember(String key, boolean member) {
        membersLog.add(new AbstractMap.SimpleEntry<>(key, members.put(key, member)));
    }

    /** A fresh uuid-name for an insert of this transaction. */
    String newName(String prefix) {
        return prefix + (++names);
    }

    /** A row of {@code table} named {@code name} inserted earlier in this transaction. */
    Optional<Uuid> pending(String table, String name) {
        return Optional.ofNullable(pending.get(table + "/" + name));
    }

    void markPending(String table, String name, Uuid ref) {
        String key = table + "/" + name;
        pendingLog.add(new AbstractMap.SimpleImmutableEntry<>(key, pending.put(key, ref)));
    }

    void forgetPending(String table, String name) {
        String key = table + "/" + name;
        Uuid before = pending.remove(key);
        if (before != null) {
            pendingLog.add(new AbstractMap.SimpleImmutableEntry<>(key, before));
        }
    }
}
