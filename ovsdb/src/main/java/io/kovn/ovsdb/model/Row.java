package io.kovn.ovsdb.model;

import io.kovn.ovsdb.schema.ColumnSchema;
import io.kovn.ovsdb.schema.TableSchema;
import io.kovn.ovsdb.wire.OvsdbJson;
import io.kovn.ovsdb.wire.Uuid;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import tools.jackson.databind.JsonNode;

/**
 * An immutable row of a table, its column values decoded to Java values (see {@link OvsdbJson}). Columns the
 * row was not given (not monitored, or left out by the server) read as the column type's default.
 */
public final class Row {
    private final TableSchema table;
    private final Uuid uuid;
    private final Map<String, Object> values;

    /** Values equal to their column's default are dropped: servers leave them out, so rows compare equal. */
    public Row(TableSchema table, Uuid uuid, Map<String, Object> values) {
        this.table = Objects.requireNonNull(table);
        this.uuid = uuid;
        Map<String, Object> kept = new LinkedHashMap<>();
        values.forEach((k, v) -> {
            ColumnSchema c = table.columns().get(k);
            if (c == null || !v.equals(OvsdbJson.defaultValue(c.type()))) {
                kept.put(k, v);
            }
        });
        this.values = Collections.unmodifiableMap(kept);
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

    /** The values this row carries, by column name; columns holding their default are left out. */
    public Map<String, Object> values() {
        return values;
    }

    public Object get(String column) {
        Object v = values.get(column);
        return v != null ? v : OvsdbJson.defaultValue(table.column(column).type());
    }

    @SuppressWarnings("unchecked")
    public <T> T get(Column<T> column) {
        return (T) get(column.name());
    }

    /** This row with some column values replaced. */
    public Row with(Map<String, Object> changes) {
        Map<String, Object> merged = new LinkedHashMap<>(values);
        merged.putAll(changes);
        return new Row(table, uuid, merged);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Row r && Objects.equals(r.uuid, uuid) && r.table.name().equals(table.name())
                && r.values.equals(values);
    }

    @Override
    public int hashCode() {
        return Objects.hash(uuid, values);
    }

    @Override
    public String toString() {
        return table.name() + "{_uuid=" + uuid + ", " + values + "}";
    }
}
