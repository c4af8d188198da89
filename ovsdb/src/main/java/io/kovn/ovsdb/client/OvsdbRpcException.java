package io.kovn.ovsdb.client;

/** The server answered a JSON-RPC request with an error (e.g. "unknown method", "canceled"). */
public class OvsdbRpcException extends OvsdbException {
    private static final long serialVersionUID = 1L;
    private final String method;
    private final String error;

    public OvsdbRpcException(String method, String error, String details) {
        super(method + " failed: " + error + (details == null || details.isEmpty() ? "" : " (" + details + ")"));
        this.method = method;
        this.error = error;
    }

    public String method() {
        return method;
    }

    public String error() {
        return error;
    }
}
