package io.kovn.deploy.manifests;

import io.kovn.controller.ControllerOptions;
import io.kovn.node.NodeOptions;
import io.kovn.ovn.net.Ipv4Cidr;

/** What {@code kovn manifests} varies; {@link #defaults()} gives the committed {@code deploy/manifests/kovn.yaml}. */
public record ManifestSettings(String image, Ipv4Cidr clusterSubnet, int nodeSubnetPrefix, Ipv4Cidr serviceCidr,
                               int mtu, boolean ha, boolean tls) {

    public static ManifestSettings defaults() {
        return new ManifestSettings(ManifestOptions.IMAGE.defaultParsed(),
                ControllerOptions.CLUSTER_SUBNET.defaultParsed(), ControllerOptions.NODE_SUBNET_PREFIX.defaultParsed(),
                ControllerOptions.SERVICE_CIDR.defaultParsed(), NodeOptions.MTU.defaultParsed(), false, false);
    }

    public ManifestSettings withHa(boolean on) {
        return new ManifestSettings(image, clusterSubnet, nodeSubnetPrefix, serviceCidr, mtu, on, tls);
    }

    public ManifestSettings withTls(boolean on) {
        return new ManifestSettings(image, clusterSubnet, nodeSubnetPrefix, serviceCidr, mtu, ha, on);
    }

    /** The file name the manifests are written to: kovn.yaml, kovn-ha.yaml, kovn-tls.yaml, kovn-ha-tls.yaml. */
    public String fileName() {
        return "kovn" + (ha ? "-ha" : "") + (tls ? "-tls" : "") + ".yaml";
    }

    /** OVN database members: 3 in RAFT with --ha, else 1. */
    public int databaseMembers() {
        return ha ? 3 : 1;
    }
}
