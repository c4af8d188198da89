package io.kovn.node.gateway;

import io.kovn.ovn.net.Ipv4Cidr;
import java.util.List;

/**
 * The gateway flags of {@code kovn node} and {@code kovn gateway-init}. Exactly one mode:
 * <ul>
 * <li>dedicated ({@code physicalInterface}, e.g. eth1): the interface becomes a port of bridge {@code br<iface>}
 * and carries only the cluster's north-south traffic; {@code physicalIp} and {@code defaultGateway} are
 * required (they are the gateway router's, not the host's);</li>
 * <li>shared ({@code bridgeInterface}, e.g. breth0, made by {@code kovn nics-to-bridge}): the host and the gateway
 * router share the NIC and its address; {@code physicalIp} defaults to the bridge's first address and
 * {@code defaultGateway} to the bridge's default route.</li>
 * </ul>
 *
 * @param physicalIp       the gateway's address with prefix, e.g. 10.33.74.138/24; null: from the bridge
 * @param defaultGateway   the next hop for the cluster's egress; null: from the bridge's default route
 * @param rampoutSubnets   pod subnets whose egress is pinned to this gateway (besides this node's own)
 * @param nodePortMin      with {@code nodePortMax}, the NodePort range sent to OVN in the shared mode
 */
public record GatewaySettings(String physicalInterface, String bridgeInterface, String physicalIp, String defaultGateway,
                              List<Ipv4Cidr> rampoutSubnets, int nodePortMin, int nodePortMax) {
    public static final int NODE_PORT_MIN = 30000;
    public static final int NODE_PORT_MAX = 32767;

    public GatewaySettings {
        if ((physicalInterface == null) == (bridgeInterface == null)) {
            throw new IllegalArgumentException("give either a physical interface (dedicated) or a bridge interface (shared)");
        }
        if (physicalInterface != null && (physicalIp == null || defaultGateway == null)) {
            throw new IllegalArgumentException("a dedicated interface needs the physical IP and the default gateway");
        }
        if (physicalIp != null) {
            Ipv4Cidr.parse(physicalIp); // a.b.c.d/n: the gateway router's port needs the prefix
        }
        if (defaultGateway != null) {
            Ipv4Cidr.parseAddress(defaultGateway);
        }
        if (nodePortMin < 1 || nodePortMax > 65535 || nodePortMin > nodePortMax) {
            throw new IllegalArgumentException("node port range " + nodePortMin + "-" + nodePortMax + " is not valid");
        }
        rampoutSubnets = List.copyOf(rampoutSubnets);
    }

    public static GatewaySettings dedicated(String iface, String physicalIp, String defaultGateway) {
        return new GatewaySettings(iface, null, physicalIp, defaultGateway, List.of(), NODE_PORT_MIN, NODE_PORT_MAX);
    }

    public static GatewaySettings shared(String bridge) {
        return new GatewaySettings(null, bridge, null, null, List.of(), NODE_PORT_MIN, NODE_PORT_MAX);
    }

    public GatewaySettings withPhysicalIp(String ip) {
        return new GatewaySettings(physicalInterface, bridgeInterface, ip, defaultGateway, rampoutSubnets, nodePortMin, nodePortMax);
    }

    public GatewaySettings withDefaultGateway(String gw) {
        return new GatewaySettings(physicalInterface, bridgeInterface, physicalIp, gw, rampoutSubnets, nodePortMin, nodePortMax);
    }

    public GatewaySettings withRampoutSubnets(List<Ipv4Cidr> subnets) {
        return new GatewaySettings(physicalInterface, bridgeInterface, physicalIp, defaultGateway, subnets, nodePortMin, nodePortMax);
    }

    public GatewaySettings withNodePorts(int min, int max) {
        return new GatewaySettings(physicalInterface, bridgeInterface, physicalIp, defaultGateway, rampoutSubnets, min, max);
    }

    public boolean shared() {
        return bridgeInterface != null;
    }

    /** The bridge the gateway's localnet port reaches: the shared one, or br&lt;iface&gt;. */
    public String bridge() {
        return shared() ? bridgeInterface : PhysicalBridge.nameFor(physicalInterface);
    }
}
