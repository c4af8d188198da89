package io.kovn.ovsdb.client;

/**
 * The request was not sent: the requests already waiting for the connection (a server that reads slowly or
 * not at all, or no connection yet) fill the client's outgoing queue. Nothing of it reached the server; retry
 * later.
 */
public class OvsdbBackpressureException extends OvsdbException {
    private static final long serialVersionUID = 1L;

    public OvsdbBackpressureException(String message) {
        super(message);
    }
}
