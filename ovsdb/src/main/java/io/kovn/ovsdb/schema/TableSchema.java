package io.kovn.ovsdb.schema;

import java.util.List;
import java.util.Map;

/** A table: its columns (without the implicit {@code _uuid} and {@code _version}), root flag and indexes. */
public record TableSchema(String name, Map<String, ColumnSchema> columns, boolean isRoot, List<List<String>> indexes) {

    public ColumnSchema column(String column) {
        ColumnSchema c = columns.get(column);
        if (c == null) {
            throw new IllegalArgumentException("table " + name + " has no column '" + column + "'");
        }
        return c;
    }
}
