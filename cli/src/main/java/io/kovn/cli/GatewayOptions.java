package io.kovn.cli;

import io.kovn.node.gateway.GatewaySettings;
import io.kovn.ovn.net.Ipv4Cidr;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** The gateway flags of {@code kovn node} and {@code kovn gateway-init} (see docs/gateway.md). */
final class GatewayOptions {
    @Option(names = "--physical-interface", paramLabel = "IFACE",
            description = "dedicated gateway: this NIC becomes a port of bridge br<IFACE> and carries only the cluster's "
                    + "north-south traffic (needs --physical-ip and --default-gw)")
    String physicalInterface;

    @Option(names = "--bridge-interface", paramLabel = "BRIDGE",
            description = "shared gateway: the bridge kovn nics-to-bridge made (e.g. breth0); host and cluster share its NIC")
    String bridgeInterface;

    @Option(names = "--physical-ip", paramLabel = "IP/PREFIX",
            description = "the gateway's address, e.g. 10.33.74.138/24 (shared default: the bridge's first address)")
    String physicalIp;

    @Option(names = "--default-gw", paramLabel = "IP",
            description = "next hop of the cluster's egress (shared default: the bridge's default route)")
    String defaultGw;

    @Option(names = "--rampout-ip-subnets", split = ",", paramLabel = "CIDR",
            description = "pod subnets whose egress leaves through this gateway, e.g. 10.244.1.0/24,10.244.2.0/24")
    List<String> rampoutIpSubnets = new ArrayList<>();

    @Option(names = "--node-port-range", defaultValue = GatewaySettings.NODE_PORT_MIN + "-" + GatewaySettings.NODE_PORT_MAX,
            paramLabel = "MIN-MAX", description = "NodePorts the shared bridge sends to OVN (default ${DEFAULT-VALUE})")
    String nodePortRange;

    /** The settings, or null when neither interface flag is given; bad flags are reported as usage errors. */
    GatewaySettings settings(CommandLine cmd) {
        if (physicalInterface == null && bridgeInterface == null) {
            if (physicalIp != null || defaultGw != null || !rampoutIpSubnets.isEmpty()) {
                throw new ParameterException(cmd, "gateway flags need --physical-interface or --bridge-interface");
            }
            return null;
        }
        try {
            String[] range = nodePortRange.split("-", 2);
            if (range.length != 2) {
                throw new IllegalArgumentException("--node-port-range " + nodePortRange + ": expected MIN-MAX");
            }
            return new GatewaySettings(physicalInterface, bridgeInterface, physicalIp, defaultGw,
                    rampoutIpSubnets.stream().map(Ipv4Cidr::parse).toList(), Integer.parseInt(range[0].trim()),
                    Integer.parseInt(range[1].trim()));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(cmd, e.getMessage());
        }
    }
}
