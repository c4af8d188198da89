package io.kovn.pki;

import java.util.List;

/**
 * The Kubernetes CSR contract between a node agent and the controller's signer, in one place for both sides:
 * the request's signer and usages, and where the CA certificate to trust is published.
 */
public final class NodeCsr {
    /** {@code spec.signerName} of a node's request. */
    public static final String SIGNER_NAME = "kovn.io/ovn-node";
    /** {@code spec.usages} of a node's request (a node's client certificate): no more, no fewer. */
    public static final List<String> USAGES = List.of("digital signature", "key encipherment", "client auth");
    /** The ConfigMap, in kovn's namespace, where the controller publishes the CA certificate nodes trust. */
    public static final String CA_CONFIG_MAP = "kovn-ca";
    /** The key of the CA certificate (PEM) in {@link #CA_CONFIG_MAP}. */
    public static final String CA_CONFIG_MAP_KEY = "ca.crt";

    private NodeCsr() {
    }
}
