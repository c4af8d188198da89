package io.kovn.ovsdb.model;

import io.kovn.ovsdb.schema.ColumnSchema;
import io.kovn.ovsdb.schema.TableSchema;
import io.kovn.ovsdb.wire.OvsdbJson;
import io.kovn.ovsdb.wire.Uuid;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * An immutable row of a table, its column values decoded to Java values (see {@link OvsdbJson}). Columns the
 * row was not given (not monitored, or left out by the server) read as the column type's default.
 *
 * <p>A replica holds every row of the tables it monitors (at 100,000 pods, some 125,000 rows), so a row is
 * compact: its values in an array by the table's column order, a column at its default not stored, sets and maps in
 * sorted arrays ({@link SortedAtomSet}, {@link SortedAtomMap}).
 */
public final class Row {
    /** Map columns whose keys repeat from row to row (unlike, say, a load balancer's VIPs). */
    private static final Set<String> SHARED_KEYS = Set.of("external_ids", "options", "other_config");

    private final TableSchema table;
    private final Uuid uuid;
    /** By column position; null where the column holds its default. */
    private final Object[] values;

    /**
     * Values equal to their column's default are dropped: servers leave them out, so rows compare equal. Columns
     * the table does not have are ignored (a newer server schema).
     */
    public Row(TableSchema table, Uuid uuid, Map<String, Object> values) {
        this.table = Objects.requireNonNull(table);
        this.uuid = uuid;
        this.values = new Object[table.columnCount()];
        values.forEach((k, v) -> {
            int p = table.position(k);
            if (p >= 0) {
                this.values[p] = compact(table.column(p), v);
            }
        });
    }

    private Row(TableSchema table, Uuid uuid, Object[] values) {
        this.table = table;
        this.uuid = uuid;
        this.values = values;
    }

    /** The value as stored: null for the column's default, sets and maps in their compact form. */
    private static Object compact(ColumnSchema column, Object v) {
        if (v.equals(OvsdbJson.defaultValue(column.type()))) {
            return null;
        }
        if (v instanceof Set<?> s) {
            return SortedAtomSet.of(s);
        }
        if (v instanceof Map<?, ?> m) {
            return SHARED_KEYS.contains(column.name()) ? SortedAtomMap.withSharedKeys(m) : SortedAtomMap.of(m);
        }
        return v;
    }

    /** Decodes a row object from the wire; unknown columns (a newer server schema) are ignored. */
    public static Row fromJson(TableSchema table, Uuid uuid, JsonNode json) {
        Map<String, Object> values = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : json.properties()) {
            ColumnSchema column = table.columns().get(e.getKey());
            if (column != null) {
                values.put(e.getKey(), OvsdbJson.decode(e.getValue(), column.type()));
            } else if ("_uuid".equals(e.getKey()) && uuid == null) {
                uuid = Uuid.of(e.getValue().get(1).asString());
            }
        }
        return new Row(table, uuid, values);
    }

    public TableSchema table() {
        return table;
    }

    public Uuid uuid() {
        return uuid;
    }

    /** The values this row carries, by column name in the schema's order; columns holding their default are left out. */
    public Map<String, Object> values() {
        Map<String, Object> out = new LinkedHashMap<>();
        for (int i = 0; i < values.length; i++) {
            if (values[i] != null) {
                out.put(table.column(i).name(), values[i]);
            }
        }
        return Collections.unmodifiableMap(out);
    }

    public Object get(String column) {
        int p = table.position(column);
        if (p < 0) {
            table.column(column);
        }
        Object v = values[p];
        return v != null ? v : OvsdbJson.defaultValue(table.column(p).type());
    }

    @SuppressWarnings("unchecked")
    public <T> T get(Column<T> column) {
        return (T) get(column.name());
    }

    /** This row with some column values replaced. */
    public Row with(Map<String, Object> changes) {
        Object[] merged = values.clone();
        changes.forEach((k, v) -> {
            int p = table.position(k);
            if (p >= 0) {
                merged[p] = compact(table.column(p), v);
            }
        });
        return new Row(table, uuid, merged);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Row r && Objects.equals(r.uuid, uuid) && r.table.name().equals(table.name())
                && (r.table == table ? Arrays.equals(r.values, values) : r.values().equals(values()));
    }

    @Override
    public int hashCode() {
        int h = 0;
        for (int i = 0; i < values.length; i++) {
            if (values[i] != null) {
                h += table.column(i).name().hashCode() ^ values[i].hashCode();
            }
        }
        return Objects.hash(uuid) * 31 + h; // values().hashCode() without the map
    }

    @Override
    public String toString() {
        return table.name() + "{_uuid=" + uuid + ", " + values() + "}";
    }
}
