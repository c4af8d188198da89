package io.kovn.node.cni;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Host-side names derived from (container id, interface name) alone, so that concurrent ADDs never collide and a
 * DEL finds the veth without any saved state: {@code kv} + 12 hex digits of a SHA-256 (14 characters, within
 * the kernel's 15), and a locally administered unicast MAC from the same hash.
 */
public final class VethNames {
    public static final String PREFIX = "kv";

    private VethNames() {
    }

    public static String hostVeth(String containerId, String ifName) {
        byte[] h = hash(containerId, ifName);
        StringBuilder b = new StringBuilder(PREFIX);
        for (int i = 0; i < 6; i++) {
            b.append(String.format("%02x", h[i]));
        }
        return b.toString();
    }

    public static String hostMac(String containerId, String ifName) {
        byte[] h = hash(containerId, ifName);
        // 0e: unicast (bit 0 clear), locally administered (bit 1 set)
        return String.format("0e:%02x:%02x:%02x:%02x:%02x", h[6], h[7], h[8], h[9], h[10]);
    }

    /** Whether a link name has the shape of the host veths kovn makes. */
    public static boolean isHostVeth(String name) {
        return name.length() == 14 && name.startsWith(PREFIX) && name.substring(2).chars()
                .allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
    }

    private static byte[] hash(String containerId, String ifName) {
        try {
            return MessageDigest.getInstance("SHA-256")
                    .digest((containerId + "/" + ifName).getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
