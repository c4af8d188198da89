package io.kovn.controller.underlay;

import io.kovn.ovn.net.Ipv4Cidr;
import java.util.Optional;

/**
 * The controller's underlay settings (declared in ControllerOptions): the logical router the pod switches attach to
 * (made if missing), the default pool size, the network carved into one pod subnet per VM, and the back end: NB
 * directly when {@code neutron} is empty, else the cloud's Neutron API.
 */
public record UnderlaySettings(String router, int poolSize, Ipv4Cidr podNetwork, int podSubnetPrefix,
                               Optional<NeutronSettings> neutron) {
    public UnderlaySettings {
        if (podSubnetPrefix <= podNetwork.prefix() || podSubnetPrefix > 30) {
            throw new IllegalArgumentException("pod subnet prefix " + podSubnetPrefix + " must be longer than "
                    + podNetwork + " and at most 30");
        }
    }

    /** NB-native settings. */
    public UnderlaySettings(String router, int poolSize, Ipv4Cidr podNetwork, int podSubnetPrefix) {
        this(router, poolSize, podNetwork, podSubnetPrefix, Optional.empty());
    }
}
