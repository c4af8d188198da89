package io.kovn.node.cni;

import java.util.List;

/** An error the CNI server answers with, in the terms of the CNI spec (code, msg, details). */
public final class CniFailure extends Exception {
    private static final long serialVersionUID = 1L;

    public static final int INCOMPATIBLE_VERSION = 1;
    public static final int UNKNOWN_CONTAINER = 3;
    public static final int INVALID_ENVIRONMENT = 4;
    public static final int DECODING_FAILURE = 6;
    public static final int INVALID_CONFIG = 7;
    public static final int TRY_AGAIN_LATER = 11;
    /** STATUS (CNI 1.1.0): the plugin cannot serve ADD requests now. */
    public static final int PLUGIN_NOT_AVAILABLE = 50;
    /** kovn's own: setting up, checking or removing the pod's network failed; msg says why. */
    public static final int SETUP_FAILED = 100;

    private final int code;
    private final String details;

    public CniFailure(int code, String msg, String details) {
        super(msg);
        this.code = code;
        this.details = details;
    }

    public CniFailure(int code, String msg, String details, Throwable cause) {
        super(msg, cause);
        this.code = code;
        this.details = details;
    }

    /** STATUS's answer when {@code problems} is not empty: code 50 naming the first, all of them as details. */
    public static void failUnlessAvailable(List<String> problems) throws CniFailure {
        if (!problems.isEmpty()) {
            throw new CniFailure(PLUGIN_NOT_AVAILABLE, "the kovn node agent cannot set up pods now: "
                    + problems.get(0), String.join("; ", problems));
        }
    }

    public int code() {
        return code;
    }

    public String details() {
        return details;
    }
}
