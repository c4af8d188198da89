package io.kovn.deploy.manifests;

/**
 * The Secrets of the {@code --tls} manifests, each {@code tls.key}, {@code tls.crt} and {@code ca.crt} made with
 * {@code kovn pki issue} (docs/install.md): the OVN databases' server certificates, ovn-northd's and the
 * controller's client certificates. Nodes get theirs through the CSR flow (docs/security.md).
 */
final class Pki {
    static final String NB_SERVER_SECRET = "kovn-nb-server-tls";
    static final String SB_SERVER_SECRET = "kovn-sb-server-tls";
    static final String NORTHD_SECRET = "kovn-northd-tls";
    static final String CONTROLLER_SECRET = "kovn-controller-tls";
    /** Where a pod mounts the client Secret it uses. */
    static final String CLIENT_DIR = "/etc/kovn/tls";
    static final String NB_SERVER_DIR = "/etc/kovn/tls-nb";
    static final String SB_SERVER_DIR = "/etc/kovn/tls-sb";

    private Pki() {
    }
}
