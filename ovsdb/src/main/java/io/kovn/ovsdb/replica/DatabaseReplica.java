package io.kovn.ovsdb.replica;

import io.kovn.ovsdb.model.Column;
import io.kovn.ovsdb.model.Row;
import io.kovn.ovsdb.model.SortedAtomSet;
import io.kovn.ovsdb.model.Table;
import io.kovn.ovsdb.schema.ColumnSchema;
import io.kovn.ovsdb.schema.ColumnType;
import io.kovn.ovsdb.schema.DatabaseSchema;
import io.kovn.ovsdb.schema.TableSchema;
import io.kovn.ovsdb.wire.OvsdbJson;
import io.kovn.ovsdb.wire.OvsdbProtocolException;
import io.kovn.ovsdb.wire.Uuid;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

/**
 * The local copy of the monitored tables of one database, kept current by the server's update notifications.
 * Readers (any thread) see each update batch whole. Rows are indexed by uuid, by their {@code name} column and
 * schema-declared one-column indexes, and by every key of {@code external_ids}.
 */
public final class DatabaseReplica {
    private static final Logger log = LoggerFactory.getLogger(DatabaseReplica.class);

    private final DatabaseSchema schema;
    private final Map<String, TableData> tables = new LinkedHashMap<>();
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final Map<String, List<RowListener<Row>>> listeners = new HashMap<>();
    private final List<Waiter> waiters = new CopyOnWriteArrayList<>();
    private final List<Runnable> resetListeners = new CopyOnWriteArrayList<>();
    private volatile String lastTxnId;

    public DatabaseReplica(DatabaseSchema schema, Collection<String> monitoredTables) {
        this(schema, monitoredTables, null);
    }

    /**
     * A replica indexing only {@code indexedExternalIds} of the rows' {@code external_ids} keys (null: every key);
     * lookups by another key scan the table.
     */
    public DatabaseReplica(DatabaseSchema schema, Collection<String> monitoredTables, Set<String> indexedExternalIds) {
        this.schema = schema;
        for (String t : monitoredTables) {
            tables.put(t, new TableData(schema.table(t), indexedExternalIds));
            listeners.put(t, new CopyOnWriteArrayList<>());
        }
    }

    public DatabaseSchema schema() {
        return schema;
    }

    public Set<String> tables() {
        return tables.keySet();
    }

    /** The id of the last transaction seen (monitor_cond_since), or null. */
    public String lastTxnId() {
        return lastTxnId;
    }

    // ---- reading

    public Optional<Row> row(String table, Uuid uuid) {
        return read(() -> Optional.ofNullable(data(table).rows.get(uuid)));
    }

    public <M> Optional<M> get(Table<M> table, Uuid uuid) {
        return row(table.name(), uuid).map(table::wrap);
    }

    public List<Row> rows(String table) {
        return read(() -> List.copyOf(data(table).rows.values()));
    }

    public <M> List<M> list(Table<M> table) {
        return rows(table.name()).stream().map(table::wrap).toList();
    }

    public int size(String table) {
        return read(() -> data(table).rows.size());
    }

    /** Rows whose {@code column} equals {@code value}: an index lookup for indexed columns, else a scan. */
    public <M, V> List<M> lookup(Table<M> table, Column<V> column, V value) {
        return read(() -> {
            TableData d = data(table.name());
            UuidIndex<Object> index = d.indexes.get(column.name());
            if (index != null) {
                return d.resolve(index.get(value)).stream().map(table::wrap).toList();
            }
            return d.rows.values().stream().filter(r -> Objects.equals(r.get(column.name()), value))
                    .map(table::wrap).toList();
        });
    }

    public <M, V> Optional<M> lookupOne(Table<M> table, Column<V> column, V value) {
        List<M> found = lookup(table, column, value);
        return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
    }

    /** Rows whose {@code external_ids} map has {@code key} = {@code value}. */
    public <M> List<M> byExternalId(Table<M> table, String key, String value) {
        return read(() -> {
            TableData d = data(table.name());
            if (!d.indexes(key)) {
                return d.rows.values().stream().filter(r -> value.equals(externalIds(r).get(key))).map(table::wrap)
                        .toList();
            }
            UuidIndex<String> byValue = d.externalIds.get(key);
            return d.resolve(byValue == null ? null : byValue.get(value)).stream().map(table::wrap).toList();
        });
    }

