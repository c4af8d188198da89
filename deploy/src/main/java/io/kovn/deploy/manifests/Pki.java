package io.kovn.deploy.manifests;

import io.kovn.controller.CaSecret;

/**
 * The Secrets of the {@code --tls} manifests, each {@code tls.key}, {@code tls.crt} and {@code ca.crt} made with
 * {@code kovn pki issue} (docs/install.md): the OVN databases' server certificates, ovn-northd's and the
 * controller's client certificates; and the CA itself ({@code kovn pki secret --ca}), with which the controller
 * signs the nodes' CSRs. Nodes get theirs through that CSR flow (docs/security.md).
 */
final class Pki {
    static final String NB_SERVER_SECRET = "kovn-nb-server-tls";
    static final String SB_SERVER_SECRET = "kovn-sb-server-tls";
    static final String NORTHD_SECRET = "kovn-northd-tls";
    static final String CONTROLLER_SECRET = "kovn-controller-tls";
    static final String CA_SECRET = CaSecret.DEFAULT_CA_SECRET;
    /** Where a pod mounts the client Secret it uses. */
    static final String CLIENT_DIR = "/etc/kovn/tls";
    static final String NB_SERVER_DIR = "/etc/kovn/tls-nb";
    static final String SB_SERVER_DIR = "/etc/kovn/tls-sb";

    private Pki() {
    }
}
