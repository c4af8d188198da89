package io.kovn.ovsdb.replica;

import io.kovn.ovsdb.model.Row;
import io.kovn.ovsdb.model.SortedAtomSet;
import io.kovn.ovsdb.schema.AtomicType;
import io.kovn.ovsdb.schema.BaseType;
import io.kovn.ovsdb.schema.ColumnSchema;
import io.kovn.ovsdb.wire.Uuid;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Replaces the uuids a row refers to by the referenced rows' own {@link Uuid} instances. Decoding gives each
 * reference its own instance: in the controller's NB each pod port is named by its row, its switch's ports and the
 * port groups holding it, so at 100,000 pods some 350,000 instances of 40 bytes hold 100,000 distinct values. Only
 * references to rows of the given tables are shared (a reference to a row not held keeps its instance); equality
 * and order do not change, only identity.
 */
final class SharedUuids {
    /** The instance of {@code uuid} a row of {@code table} holds, or null. */
    @FunctionalInterface
    interface Lookup {
        Uuid find(String table, Uuid uuid);
    }

    private final Lookup lookup;

    SharedUuids(Lookup lookup) {
        this.lookup = lookup;
    }

    /** {@code row} with its reference columns (scalars and sets of uuids naming a table) sharing instances. */
    Row share(Row row) {
        Map<String, Object> changes = null;
        for (ColumnSchema c : row.table().columns().values()) {
            String refTable = refTable(c);
            if (refTable == null) {
                continue;
            }
            Object value = row.get(c.name());
            Object shared = share(refTable, value);
            if (shared != value) {
                if (changes == null) {
                    changes = new LinkedHashMap<>();
                }
                changes.put(c.name(), shared);
            }
        }
        return changes == null ? row : row.with(changes);
    }

    /**
     * The table a column's uuids refer to, when the column holds uuids as a scalar or a set (not a map); else
     * null.
     */
    static String refTable(ColumnSchema c) {
        BaseType key = c.type().key();
        if (key.atomic() != AtomicType.UUID || key.refTable().isEmpty() || c.type().value().isPresent()) {
            return null;
        }
        return key.refTable().get();
    }

    /** {@code value} (a uuid or a set of uuids referring to {@code refTable}) with shared instances. */
    Object share(String refTable, Object value) {
        if (value instanceof Uuid u) {
            Uuid s = lookup.find(refTable, u);
            return s == null || s == u ? value : s;
        }
        if (value instanceof Set<?> set && !set.isEmpty()) {
            List<Object> out = new ArrayList<>(set.size());
            boolean changed = false;
            for (Object x : set) {
                Object y = x instanceof Uuid u ? share(refTable, u) : x;
                changed |= y != x;
                out.add(y);
            }
            return changed ? SortedAtomSet.of(out) : value;
        }
        return value;
    }
}
