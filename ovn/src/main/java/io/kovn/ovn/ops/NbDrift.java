package io.kovn.ovn.ops;

import io.kovn.ovn.Owners;
import io.kovn.ovsdb.model.Row;
import io.kovn.ovsdb.replica.DatabaseReplica;
import io.kovn.ovsdb.wire.Condition;
import io.kovn.ovsdb.wire.Mutation;
import io.kovn.ovsdb.wire.Operation;
import io.kovn.ovsdb.wire.OvsdbJson;
import io.kovn.ovsdb.wire.Uuid;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a transaction built by the {@code *Ops} helpers would change, read as rows instead of operations: the dry
 * run of a sync. Because those helpers add only what differs from the replica, every operation is one row that
 * differs: an insert is a row that is {@link Kind#MISSING}, a delete a row that is {@link Kind#STALE}, an update or
 * mutate a row whose columns {@link Kind#CHANGED}. Waits are guards, not changes, and are left out.
 */
public final class NbDrift {
    private NbDrift() {
    }

    public enum Kind { MISSING, STALE, CHANGED }

    /** One column that differs: its value in NB and the value the sync wants (OVSDB JSON notation). */
    public record ColumnChange(String column, String current, String desired) {
    }

    /**
     * One row that differs.
     *
     * @param uuid  the NB row ({@code null} for a missing row)
     * @param label what identifies the row to a reader: its name, else an ACL's direction, priority and match
     * @param owner the kovn owner ({@code type name}) of the row, or "" when it has none
     */
    public record RowChange(Kind kind, String table, String uuid, String label, String owner, List<ColumnChange> columns) {
        /** One line: {@code CHANGED Logical_Switch_Port x_a (Pod x/a): addresses [...] -> [...]}. */
        public String describe() {
            StringBuilder b = new StringBuilder(kind.name()).append(' ').append(table).append(' ').append(label);
            if (!owner.isEmpty()) {
                b.append(" (").append(owner).append(')');
            }
            for (int i = 0; i < columns.size(); i++) {
                ColumnChange c = columns.get(i);
                b.append(i == 0 ? ": " : "; ").append(c.column()).append(' ');
                if (kind == Kind.CHANGED) {
                    b.append(c.current()).append(" -> ");
                }
                b.append(c.desired());
            }
            return b.toString();
        }
    }

    /** The rows {@code txn} would change, in the order of its operations. */
    public static List<RowChange> of(NbTxn txn) {
        DatabaseReplica nb = txn.nb();
        List<RowChange> out = new ArrayList<>();
        for (Operation op : txn.operations()) {
            if (op instanceof Operation.Insert ins) {
                out.add(new RowChange(Kind.MISSING, ins.table(), null, label(ins.table(), ins.row()), owner(ins.row()),
                        columnsOf(ins.row())));
            } else if (op instanceof Operation.Delete del) {
                Map<String, Object> values = current(nb, del.table(), del.where());
                out.add(new RowChange(Kind.STALE, del.table(), uuidOf(del.where()), label(del.table(), values),
                        owner(values), List.of()));
            } else if (op instanceof Operation.Update upd) {
                Map<String, Object> values = current(nb, upd.table(), upd.where());
                List<ColumnChange> cols = new ArrayList<>();
                upd.row().forEach((col, v) -> cols.add(new ColumnChange(col, json(values.get(col)), json(v))));
                out.add(new RowChange(Kind.CHANGED, upd.table(), uuidOf(upd.where()), label(upd.table(), values),
                        owner(values), cols));
            } else if (op instanceof Operation.Mutate mut) {
                Map<String, Object> values = current(nb, mut.table(), mut.where());
                List<ColumnChange> cols = new ArrayList<>();
                for (Mutation m : mut.mutations()) {
                    cols.add(new ColumnChange(m.column(), json(values.get(m.column())),
                            m.mutator().name().toLowerCase() + " " + json(m.value())));
                }
                out.add(new RowChange(Kind.CHANGED, mut.table(), uuidOf(mut.where()), label(mut.table(), values),
                        owner(values), cols));
            }
        }
        return out;
    }

    /** The row's values in the replica; empty when it is not there (waits and the rest change nothing). */
    private static Map<String, Object> current(DatabaseReplica nb, String table, List<Condition> where) {
        String uuid = uuidOf(where);
        if (uuid == null || !nb.tables().contains(table)) {
            return Map.of();
        }
        return nb.row(table, Uuid.of(uuid)).map(Row::values).orElse(Map.of());
    }

    private static String uuidOf(List<Condition> where) {
        for (Condition c : where) {
            if ("_uuid".equals(c.column()) && c.value() instanceof Uuid u && !u.isNamed()) {
                return u.value();
            }
        }
        return null;
    }

    private static String label(String table, Map<String, Object> row) {
        Object name = row.get("name");
        if (name instanceof String s && !s.isEmpty()) {
            return s;
        }
        if ("ACL".equals(table)) {
            return row.get("direction") + " " + row.get("priority") + " " + row.get("match");
        }
        if ("Logical_Router_Static_Route".equals(table)) {
            return row.get("ip_prefix") + " via " + row.get("nexthop");
        }
        if ("NAT".equals(table)) {
            return row.get("type") + " " + row.get("logical_ip") + " -> " + row.get("external_ip");
        }
        return "(unnamed)";
    }

    private static String owner(Map<String, Object> row) {
        if (row.get("external_ids") instanceof Map<?, ?> ids && ids.get(Owners.OWNER) != null) {
            return Objects.toString(ids.get(Owners.OWNER_TYPE), "?") + " " + ids.get(Owners.OWNER);
        }
        return "";
    }

    private static List<ColumnChange> columnsOf(Map<String, Object> row) {
        List<ColumnChange> cols = new ArrayList<>();
        row.forEach((col, v) -> cols.add(new ColumnChange(col, "", json(v))));
        return cols;
    }

    /** A column's value as a reader wants it: sets in brackets, maps as k=v, a row of the same transaction as "new". */
    private static String json(Object v) {
        if (v == null) {
            return "[]";
        }
        if (v instanceof Optional<?> o) {
            return o.map(NbDrift::json).orElse("[]");
        }
        if (v instanceof Collection<?> c) {
            List<String> parts = new ArrayList<>();
            c.forEach(x -> parts.add(json(x)));
            Collections.sort(parts);
            return "[" + String.join(", ", parts) + "]";
        }
        if (v instanceof Map<?, ?> m) {
            List<String> parts = new ArrayList<>();
            m.forEach((k, x) -> parts.add(json(k) + "=" + json(x)));
            Collections.sort(parts);
            return "{" + String.join(", ", parts) + "}";
        }
        if (v instanceof Uuid u) {
            return u.isNamed() ? "(new row)" : u.value();
        }
        if (v instanceof String str) {
            return OvsdbJson.encode(str).toString();
        }
        return String.valueOf(v);
    }
}
