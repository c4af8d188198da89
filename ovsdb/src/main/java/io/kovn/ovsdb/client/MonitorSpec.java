package io.kovn.ovsdb.client;

import io.kovn.ovsdb.model.Column;
import io.kovn.ovsdb.model.Table;
import io.kovn.ovsdb.wire.Condition;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What to replicate of a database: tables, optionally restricted to some columns and to rows matching
 * conditions (monitor_cond's {@code where}; ignored, with everything replicated, by servers that only have the
 * original {@code monitor} method).
 */
public final class MonitorSpec {
    /** columns null means all columns; where empty means all rows. */
    public record TableSpec(List<String> columns, List<Condition> where) {
    }

    private final Map<String, TableSpec> tables = new LinkedHashMap<>();

    public static MonitorSpec create() {
        return new MonitorSpec();
    }

    /** Replicates every column and row of these tables. */
    public MonitorSpec tables(Table<?>... all) {
        for (Table<?> t : all) {
            tables.put(t.name(), new TableSpec(null, List.of()));
        }
        return this;
    }

    public MonitorSpec table(String table) {
        tables.put(table, new TableSpec(null, List.of()));
        return this;
    }

    public MonitorSpec table(Table<?> table, List<Column<?>> columns, Condition... where) {
        tables.put(table.name(), new TableSpec(columns == null ? null : columns.stream().map(Column::name).toList(),
                Arrays.asList(where)));
        return this;
    }

    public Map<String, TableSpec> tablesSpecs() {
        return Collections.unmodifiableMap(tables);
    }
}
