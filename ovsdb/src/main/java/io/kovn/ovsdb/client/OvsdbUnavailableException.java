package io.kovn.ovsdb.client;

/**
 * The client lost its server and has found no usable one for {@link OvsdbClient.Options#unavailableAfter()}
 * (every remote refused, or is a follower, or is cut off from its cluster): the call was not sent. The message
 * says why each remote is not usable.
 */
public class OvsdbUnavailableException extends OvsdbConnectionException {
    private static final long serialVersionUID = 1L;

    public OvsdbUnavailableException(String message) {
        super(message);
    }
}
