package io.kovn.ovsdb;

import io.kovn.ovsdb.model.Column;
import io.kovn.ovsdb.model.Row;
import io.kovn.ovsdb.model.Table;
import io.kovn.ovsdb.schema.ColumnType;
import io.kovn.ovsdb.wire.Uuid;
import java.util.Map;
import java.util.Set;

/**
 * A few hand-typed NB tables for this module's tests (the generated models live in kovn-ovn, which depends on
 * this module).
 */
public final class Nb {
    public static final String DB = "OVN_Northbound";
    public static final Table<Row> LS = new Table<>(DB, "Logical_Switch", r -> r);
    public static final Table<Row> LSP = new Table<>(DB, "Logical_Switch_Port", r -> r);
    public static final Column<String> LS_NAME = new Column<>("Logical_Switch", "name", ColumnType.scalar(io.kovn.ovsdb.schema.AtomicType.STRING));
    public static final Column<Set<Uuid>> LS_PORTS = new Column<>("Logical_Switch", "ports", ColumnType.set(io.kovn.ovsdb.schema.AtomicType.UUID));
    public static final Column<Map<String, String>> LS_EXTERNAL_IDS = new Column<>("Logical_Switch", "external_ids",
            ColumnType.map(io.kovn.ovsdb.schema.AtomicType.STRING, io.kovn.ovsdb.schema.AtomicType.STRING));
    public static final Column<String> LSP_NAME = new Column<>("Logical_Switch_Port", "name", ColumnType.scalar(io.kovn.ovsdb.schema.AtomicType.STRING));
    public static final Column<Set<String>> LSP_ADDRESSES = new Column<>("Logical_Switch_Port", "addresses", ColumnType.set(io.kovn.ovsdb.schema.AtomicType.STRING));
    public static final Column<Map<String, String>> LSP_EXTERNAL_IDS = new Column<>("Logical_Switch_Port", "external_ids",
            ColumnType.map(io.kovn.ovsdb.schema.AtomicType.STRING, io.kovn.ovsdb.schema.AtomicType.STRING));

    private Nb() {
    }
}
