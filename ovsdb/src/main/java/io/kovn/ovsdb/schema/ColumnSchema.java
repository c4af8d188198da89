package io.kovn.ovsdb.schema;

public record ColumnSchema(String name, ColumnType type, boolean ephemeral, boolean mutable) {
}
