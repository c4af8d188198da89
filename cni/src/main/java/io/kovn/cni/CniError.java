package io.kovn.cni;

import java.util.LinkedHashMap;
import java.util.Map;

/** A failure reported to the runtime as the CNI spec's error object, with one of its well-known codes. */
public final class CniError extends Exception {
    private static final long serialVersionUID = 1L;

    public static final int INCOMPATIBLE_VERSION = 1;
    public static final int UNSUPPORTED_FIELD = 2;
    public static final int UNKNOWN_CONTAINER = 3;
    public static final int INVALID_ENVIRONMENT = 4;
    public static final int IO_FAILURE = 5;
    public static final int DECODING_FAILURE = 6;
    public static final int INVALID_CONFIG = 7;
    public static final int TRY_AGAIN_LATER = 11;
    /** STATUS (1.1.0): the plugin cannot serve ADD requests now. */
    public static final int PLUGIN_NOT_AVAILABLE = 50;
    /** Codes from 100 are the plugin's own: the node agent failed to set up or check the pod's network. */
    public static final int AGENT_FAILURE = 100;

    private final int code;
    private final String details;

    public CniError(int code, String msg, String details) {
        super(msg);
        this.code = code;
        this.details = details;
    }

    public CniError(int code, String msg) {
        this(code, msg, null);
    }

    public int code() {
        return code;
    }

    public String details() {
        return details;
    }

    /** The error object of the spec: cniVersion, code, msg and, when there are some, details. */
    public Map<String, Object> toJson(String cniVersion) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cniVersion", cniVersion);
        m.put("code", Long.valueOf(code));
        m.put("msg", getMessage());
        if (details != null && !details.isEmpty()) {
            m.put("details", details);
        }
        return m;
    }
}
