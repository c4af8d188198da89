package io.kovn.controller.underlay;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Names of the NB rows the NB-native back end writes, and the external_ids key that tells their role. Pool port
 * names are derived from the node and the tag, so a transaction retried after a lost reply hits NB's unique index
 * on the name instead of adding a second port.
 */
final class UnderlayNames {
    /** external_ids key on every row of underlay mode: one of the ROLE_ values. */
    static final String ROLE = "kovn.io/underlay-role";
    static final String ROLE_ROUTER = "router";
    static final String ROLE_POD_SWITCH = "pod-switch";
    static final String ROLE_ROUTER_PORT = "router-port";
    static final String ROLE_SWITCH_ROUTER_PORT = "switch-router-port";
    static final String ROLE_POOL_PORT = "pool-port";
    static final String ROLE_DENY_GROUP = "deny-group";
    static final String ROLE_OPEN_GROUP = "open-group";

    private UnderlayNames() {
    }

    static String podSwitch(String node) {
        return "kovn-pods-" + node;
    }

    static String routerPort(String node) {
        return "kovn-rtos-" + node;
    }

    static String switchRouterPort(String node) {
        return "kovn-stor-" + node;
    }

    /** {@code kup-<12 hex of the node name's SHA-256>-<tag>}: within the pool cache's 64-character port ids. */
    static String poolPort(String node, int tag) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(node.getBytes(StandardCharsets.UTF_8));
            return "kup-" + HexFormat.of().formatHex(d, 0, 6) + "-" + tag;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
