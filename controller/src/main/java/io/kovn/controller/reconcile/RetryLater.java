package io.kovn.controller.reconcile;

/** The object cannot be handled yet for an expected reason (e.g. its node has no switch yet): not an error. */
public class RetryLater extends Exception {
    private static final long serialVersionUID = 1L;

    public RetryLater(String reason) {
        super(reason, null, false, false);
    }
}