    /** Rows whose {@code external_ids} map has {@code key}, whatever its value. */
    public <M> List<M> withExternalId(Table<M> table, String key) {
        return read(() -> {
            TableData d = data(table.name());
            if (!d.indexes(key)) {
                return d.rows.values().stream().filter(r -> externalIds(r).containsKey(key)).map(table::wrap).toList();
            }
            UuidIndex<String> byValue = d.externalIds.get(key);
            List<M> out = new ArrayList<>();
            if (byValue != null) {
                byValue.forEach(u -> out.add(table.wrap(d.rows.get(u))));
            }
            return out;
        });
    }

    private static Map<?, ?> externalIds(Row r) {
        return r.table().columns().containsKey("external_ids") && r.get("external_ids") instanceof Map<?, ?> m
                ? m : Map.of();
    }

    // ---- listening

    public void addListener(String table, RowListener<Row> listener) {
        List<RowListener<Row>> l = listeners.get(table);
        if (l == null) {
            throw new IllegalArgumentException("table " + table + " is not replicated");
        }
        l.add(listener);
    }

    /**
     * Told after the whole content was replaced ({@link #resetTo}: a reconnect the server could not resume, or a
     * database recreated as a new cluster), once the row listeners saw the differences; on the notification thread.
     * What a writer derived from the replica may be gone: it should compare again.
     */
    public void addResetListener(Runnable listener) {
        resetListeners.add(listener);
    }

    public <M> void addListener(Table<M> table, RowListener<M> listener) {
        addListener(table.name(), new RowListener<Row>() {
            @Override
            public void onAdd(Row row) {
                listener.onAdd(table.wrap(row));
            }

            @Override
            public void onUpdate(Row old, Row row) {
                listener.onUpdate(table.wrap(old), table.wrap(row));
            }

            @Override
            public void onDelete(Row old) {
                listener.onDelete(table.wrap(old));
            }
        });
    }

    /**
     * Completes when {@code condition} holds on the replica: at once if it already does, otherwise after the
     * update that makes it true. The caller should bound it with a timeout.
     */
    public CompletableFuture<Void> await(Predicate<DatabaseReplica> condition) {
        Waiter w = new Waiter(condition, new CompletableFuture<>());
        waiters.add(w);
        w.future.whenComplete((v, e) -> waiters.remove(w));
        if (condition.test(this)) {
            w.future.complete(null);
        }
        return w.future;
    }

    // ---- updating (called by the client on its notification thread)

    /**
     * Applies {@code update2}/{@code update3} table-updates (RFC 7047 extension: initial/insert/delete/modify).
     * The batch is applied whole or, when any row of it does not decode, not at all (and throws).
     */
    public void applyUpdate2(JsonNode tableUpdates, String txnId) {
        List<Event> events;
        lock.writeLock().lock();
        try {
            Map<Uuid, Uuid> inserted = insertedUuids(tableUpdates);
            SharedUuids sharing = new SharedUuids((table, uuid) -> {
                Uuid fresh = inserted.get(uuid);
                if (fresh != null) {
                    return fresh;
                }
                TableData d = tables.get(table);
                Row row = d == null ? null : d.rows.get(uuid);
                return row == null ? null : row.uuid();
            });
            List<Change> changes = new ArrayList<>();
            for (Map.Entry<String, JsonNode> t : tableUpdates.properties()) {
                TableData d = tables.get(t.getKey());
                if (d == null) {
                    continue;
                }
                for (Map.Entry<String, JsonNode> r : t.getValue().properties()) {
                    Uuid uuid = Uuid.of(r.getKey());
                    JsonNode u = r.getValue();
                    if (u.has("initial") || u.has("insert")) {
                        uuid = inserted.getOrDefault(uuid, uuid);
                        Row row = sharing.share(
                                Row.fromJson(d.schema, uuid, u.has("initial") ? u.get("initial") : u.get("insert")));
                        changes.add(new Change(d, uuid, row));
                    } else if (u.has("delete")) {
                        changes.add(new Change(d, uuid, null));
                    } else if (u.has("modify")) {
                        Row old = d.rows.get(uuid);
                        if (old == null) {
                            throw new OvsdbProtocolException("modify of unknown row " + uuid + " in " + t.getKey());
                        }
                        changes.add(new Change(d, uuid, applyDiff(d.schema, old, u.get("modify"), sharing)));
                    }
                }
            }
            events = apply(changes);
            if (txnId != null) {
                lastTxnId = txnId;
            }
        } finally {
            lock.writeLock().unlock();
        }
        dispatch(events);
    }

