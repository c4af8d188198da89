package io.kovn.node.gateway;

import io.kovn.node.host.HostCommands;
import io.kovn.node.ovs.LocalOvs;
import io.kovn.ovn.annotations.GatewayConfig;
import io.kovn.ovn.net.Ipv4Cidr;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's gateway as set up on the node: the bridge (and its NIC) that OVN's localnet port reaches through
 * {@code external_ids:ovn-bridge-mappings=physnet:<bridge>}, and what the node publishes about it ({@link #config},
 * the node annotation the controller builds the gateway router from; {@link #chassisId}, the OVS system-id).
 */
public record LocalGateway(String bridge, String nic, GatewaySettings settings, GatewayConfig config, String chassisId) {
    private static final Logger log = LoggerFactory.getLogger(LocalGateway.class);
    static final String BRIDGE_MAPPINGS = "ovn-bridge-mappings";

    /**
     * Sets up the local side of the gateway (idempotent): in the dedicated mode the interface's bridge, in the
     * shared mode checks the bridge nics-to-bridge made; the NIC kept off the host's IP stack; the bridge mapping.
     */
    public static LocalGateway setUp(LocalOvs ovs, HostCommands host, String nodeName, String chassisId,
                                     String datapathType, GatewaySettings s) {
        String bridge = s.bridge();
        String nic;
        String ip = s.physicalIp();
        String nextHop = s.defaultGateway();
        if (s.shared()) {
            if (ovs.bridge(bridge).isEmpty()) {
                throw new IllegalStateException("there is no OVS bridge " + bridge + ": make it with kovn nics-to-bridge");
            }
            nic = PhysicalBridge.nicOf(ovs, bridge).orElseThrow(() ->
                    new IllegalStateException("bridge " + bridge + " holds no NIC"));
            IpConfig onBridge = IpConfig.read(host, bridge);
            if (ip == null) {
                ip = onBridge.addresses().stream().findFirst().map(IpConfig.Address::cidr).orElseThrow(() ->
                        new IllegalStateException("bridge " + bridge + " has no IPv4 address; give the physical IP"));
            } else if (onBridge.addresses().stream().noneMatch(a -> a.cidr().equals(s.physicalIp()))) {
                log.warn("physical IP {} is not an address of {}: the host and the gateway router will not share it",
                        s.physicalIp(), bridge);
            }
            if (nextHop == null) {
                IpConfig.Route def = onBridge.defaultRoute();
                nextHop = def == null ? null : def.via();
                if (nextHop == null) {
                    throw new IllegalStateException("no default route through " + bridge + "; give the default gateway");
                }
            }
            PhysicalBridge.ensure(ovs, bridge, IpConfig.read(host, nic), datapathType,
                    PhysicalBridge.savedSysctls(ovs, bridge).orElseGet(() -> NicSysctls.read(host, nic)));
        } else {
            nic = s.physicalInterface();
            IpConfig own = IpConfig.read(host, nic);
            if (!own.addresses().isEmpty()) {
                log.warn("{} still holds {}: a dedicated gateway interface carries only the cluster's traffic", nic,
                        own.addresses());
            }
            PhysicalBridge.ensure(ovs, bridge, own, datapathType,
                    PhysicalBridge.savedSysctls(ovs, bridge).orElseGet(() -> NicSysctls.read(host, nic)));
            host.run("ip", "link", "set", "dev", nic, "up");
        }
        NicSysctls.isolate(host, nic);
        setBridgeMapping(ovs, bridge);
        GatewayConfig config = new GatewayConfig(s.shared() ? "shared" : "dedicated", bridge + "_" + nodeName,
                PhysicalBridge.mac(ovs, bridge), List.of(ip), List.of(nextHop), true,
                s.rampoutSubnets().stream().map(Ipv4Cidr::toString).toList());
        log.info("gateway on {} ({} mode, NIC {}): {} {} next hop {}", bridge, config.mode(), nic, ip,
                config.macAddress(), nextHop);
        return new LocalGateway(bridge, nic, s, config, chassisId);
    }

    /** The interface name ovn-controller gives the localnet port's patch port on the bridge. */
    public String patchPort() {
        return "patch-" + config.interfaceId() + "-to-br-int";
    }

    /** Adds or replaces physnet's entry, keeping mappings of other networks. */
    private static void setBridgeMapping(LocalOvs ovs, String bridge) {
        Map<String, String> mappings = new LinkedHashMap<>();
        String current = ovs.externalIds().getOrDefault(BRIDGE_MAPPINGS, "");
        for (String m : current.split(",")) {
            String[] p = m.trim().split(":", 2);
            if (p.length == 2) {
                mappings.put(p[0], p[1]);
            }
        }
        mappings.put(GatewayConfig.PHYSNET, bridge);
        String value = mappings.entrySet().stream().map(e -> e.getKey() + ":" + e.getValue()).collect(Collectors.joining(","));
        if (!value.equals(current)) {
            ovs.setExternalIds(Map.of(BRIDGE_MAPPINGS, value));
        }
    }
}
