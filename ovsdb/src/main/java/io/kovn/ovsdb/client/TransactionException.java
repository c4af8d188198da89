package io.kovn.ovsdb.client;

import io.kovn.ovsdb.wire.Operation;

/**
 * A transaction the server refused: an operation failed ({@code constraint violation}, {@code timed out},
 * {@code aborted}, ...) or the commit did ({@code referential integrity violation}). Nothing of it was applied.
 */
public class TransactionException extends OvsdbException {
    private static final long serialVersionUID = 1L;
    private final String error;
    private final String details;
    private final int operationIndex;
    private final transient Operation operation;

    public TransactionException(String error, String details, int operationIndex, Operation operation) {
        super("transaction failed: " + error + (details == null ? "" : ": " + details)
                + (operation == null ? " (at commit)" : " (operation " + operationIndex + ": " + describe(operation) + ")"));
        this.error = error;
        this.details = details;
        this.operationIndex = operationIndex;
        this.operation = operation;
    }

    private static String describe(Operation op) {
        String name = op.getClass().getSimpleName().toLowerCase();
        if (op instanceof Operation.Wait w) {
            // a wait is a guard: say which rows it was about
            return name + " " + op.table() + " where " + w.where().stream()
                    .map(c -> c.column() + " " + c.toJson().get(1).asString() + " " + c.value()).toList();
        }
        return op.table() == null ? name : name + " " + op.table();
    }

    /** The server's error string, e.g. {@code "constraint violation"}. */
    public String error() {
        return error;
    }

    /** The server's details, may be null. */
    public String details() {
        return details;
    }

    /** The index of the failing operation, or the number of operations when the commit itself failed. */
    public int operationIndex() {
        return operationIndex;
    }

    /** The failing operation, or null when the commit failed. */
    public Operation operation() {
        return operation;
    }
}