    /**
     * Applies an {@code update} notification of the original {@code monitor} method (old/new full rows), whole
     * or not at all.
     */
    public void applyUpdate1(JsonNode tableUpdates) {
        List<Event> events;
        lock.writeLock().lock();
        try {
            List<Change> changes = new ArrayList<>();
            for (Map.Entry<String, JsonNode> t : tableUpdates.properties()) {
                TableData d = tables.get(t.getKey());
                if (d == null) {
                    continue;
                }
                for (Map.Entry<String, JsonNode> r : t.getValue().properties()) {
                    Uuid uuid = Uuid.of(r.getKey());
                    JsonNode n = r.getValue().get("new");
                    if (n == null || n.isNull()) {
                        changes.add(new Change(d, uuid, null));
                    } else {
                        // decoded as given: a column that became empty must replace the old value, not vanish
                        Map<String, Object> values = decodeColumns(d.schema, n);
                        Row old = d.rows.get(uuid);
                        changes.add(new Change(d, uuid, old == null ? new Row(d.schema, uuid, values) : old.with(values)));
                    }
                }
            }
            events = apply(changes);
        } finally {
            lock.writeLock().unlock();
        }
        dispatch(events);
    }

    /**
     * The uuids of the rows {@code tableUpdates} inserts, each its own instance: the rows and the references to
     * them in the same update share it ({@link SharedUuids}).
     */
    private Map<Uuid, Uuid> insertedUuids(JsonNode tableUpdates) {
        Map<Uuid, Uuid> out = new HashMap<>();
        for (Map.Entry<String, JsonNode> t : tableUpdates.properties()) {
            if (tables.containsKey(t.getKey())) {
                for (Map.Entry<String, JsonNode> r : t.getValue().properties()) {
                    if (r.getValue().has("initial") || r.getValue().has("insert")) {
                        Uuid u = Uuid.of(r.getKey());
                        out.put(u, u);
                    }
                }
            }
        }
        return out;
    }

    /** {@code decoded}'s rows with their references sharing the referenced rows' uuid instances. */
    private static Map<String, Map<Uuid, Row>> sharingUuids(Map<String, Map<Uuid, Row>> decoded) {
        SharedUuids sharing = new SharedUuids((table, uuid) -> {
            Map<Uuid, Row> rows = decoded.get(table);
            Row row = rows == null ? null : rows.get(uuid);
            return row == null ? null : row.uuid();
        });
        decoded.values().forEach(rows -> rows.replaceAll((u, r) -> sharing.share(r)));
        return decoded;
    }

    /** Stores decoded changes (under the write lock); nothing here can fail on the server's data. */
    private static List<Event> apply(List<Change> changes) {
        List<Event> events = new ArrayList<>(changes.size());
        for (Change c : changes) {
            if (c.row == null) {
                Row old = c.table.remove(c.uuid);
                if (old != null) {
                    events.add(new Event(c.table.schema.name(), old, null));
                }
            } else {
                events.add(c.table.put(c.row));
            }
        }
        return events;
    }

