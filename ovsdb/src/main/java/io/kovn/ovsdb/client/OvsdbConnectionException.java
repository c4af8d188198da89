package io.kovn.ovsdb.client;

/** The connection failed or was lost before the call was answered; the call may be retried. */
public class OvsdbConnectionException extends OvsdbException {
    private static final long serialVersionUID = 1L;

    public OvsdbConnectionException(String message) {
        super(message);
    }

    public OvsdbConnectionException(String message, Throwable cause) {
        super(message, cause);
    }
}
