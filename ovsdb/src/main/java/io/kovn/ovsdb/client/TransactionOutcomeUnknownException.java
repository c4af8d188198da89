package io.kovn.ovsdb.client;

/**
 * The connection was lost after a transaction was sent and before its reply: the server may or may not have
 * committed it. The client never sends it again by itself; a caller that retries must make the retry safe
 * (a {@code wait} guard, or a check against the replica once it is back in sync).
 */
public class TransactionOutcomeUnknownException extends OvsdbConnectionException {
    private static final long serialVersionUID = 1L;

    public TransactionOutcomeUnknownException(String message, Throwable cause) {
        super(message, cause);
    }
}
