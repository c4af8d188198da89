package io.kovn.cni;

import java.util.List;

/** The CNI spec versions kovn speaks, and what differs between them. */
public final class CniVersions {
    public static final String LATEST = "1.0.0";
    public static final List<String> SUPPORTED = List.of("0.3.1", "0.4.0", "1.0.0", "1.1.0");

    private CniVersions() {
    }

    public static boolean isSupported(String v) {
        return SUPPORTED.contains(v);
    }

    /** CHECK appeared in 0.4.0; older configurations must not be checked. */
    public static boolean allowsCheck(String v) {
        return !"0.3.1".equals(v);
    }

    /** Before 1.0.0 every ips entry names its IP version. */
    public static boolean ipsCarryVersion(String v) {
        return "0.3.1".equals(v) || "0.4.0".equals(v);
    }

    /** STATUS and GC appeared in 1.1.0. */
    public static boolean allowsStatusAndGc(String v) {
        return "1.1.0".equals(v);
    }
}
