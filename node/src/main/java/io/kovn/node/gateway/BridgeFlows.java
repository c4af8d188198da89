package io.kovn.node.gateway;

import java.util.ArrayList;
import java.util.List;

/**
 * The OpenFlow table of a gateway bridge, in {@code ovs-ofctl} syntax (what docs/gateway.md explains). Ports are
 * OpenFlow numbers: the NIC, and OVN's patch port to br-int once ovn-controller has made it (null before).
 *
 * <p>Shared mode: the host and the gateway router have the same IP and MAC. Everything from the host goes out;
 * everything from OVN goes out and is committed to conntrack zone {@value #CT_ZONE}. From the NIC: NodePorts on
 * the gateway IP go to OVN; other traffic to the gateway IP goes to OVN if it answers a connection OVN opened,
 * else to the host; the host's other addresses, broadcast and non-IP go to the host; ARP to both; any other
 * unicast IPv4 (external IPs, load balancer ingress, a gateway IP the host does not hold) to OVN.
 *
 * <p>Dedicated mode: the bridge is a wire between the NIC and OVN; the bridge's own device is cut off.
 *
 * <p>Both keep the standalone bridge's own {@code priority=0 actions=NORMAL}, which ovs-vswitchd would put back.
 */
final class BridgeFlows {
    static final int CT_ZONE = 64000;
    private static final String NORMAL = "priority=0,actions=NORMAL";

    private BridgeFlows() {
    }

    static String shared(int nic, Integer patch, String gatewayIp, List<String> hostIps, int nodePortMin, int nodePortMax) {
        List<String> f = new ArrayList<>();
        f.add(NORMAL);
        f.add("priority=100,in_port=LOCAL,actions=output:" + nic);
        for (String ip : hostIps) {
            if (!ip.equals(gatewayIp)) {
                f.add("priority=40,ip,in_port=" + nic + ",nw_dst=" + ip + ",actions=LOCAL");
            }
        }
        f.add("priority=30,ip,in_port=" + nic + ",dl_dst=01:00:00:00:00:00/01:00:00:00:00:00,actions=LOCAL");
        f.add("priority=1,in_port=" + nic + ",actions=LOCAL");
        if (patch != null) {
            String fromNic = "in_port=" + nic + ",nw_dst=" + gatewayIp;
            f.add("priority=100,ip,in_port=" + patch + ",actions=ct(commit,zone=" + CT_ZONE + "),output:" + nic);
            f.add("priority=90,in_port=" + patch + ",actions=output:" + nic);
            for (String proto : List.of("tcp", "udp", "sctp")) {
                for (String ports : portMasks(nodePortMin, nodePortMax)) {
                    f.add("priority=100," + proto + "," + fromNic + ",tp_dst=" + ports + ",actions=output:" + patch);
                }
            }
            if (hostIps.contains(gatewayIp)) {
                f.add("priority=50,ip," + fromNic + ",actions=ct(table=1,zone=" + CT_ZONE + ")");
            }
            f.add("priority=20,ip,in_port=" + nic + ",actions=output:" + patch);
            f.add("priority=10,arp,in_port=" + nic + ",actions=LOCAL,output:" + patch);
            f.add("table=1,priority=100,ct_state=+est+trk,actions=output:" + patch);
            f.add("table=1,priority=100,ct_state=+rel+trk,actions=output:" + patch);
            f.add("table=1,priority=0,actions=LOCAL");
        }
        return String.join("\n", f) + "\n";
    }

    static String dedicated(int nic, Integer patch) {
        List<String> f = new ArrayList<>();
        f.add(NORMAL);
        f.add("priority=100,in_port=LOCAL,actions=drop");
        if (patch != null) {
            f.add("priority=100,in_port=" + nic + ",actions=output:" + patch);
            f.add("priority=100,in_port=" + patch + ",actions=output:" + nic);
        }
        return String.join("\n", f) + "\n";
    }

    /** {@code tp_dst} matches (value/mask, or one port) that together cover exactly {@code min..max}. */
    static List<String> portMasks(int min, int max) {
        List<String> out = new ArrayList<>();
        int port = min;
        while (port <= max) {
            int size = port == 0 ? 0x10000 : port & -port;
            while (port + size - 1 > max) {
                size >>= 1;
            }
            out.add(size == 1 ? Integer.toString(port) : String.format("0x%04x/0x%04x", port, 0xffff & ~(size - 1)));
            port += size;
        }
        return out;
    }
}
