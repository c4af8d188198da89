package io.kovn.ovn.net;

/** MAC addresses kovn derives from IPv4 addresses, as ovn-kubernetes does: {@code 0a:58:} + the four bytes. */
public final class MacAddress {
    private MacAddress() {
    }

    public static String fromIpv4(int ip) {
        return String.format("0a:58:%02x:%02x:%02x:%02x", (ip >>> 24) & 255, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255);
    }

    public static String fromIpv4(String ip) {
        return fromIpv4(Ipv4Cidr.parseAddress(ip));
    }
}
