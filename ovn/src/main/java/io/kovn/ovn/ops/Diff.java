package io.kovn.ovn.ops;

import io.kovn.ovsdb.model.Column;
import io.kovn.ovsdb.model.TypedRow;
import io.kovn.ovsdb.wire.Condition;
import io.kovn.ovsdb.wire.Operation;
import java.util.Objects;

/** Builds the update of only the columns whose value differs from the replica's row. */
final class Diff<R extends TypedRow> {
    private final R current;
    private Operation.Update update;
    private boolean changed;

    Diff(io.kovn.ovsdb.model.Table<R> table, R current) {
        this.current = current;
        this.update = Operation.update(table).where(Condition.uuid(current.uuid()));
    }

    <T> Diff<R> set(Column<T> column, T desired) {
        if (!Objects.equals(current.row().get(column), desired)) {
            update = update.set(column, desired);
            changed = true;
        }
        return this;
    }

    void addTo(NbTxn txn) {
        if (changed) {
            txn.add(update);
        }
    }
}
