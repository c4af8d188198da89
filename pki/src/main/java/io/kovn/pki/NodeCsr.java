package io.kovn.pki;

import java.util.List;

/** The Kubernetes CSR contract between a node agent and the controller's signer, in one place for both sides. */
public final class NodeCsr {
    /** {@code spec.signerName} of a node's request. */
    public static final String SIGNER_NAME = "kovn.io/ovn-node";
    /** {@code spec.usages} of a node's request (a node's client certificate): no more, no fewer. */
    public static final List<String> USAGES = List.of("digital signature", "key encipherment", "client auth");

    private NodeCsr() {
    }
}
