package io.kovn.pki;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.bouncycastle.asn1.x509.KeyPurposeId;

/**
 * Who a certificate is for, which fixes its extended key usages. OVSDB servers authenticate as servers and,
 * towards their RAFT peers, as clients; every other role only ever connects out. For {@link #OVN_CONTROLLER}
 * the common name is the chassis name, which the Southbound RBAC compares with the rows a chassis may change.
 */
public enum Role {
    NB_SERVER("nb-server", true),
    SB_SERVER("sb-server", true),
    NORTHD("northd", false),
    CONTROLLER("controller", false),
    OVN_CONTROLLER("ovn-controller", false),
    NODE_AGENT("node-agent", false);

    private final String id;
    private final boolean server;

    Role(String id, boolean server) {
        this.id = id;
        this.server = server;
    }

    /** The name on the command line, e.g. {@code ovn-controller}. */
    public String id() {
        return id;
    }

    public List<KeyPurposeId> extendedKeyUsages() {
        return server ? List.of(KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth)
                : List.of(KeyPurposeId.id_kp_clientAuth);
    }

    /** The role named exactly {@code id}; an unknown name is an error that lists the known ones. */
    public static Role parse(String id) {
        for (Role r : values()) {
            if (r.id.equals(id)) {
                return r;
            }
        }
        throw new IllegalArgumentException("unknown role '" + id + "'; expected one of " + ids());
    }

    public static String ids() {
        return Arrays.stream(values()).map(Role::id).collect(Collectors.joining(", "));
    }

    @Override
    public String toString() {
        return id;
    }
}
