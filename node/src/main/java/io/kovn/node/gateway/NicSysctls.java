package io.kovn.node.gateway;

import io.kovn.node.host.HostCommands;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Keeps the host's IP stack off a NIC that has become a bridge port. On the kernel datapath OVS takes every
 * frame from the NIC; on the userspace (netdev) datapath it only listens on a packet socket and the kernel
 * still handles the same frames on the NIC itself: it would answer ARP there, deliver a second copy of each
 * packet to the host's addresses (now on the bridge) and reset TCP connections that belong to OVN's gateway
 * router. Strict reverse-path filtering drops them, since no route leaves through the NIC any more, and
 * arp_ignore=1 stops ARP replies for addresses the NIC does not hold.
 */
final class NicSysctls {
    private static final Map<String, String> ISOLATED = Map.of("rp_filter", "1", "arp_ignore", "1");

    private NicSysctls() {
    }

    /** The NIC's current values, as "rp_filter=0,arp_ignore=0" (what {@link #restore} takes). */
    static String read(HostCommands host, String nic) {
        Map<String, String> values = new LinkedHashMap<>();
        for (String key : ISOLATED.keySet().stream().sorted().toList()) {
            values.put(key, host.run("sysctl", "-n", path(nic, key)).trim());
        }
        return format(values);
    }

    static void isolate(HostCommands host, String nic) {
        ISOLATED.forEach((k, v) -> host.run("sysctl", "-q", "-w", path(nic, k) + "=" + v));
    }

    static void restore(HostCommands host, String nic, String saved) {
        if (saved == null || saved.isBlank()) {
            return;
        }
        for (String kv : saved.split(",")) {
            String[] p = kv.split("=", 2);
            if (p.length == 2 && ISOLATED.containsKey(p[0])) {
                host.run("sysctl", "-q", "-w", path(nic, p[0]) + "=" + p[1]);
            }
        }
    }

    private static String format(Map<String, String> values) {
        StringBuilder b = new StringBuilder();
        values.forEach((k, v) -> b.append(b.length() == 0 ? "" : ",").append(k).append('=').append(v));
        return b.toString();
    }

    /** The slash form: device names may hold dots. */
    private static String path(String nic, String key) {
        return "net/ipv4/conf/" + nic + "/" + key;
    }
}
