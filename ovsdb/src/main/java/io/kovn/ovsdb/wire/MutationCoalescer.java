package io.kovn.ovsdb.wire;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Folds the set mutations of a transaction that go to the same row into one operation: a batch of 500 pods of a
 * namespace adds each pod to its namespace's address set and port groups with a mutate of its own, which
 * ovsdb-server parses and applies one by one (each copying the whole set); folded, it is one mutate per row with
 * the elements together. The transaction's effect is unchanged: a mutate joins the first one to its row only while
 * no other operation in between touches that row (by its uuid, or by a condition on its table), its mutations are
 * appended in order (consecutive inserts, or deletes, of one column become one), and moving a mutation ahead of
 * operations on other rows changes nothing (ovsdb-server resolves a uuid-name an insert defines later in the same
 * transaction).
 */
public final class MutationCoalescer {
    private MutationCoalescer() {
    }

    /** {@code ops} with the set mutations of each row folded; the same list when there is nothing to fold. */
    public static List<Operation> coalesce(List<Operation> ops) {
        List<Object> out = new ArrayList<>(ops.size()); // an Operation, or the Folded mutate of a row
        Map<String, Folded> open = new HashMap<>(); // by table + "/" + uuid
        boolean folded = false;
        for (Operation op : ops) {
            String row = op instanceof Operation.Mutate m ? foldableRow(m) : null;
            if (row != null) {
                Folded f = open.get(row);
                if (f != null) {
                    f.append(((Operation.Mutate) op).mutations());
                    folded = true;
                } else {
                    f = new Folded((Operation.Mutate) op);
                    open.put(row, f);
                    out.add(f);
                }
                continue;
            }
            close(open, op);
            out.add(op);
        }
        if (!folded) {
            return ops;
        }
        List<Operation> result = new ArrayList<>(out.size());
        for (Object o : out) {
            result.add(o instanceof Folded f ? f.build() : (Operation) o);
        }
        return result;
    }

    /** Ends the folding of every row {@code op} may read or change. */
    private static void close(Map<String, Folded> open, Operation op) {
        if (open.isEmpty() || op instanceof Operation.Insert || op instanceof Operation.Comment) {
            return; // an insert makes a new row; a comment touches none
        }
        List<Condition> where = null;
        if (op instanceof Operation.Update u) {
            where = u.where();
        } else if (op instanceof Operation.Mutate m) {
            where = m.where();
        } else if (op instanceof Operation.Delete d) {
            where = d.where();
        } else if (op instanceof Operation.Select s) {
            where = s.where();
        } else if (op instanceof Operation.Wait w) {
            where = w.where();
        }
        if (where == null) {
            open.clear();
            return;
        }
        Uuid uuid = byUuid(where);
        if (uuid != null) {
            open.remove(op.table() + "/" + uuid.value());
        } else {
            String prefix = op.table() + "/";
            open.keySet().removeIf(k -> k.startsWith(prefix));
        }
    }

    /** A row's mutate being folded: its mutations in order, consecutive ones of one column and mutator merged. */
    private static final class Folded {
        private final Operation.Mutate first;
        private final List<String> columns = new ArrayList<>();
        private final List<Mutation.Mutator> mutators = new ArrayList<>();
        private final List<Set<Object>> values = new ArrayList<>();

        Folded(Operation.Mutate first) {
            this.first = first;
            append(first.mutations());
        }

        void append(List<Mutation> more) {
            for (Mutation m : more) {
                int last = columns.size() - 1;
                if (last >= 0 && columns.get(last).equals(m.column()) && mutators.get(last) == m.mutator()) {
                    values.get(last).addAll((Set<?>) m.value());
                } else {
                    columns.add(m.column());
                    mutators.add(m.mutator());
                    values.add(new LinkedHashSet<>((Set<?>) m.value()));
                }
            }
        }

        Operation.Mutate build() {
            List<Mutation> mutations = new ArrayList<>(columns.size());
            for (int i = 0; i < columns.size(); i++) {
                mutations.add(new Mutation(columns.get(i), mutators.get(i), values.get(i)));
            }
            return new Operation.Mutate(first.table(), first.where(), List.copyOf(mutations));
        }
    }

    /** The row key of a mutate that only inserts or deletes set elements of one row named by its uuid, else null. */
    private static String foldableRow(Operation.Mutate m) {
        Uuid uuid = m.where().size() == 1 ? byUuid(m.where()) : null;
        if (uuid == null) {
            return null;
        }
        for (Mutation mu : m.mutations()) {
            if (!(mu.value() instanceof Set<?>)
                    || (mu.mutator() != Mutation.Mutator.INSERT && mu.mutator() != Mutation.Mutator.DELETE)) {
                return null;
            }
        }
        return m.table() + "/" + uuid.value();
    }

    /** The uuid of a where that is exactly {@code _uuid == <uuid>}, else null. */
    private static Uuid byUuid(List<Condition> where) {
        if (where.size() == 1 && "_uuid".equals(where.get(0).column())
                && where.get(0).function() == Condition.Function.EQ && where.get(0).value() instanceof Uuid u
                && !u.isNamed()) {
            return u;
        }
        return null;
    }
}
