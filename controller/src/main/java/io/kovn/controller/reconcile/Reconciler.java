package io.kovn.controller.reconcile;

import io.kovn.controller.ObjectKey;
import io.kovn.ovn.ops.NbTxn;

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
}
