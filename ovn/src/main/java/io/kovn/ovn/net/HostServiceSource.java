package io.kovn.ovn.net;

/**
 * The source address a node's host uses for its connections to services (ClusterIPs) through the management
 * port, one per node, in 169.254.0.1-169.254.127.254 (clear of 169.254.169.254, the cloud metadata address):
 * the node agent puts it on {@code ovn-k8s-mp0} and makes it the source of the service CIDR routes; the
 * controller routes it back from the cluster router to the node's management port.
 *
 * <p>Why not the management port's own address: on the userspace datapath, the host's replies to pods and the
 * pods' replies to the host may take the kernel's short way (a pod's veth is also a host interface), and a
 * connection through a service load balancer must come back through OVN to be un-DNATed. A service connection
 * from an address no pod has on its link always returns through the cluster router, and its conntrack entries
 * never share a tuple with the host's direct connections to pods. Derived from the node subnet alone, so the
 * agent and the controller agree without talking.
 */
public final class HostServiceSource {
    private static final int BASE = Ipv4Cidr.parseAddress("169.254.0.0");
    private static final int SLOTS = 32766;

    private HostServiceSource() {
    }

    /** The address for the node whose pod subnet is {@code nodeSubnet}. */
    public static String of(Ipv4Cidr nodeSubnet) {
        long number = Integer.toUnsignedLong(nodeSubnet.network()) >>> (32 - nodeSubnet.prefix());
        return Ipv4Cidr.format(BASE + 1 + (int) (number % SLOTS));
    }
}
