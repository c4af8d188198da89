package io.kovn.controller.reconcile;

import io.kovn.controller.ObjectKey;
import io.kovn.ovn.ops.NbTxn;
import io.kovn.ovsdb.replica.DatabaseReplica;

/**
 * Brings the NB rows of one kind of Kubernetes object in line with the object (or its absence). Level-triggered
 * and idempotent: it compares the object with the NB replica and adds to the transaction only what differs.
 */
public interface Reconciler {

    /** What to do once the transaction has committed (e.g. publish an annotation). */
    @FunctionalInterface
    interface AfterCommit {
        AfterCommit NOTHING = () -> { };

        void run() throws Exception;
    }

    AfterCommit reconcile(ObjectKey key, NbTxn txn) throws Exception;

    /**
     * Rebuilds what this kind allocates from the objects and NB, once the informers synced and before the first
     * reconcile, so that nothing is handed out twice; nothing for kinds that allocate nothing. A full sync calls it
     * in kind order: node subnets before the pods' addresses in them.
     */
    default void rebuildAllocations(DatabaseReplica nb) {
    }
}
