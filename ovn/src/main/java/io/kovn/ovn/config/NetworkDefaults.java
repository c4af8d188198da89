package io.kovn.ovn.config;

/** The cluster's networks by default: the controller's and the node agent's options both start from these. */
public final class NetworkDefaults {
    public static final String CLUSTER_SUBNET = "10.244.0.0/16";
    public static final String SERVICE_CIDR = "10.96.0.0/16";
    public static final String JOIN_SUBNET = "100.64.0.0/16";

    private NetworkDefaults() {
    }
}
