package io.kovn.deploy.manifests;

/** The host directories the node pod shares with the host (the same paths inside the containers). */
final class NodePaths {
    static final String OVS_RUN = "/var/run/openvswitch";
    static final String OVS_ETC = "/etc/openvswitch";
    static final String OVS_LOG = "/var/log/openvswitch";
    static final String OVN_RUN = "/var/run/ovn";
    static final String OVN_LOG = "/var/log/ovn";
    static final String KOVN_RUN = "/var/run/kovn";
    static final String CNI_CONF = "/etc/cni/net.d";
    static final String CNI_BIN = "/opt/cni/bin";
    /** Where the container runtime binds pods' network namespaces; the agent enters them with nsenter. */
    static final String NETNS = "/var/run/netns";
    static final String MODULES = "/lib/modules";
    /**
     * With {@code --tls}: the node's enrolled key, certificate and CA certificate, kept on the host so a restarted
     * pod reuses them; the agent writes them, ovn-controller reads them where the SSL row says.
     */
    static final String KOVN_PKI = "/var/lib/kovn/pki";

    private NodePaths() {
    }
}
