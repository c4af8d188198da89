package io.kovn.ovsdb.schema;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A table: its columns (without the implicit {@code _uuid} and {@code _version}), root flag and indexes. Each column
 * has a position (its order in the schema), so a row can hold its values in an array instead of a map per row.
 */
public final class TableSchema {
    private final String name;
    private final Map<String, ColumnSchema> columns;
    private final boolean isRoot;
    private final List<List<String>> indexes;
    private final Map<String, Integer> positions = new HashMap<>();
    private final ColumnSchema[] byPosition;

    public TableSchema(String name, Map<String, ColumnSchema> columns, boolean isRoot, List<List<String>> indexes) {
        this.name = Objects.requireNonNull(name);
        this.columns = columns;
        this.isRoot = isRoot;
        this.indexes = indexes;
        this.byPosition = columns.values().toArray(new ColumnSchema[0]);
        for (int i = 0; i < byPosition.length; i++) {
            positions.put(byPosition[i].name(), i);
        }
    }

    public String name() {
        return name;
    }

    public Map<String, ColumnSchema> columns() {
        return columns;
    }

    public boolean isRoot() {
        return isRoot;
    }

    public List<List<String>> indexes() {
        return indexes;
    }

    public ColumnSchema column(String column) {
        ColumnSchema c = columns.get(column);
        if (c == null) {
            throw new IllegalArgumentException("table " + name + " has no column '" + column + "'");
        }
        return c;
    }

    /** The column's position (0 to {@link #columnCount()} - 1), -1 if the table has no such column. */
    public int position(String column) {
        Integer p = positions.get(column);
        return p == null ? -1 : p;
    }

    public int columnCount() {
        return byPosition.length;
    }

    /** The column at {@code position}. */
    public ColumnSchema column(int position) {
        return byPosition[position];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TableSchema t && t.name.equals(name) && t.isRoot == isRoot && t.columns.equals(columns)
                && t.indexes.equals(indexes);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, columns, isRoot, indexes);
    }

    @Override
    public String toString() {
        return "TableSchema[name=" + name + ", columns=" + columns.keySet() + ", isRoot=" + isRoot + ", indexes="
                + indexes + "]";
    }
}
