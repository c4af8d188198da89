package io.kovn.ovn.ops;

import io.kovn.ovsdb.replica.DatabaseReplica;
import io.kovn.ovsdb.wire.Operation;
import io.kovn.ovsdb.wire.Uuid;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The operations of one NB transaction being built, read against the NB replica. Rows inserted earlier in the
 * same transaction are remembered by table and name, so later steps reference them (by named uuid) instead of
 * inserting them twice. The {@code *Ops} classes of this package add to it only what differs from the replica:
 * a transaction for state that is already right is empty.
 */
public final class NbTxn {
    private final DatabaseReplica nb;
    private final List<Operation> ops = new ArrayList<>();
    private final Map<String, Uuid> pending = new HashMap<>();
    private int names;

    public NbTxn(DatabaseReplica nb) {
        this.nb = nb;
    }

    public DatabaseReplica nb() {
        return nb;
    }

    public NbTxn add(Operation op) {
        ops.add(op);
        return this;
    }

    public List<Operation> operations() {
        return Collections.unmodifiableList(ops);
    }

    public boolean isEmpty() {
        return ops.isEmpty();
    }

    public int size() {
        return ops.size();
    }

    /** A point to roll back to if building the next part fails. */
    public record Checkpoint(int size, Map<String, Uuid> pending) {
    }

    public Checkpoint checkpoint() {
        return new Checkpoint(ops.size(), Map.copyOf(pending));
    }

    /** Drops everything added since {@code cp}. */
    public void rollback(Checkpoint cp) {
        ops.subList(cp.size(), ops.size()).clear();
        pending.clear();
        pending.putAll(cp.pending());
    }

    /** A fresh uuid-name for an insert of this transaction. */
    String newName(String prefix) {
        return prefix + (++names);
    }

    /** A row of {@code table} named {@code name} inserted earlier in this transaction. */
    Optional<Uuid> pending(String table, String name) {
        return Optional.ofNullable(pending.get(table + "/" + name));
    }

    void markPending(String table, String name, Uuid ref) {
        pending.put(table + "/" + name, ref);
    }

    void forgetPending(String table, String name) {
        pending.remove(table + "/" + name);
    }
}
