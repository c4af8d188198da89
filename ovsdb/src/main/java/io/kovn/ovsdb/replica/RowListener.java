package io.kovn.ovsdb.replica;

/**
 * Told of changes to a replicated table, after the replica has applied them, on the client's single
 * notification thread (in the order the server sent them). Do not block in it.
 */
public interface RowListener<M> {
    default void onAdd(M row) {
    }

    default void onUpdate(M old, M row) {
    }

    default void onDelete(M old) {
    }
}
