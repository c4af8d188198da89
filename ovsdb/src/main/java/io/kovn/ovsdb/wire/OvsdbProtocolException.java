package io.kovn.ovsdb.wire;

/** The peer sent something that is not valid OVSDB: the connection that carried it is closed. */
public class OvsdbProtocolException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public OvsdbProtocolException(String message) {
        super(message);
    }
}
