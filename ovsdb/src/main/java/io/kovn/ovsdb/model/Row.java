package io.kovn.ovsdb.model;

import io.kovn.ovsdb.schema.ColumnSchema;
import io.kovn.ovsdb.schema.ColumnType;
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
 * compact: only the columns not at their default hold a value (a pod's port fills 5 of its table's 16), sets and maps
 * in sorted arrays ({@link SortedAtomSet}, {@link SortedAtomMap}), and a set of one element (a port's addresses, its
 * port security) as the element itself.
 */
public final class Row {
    /** Map columns whose keys repeat from row to row (unlike, say, a load balancer's VIPs). */
    private static final Set<String> SHARED_KEYS = Set.of("external_ids", "options", "other_config");
    /** Rows of tables of up to this many columns keep only the values not at their default ({@link #present}). */
    private static final int PACKED_COLUMNS = Long.SIZE;

    private final TableSchema table;
    private final Uuid uuid;
    /** Bit p: column p holds a value, in {@link #values}. Unused for tables of more than {@link #PACKED_COLUMNS}. */
    private final long present;
    /**
     * The values of the columns in {@link #present}, in column order; for a table of more columns, by column
     * position, null where the column holds its default.
     */
    private final Object[] values;

    /**
     * Values equal to their column's default are dropped: servers leave them out, so rows compare equal. Columns
     * the table does not have are ignored (a newer server schema).
     */
    public Row(TableSchema table, Uuid uuid, Map<String, Object> values) {
        this(table, uuid, byPosition(table, values));
    }

    /** A row of the compact values {@code byPosition} (null for a column's default). */
    private Row(TableSchema table, Uuid uuid, Object[] byPosition) {
        this.table = Objects.requireNonNull(table);
        this.uuid = uuid;
        if (byPosition.length > PACKED_COLUMNS) {
            this.present = 0;
            this.values = byPosition;
            return;
        }
        long bits = 0;
        int n = 0;
        for (int i = 0; i < byPosition.length; i++) {
            if (byPosition[i] != null) {
                bits |= 1L << i;
                n++;
            }
        }
        Object[] packed = new Object[n];
        n = 0;
        for (Object v : byPosition) {
            if (v != null) {
                packed[n++] = v;
            }
        }
        this.present = bits;
        this.values = packed;
    }

    private static Object[] byPosition(TableSchema table, Map<String, Object> values) {
        Object[] out = new Object[table.columnCount()];
        values.forEach((k, v) -> {
            int p = table.position(k);
            if (p >= 0) {
                out[p] = compact(table.column(p), v);
            }
        });
        return out;
    }

    /** The compact value of column {@code p}, null for its default. */
    private Object stored(int p) {
        if (table.columnCount() > PACKED_COLUMNS) {
            return values[p];
        }
        long bit = 1L << p;
        return (present & bit) == 0 ? null : values[Long.bitCount(present & (bit - 1))];
    }

    /** Every column's compact value by position, null for the default. */
    private Object[] storedByPosition() {
        if (table.columnCount() > PACKED_COLUMNS) {
            return values.clone();
        }
        Object[] out = new Object[table.columnCount()];
        for (int p = 0; p < out.length; p++) {
            out[p] = stored(p);
        }
        return out;
    }

    /** The value as stored: null for the column's default, sets and maps in their compact form. */
    private static Object compact(ColumnSchema column, Object v) {
        if (v.equals(OvsdbJson.defaultValue(column.type()))) {
            return null;
        }
        if (v instanceof Set<?> s) {
            return s.size() == 1 && column.type().shape() == ColumnType.Shape.SET ? s.iterator().next() : SortedAtomSet.of(s);
        }
        if (v instanceof Map<?, ?> m) {
            return SHARED_KEYS.contains(column.name()) ? SortedAtomMap.withSharedKeys(m) : SortedAtomMap.of(m);
        }
        return v;
    }

    /** The value a compact value {@code v} of column {@code p} stands for. */
    private Object expanded(int p, Object v) {
        return table.column(p).type().shape() == ColumnType.Shape.SET && !(v instanceof Set<?>) ? SortedAtomSet.single(v) : v;
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
        for (int p = 0; p < table.columnCount(); p++) {
            Object v = stored(p);
            if (v != null) {
                out.put(table.column(p).name(), expanded(p, v));
            }
        }
        return Collections.unmodifiableMap(out);
    }

    public Object get(String column) {
        int p = table.position(column);
        if (p < 0) {
            table.column(column);
        }
        Object v = stored(p);
        return v != null ? expanded(p, v) : OvsdbJson.defaultValue(table.column(p).type());
    }

    @SuppressWarnings("unchecked")
    public <T> T get(Column<T> column) {
        return (T) get(column.name());
    }

    /** This row with some column values replaced. */
    public Row with(Map<String, Object> changes) {
        Object[] merged = storedByPosition();
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
                && (r.table == table ? r.present == present && Arrays.equals(r.values, values)
                : r.values().equals(values()));
    }

    @Override
    public int hashCode() {
        int h = 0;
        for (int p = 0; p < table.columnCount(); p++) {
            Object v = stored(p);
            if (v != null) {
                // a bare element hashes as the set of it
                h += table.column(p).name().hashCode() ^ v.hashCode();
            }
        }
        return Objects.hash(uuid) * 31 + h; // values().hashCode() without the map
    }

    @Override
    public String toString() {
        return table.name() + "{_uuid=" + uuid + ", " + values() + "}";
    }
}
