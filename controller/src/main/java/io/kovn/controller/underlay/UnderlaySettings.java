package io.kovn.controller.underlay;

import io.kovn.ovn.net.Ipv4Cidr;

/**
 * The controller's underlay settings (declared in ControllerOptions): the logical router the pod switches attach to
 * (made if missing), the default pool size, and the network carved into one pod subnet per VM.
 */
public record UnderlaySettings(String router, int poolSize, Ipv4Cidr podNetwork, int podSubnetPrefix) {
    public UnderlaySettings {
        if (podSubnetPrefix <= podNetwork.prefix() || podSubnetPrefix > 30) {
            throw new IllegalArgumentException("pod subnet prefix " + podSubnetPrefix + " must be longer than "
                    + podNetwork + " and at most 30");
        }
    }
}
