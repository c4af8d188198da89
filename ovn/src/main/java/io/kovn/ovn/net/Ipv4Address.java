package io.kovn.ovn.net;

/** One IPv4 address, parsed strictly from a dotted quad (see {@link Ipv4Cidr#parseAddress}). */
public record Ipv4Address(int value) {

    public static Ipv4Address parse(String ip) {
        return new Ipv4Address(Ipv4Cidr.parseAddress(ip));
    }

    @Override
    public String toString() {
        return Ipv4Cidr.format(value);
    }
}
