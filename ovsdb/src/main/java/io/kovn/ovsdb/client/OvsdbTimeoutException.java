package io.kovn.ovsdb.client;

/** A call got no answer within its timeout. */
public class OvsdbTimeoutException extends OvsdbException {
    private static final long serialVersionUID = 1L;

    public OvsdbTimeoutException(String message) {
        super(message);
    }
}