    private static Map<String, Object> decodeColumns(TableSchema table, JsonNode row) {
        Map<String, Object> values = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : row.properties()) {
            ColumnSchema column = table.columns().get(e.getKey());
            if (column != null) {
                values.put(e.getKey(), OvsdbJson.decode(e.getValue(), column.type()));
            }
        }
        return values;
    }

    /**
     * Replaces the whole content by {@code state} (the initial rows after a reconnect without a usable
     * transaction history); listeners see only the real differences.
     */
    public void resetTo(Map<String, Map<Uuid, Row>> state, String txnId) {
        List<Event> events = new ArrayList<>();
        lock.writeLock().lock();
        try {
            for (TableData d : tables.values()) {
                Map<Uuid, Row> next = state.getOrDefault(d.schema.name(), Map.of());
                for (Uuid u : new ArrayList<>(d.rows.keySet())) {
                    if (!next.containsKey(u)) {
                        events.add(new Event(d.schema.name(), d.remove(u), null));
                    }
                }
                for (Row r : next.values()) {
                    Row old = d.rows.get(r.uuid());
                    if (!r.equals(old)) {
                        events.add(d.put(r));
                    }
                }
            }
            lastTxnId = txnId;
        } finally {
            lock.writeLock().unlock();
        }
        dispatch(events);
        for (Runnable r : resetListeners) {
            try {
                r.run();
            } catch (RuntimeException ex) {
                log.error("reset listener failed", ex);
            }
        }
    }

    /** Decodes the rows of an update2 message that holds only "initial"/"insert" entries. */
    public Map<String, Map<Uuid, Row>> decodeFullState2(JsonNode tableUpdates) {
        Map<String, Map<Uuid, Row>> out = new HashMap<>();
        for (Map.Entry<String, JsonNode> t : tableUpdates.properties()) {
            TableData d = tables.get(t.getKey());
            if (d == null) {
                continue;
            }
            Map<Uuid, Row> rows = out.computeIfAbsent(t.getKey(), k -> new LinkedHashMap<>());
            for (Map.Entry<String, JsonNode> r : t.getValue().properties()) {
                JsonNode u = r.getValue();
                JsonNode row = u.has("initial") ? u.get("initial") : u.get("insert");
                if (row == null) {
                    throw new OvsdbProtocolException("expected initial rows, got " + u);
                }
                Uuid uuid = Uuid.of(r.getKey());
                rows.put(uuid, Row.fromJson(d.schema, uuid, row));
            }
        }
        return sharingUuids(out);
    }

    /** Decodes the rows of an update (monitor) message that holds only "new" entries. */
    public Map<String, Map<Uuid, Row>> decodeFullState1(JsonNode tableUpdates) {
        Map<String, Map<Uuid, Row>> out = new HashMap<>();
        for (Map.Entry<String, JsonNode> t : tableUpdates.properties()) {
            TableData d = tables.get(t.getKey());
            if (d == null) {
                continue;
            }
            Map<Uuid, Row> rows = out.computeIfAbsent(t.getKey(), k -> new LinkedHashMap<>());
            for (Map.Entry<String, JsonNode> r : t.getValue().properties()) {
                Uuid uuid = Uuid.of(r.getKey());
                rows.put(uuid, Row.fromJson(d.schema, uuid, r.getValue().get("new")));
            }
        }
        return sharingUuids(out);
    }

    // ---- internals

    private static Row applyDiff(TableSchema table, Row old, JsonNode diff, SharedUuids sharing) {
        Map<String, Object> changes = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : diff.properties()) {
            ColumnSchema column = table.columns().get(e.getKey());
            if (column == null) {
                continue;
            }
            ColumnType type = column.type();
            Object d = OvsdbJson.decode(e.getValue(), type);
            String refTable = SharedUuids.refTable(column);
            if (refTable != null) {
                d = sharing.share(refTable, d);
            }
            Object current = old.get(e.getKey());
            if (type.max() <= 1) {
                // ovsdb-server diffs only columns that can hold several values (ovsdb_datum_diff, n_max > 1):
                // a scalar or 0..1 column's "modify" carries its new value, the empty set when it was cleared
                changes.put(e.getKey(), d);
                continue;
            }
            switch (type.shape()) {
                case SET -> changes.put(e.getKey(), toggled((Set<?>) current, (Set<?>) d));
                case MAP -> {
                    Map<Object, Object> m = new LinkedHashMap<>((Map<?, ?>) current);
                    ((Map<?, ?>) d).forEach((k, v) -> {
                        if (m.containsKey(k) && Objects.equals(m.get(k), v)) {
                            m.remove(k);
                        } else {
                            m.put(k, v);
                        }
                    });
                    changes.put(e.getKey(), Collections.unmodifiableMap(m));
                }
            }
        }
        return old.with(changes);
    }

    /** {@code current} with each element of {@code diff} removed if present, added if not. */
    private static Set<Object> toggled(Set<?> current, Set<?> diff) {
        Set<Object> compact = SortedAtomSet.of(current);
        if (compact instanceof SortedAtomSet s) {
            return s.toggled(diff);
        }
        if (compact.isEmpty()) {
            return SortedAtomSet.of(diff);
        }
        Set<Object> s = new LinkedHashSet<>(compact);
        for (Object x : diff) {
            if (!s.remove(x)) {
                s.add(x);
            }
        }
        return Collections.unmodifiableSet(s);
    }

    private void dispatch(List<Event> events) {
        for (Event e : events) {
            for (RowListener<Row> l : listeners.get(e.table)) {
                try {
                    if (e.old == null) {
                        l.onAdd(e.row);
                    } else if (e.row == null) {
                        l.onDelete(e.old);
                    } else {
                        l.onUpdate(e.old, e.row);
                    }
                } catch (RuntimeException ex) {
                    log.error("row listener on {} failed", e.table, ex);
                }
            }
        }
        for (Waiter w : waiters) {
            try {
                if (w.condition.test(this)) {
                    w.future.complete(null);
                }
            } catch (RuntimeException ex) {
                w.future.completeExceptionally(ex);
            }
        }
    }

    private TableData data(String table) {
        TableData d = tables.get(table);
        if (d == null) {
            throw new IllegalArgumentException("table " + table + " is not replicated");
        }
        return d;
    }

    private <T> T read(Supplier<T> f) {
        lock.readLock().lock();
        try {
            return f.get();
        } finally {
            lock.readLock().unlock();
        }
    }

    private record Event(String table, Row old, Row row) {
    }

    /** A decoded row change not yet applied: {@code row} null deletes. */
    private record Change(TableData table, Uuid uuid, Row row) {
    }

    private record Waiter(Predicate<DatabaseReplica> condition, CompletableFuture<Void> future) {
    }

    /** Rows of one table and their secondary indexes. */
    private static final class TableData {
        final TableSchema schema;
        final Map<Uuid, Row> rows = new LinkedHashMap<>();
        final Map<String, UuidIndex<Object>> indexes = new HashMap<>();
        final Map<String, UuidIndex<String>> externalIds = new HashMap<>();
        final boolean hasExternalIds;
        /** The external_ids keys indexed; null: every key. */
        final Set<String> indexedExternalIds;

        TableData(TableSchema schema, Set<String> indexedExternalIds) {
            this.schema = schema;
            this.indexedExternalIds = indexedExternalIds;
            Set<String> indexed = new HashSet<>();
            if (schema.columns().containsKey("name")) {
                indexed.add("name");
            }
            schema.indexes().stream().filter(i -> i.size() == 1).forEach(i -> indexed.add(i.get(0)));
            indexed.forEach(c -> indexes.put(c, new UuidIndex<>()));
            ColumnSchema ext = schema.columns().get("external_ids");
            hasExternalIds = ext != null && ext.type().shape() == ColumnType.Shape.MAP;
        }

        boolean indexes(String externalIdKey) {
            return indexedExternalIds == null || indexedExternalIds.contains(externalIdKey);
        }

        /** Stores a row and returns the event describing the change. */
        Event put(Row row) {
            Row old = rows.put(row.uuid(), row);
            if (old != null) {
                unindex(old);
            }
            index(row);
            return new Event(schema.name(), old, row);
        }

        Row remove(Uuid uuid) {
            Row old = rows.remove(uuid);
            if (old != null) {
                unindex(old);
            }
            return old;
        }

        List<Row> resolve(Collection<Uuid> uuids) {
            if (uuids == null) {
                return List.of();
            }
            List<Row> out = new ArrayList<>(uuids.size());
            uuids.forEach(u -> out.add(rows.get(u)));
            return out;
        }

        private void index(Row row) {
            indexes.forEach((col, idx) -> idx.add(row.get(col), row.uuid()));
            if (hasExternalIds) {
                ((Map<?, ?>) row.get("external_ids")).forEach((k, v) -> {
                    if (indexes((String) k)) {
                        externalIds.computeIfAbsent((String) k, x -> new UuidIndex<>()).add((String) v, row.uuid());
                    }
                });
            }
        }

        private void unindex(Row row) {
            indexes.forEach((col, idx) -> idx.remove(row.get(col), row.uuid()));
            if (hasExternalIds) {
                ((Map<?, ?>) row.get("external_ids")).forEach((k, v) -> {
                    UuidIndex<String> byValue = externalIds.get(k);
                    if (byValue != null) {
                        byValue.remove((String) v, row.uuid());
                        if (byValue.isEmpty()) {
                            externalIds.remove(k);
                        }
                    }
                });
            }
        }
    }
}
