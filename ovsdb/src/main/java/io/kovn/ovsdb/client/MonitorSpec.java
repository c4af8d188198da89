package io.kovn.ovsdb.client;

import io.kovn.ovsdb.model.Column;
import io.kovn.ovsdb.model.Table;
import io.kovn.ovsdb.wire.Condition;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

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
    private Set<String> indexedExternalIds;

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

    /**
     * The {@code external_ids} keys the replica indexes (their lookups by key and value cost a hash lookup, the others
     * a scan of the table). By default every key of every row is indexed; a replica holding a large database
     * (the controller's NB: 100,000 pod ports with five keys each) names the keys it looks up, since each indexed key
     * costs an entry per row.
     */
    public MonitorSpec indexExternalIds(Collection<String> keys) {
        indexedExternalIds = Set.copyOf(keys);
        return this;
    }

    /** The indexed {@code external_ids} keys, or null: every key. */
    public Set<String> indexedExternalIds() {
        return indexedExternalIds;
    }

    public Map<String, TableSpec> tablesSpecs() {
        return Collections.unmodifiableMap(tables);
    }
}
