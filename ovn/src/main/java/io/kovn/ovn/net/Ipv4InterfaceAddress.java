package io.kovn.ovn.net;

/**
 * An address of an interface with the prefix length of its network, e.g. {@code 10.244.1.5/24}; unlike
 * {@link Ipv4Cidr} it keeps the host part.
 */
public record Ipv4InterfaceAddress(Ipv4Address address, int prefix) {

    public Ipv4InterfaceAddress {
        if (prefix < 0 || prefix > 32) {
            throw new IllegalArgumentException("prefix length " + prefix + " out of range 0..32");
        }
    }

    /** {@code ip} in {@code subnet}, with the subnet's prefix length. */
    public static Ipv4InterfaceAddress in(Ipv4Cidr subnet, int ip) {
        if (!subnet.contains(ip)) {
            throw new IllegalArgumentException(Ipv4Cidr.format(ip) + " is not in " + subnet);
        }
        return new Ipv4InterfaceAddress(new Ipv4Address(ip), subnet.prefix());
    }

    /** Parses {@code a.b.c.d/n} strictly. */
    public static Ipv4InterfaceAddress parse(String text) {
        int slash = text.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException(Quoted.of(text) + " is not an IPv4 address with prefix (expected a.b.c.d/n)");
        }
        return new Ipv4InterfaceAddress(Ipv4Address.parse(text.substring(0, slash)),
                Ipv4Cidr.parsePrefix(text, text.substring(slash + 1)));
    }

    /** The network the address is on. */
    public Ipv4Cidr subnet() {
        return new Ipv4Cidr(address.value(), prefix);
    }

    @Override
    public String toString() {
        return address + "/" + prefix;
    }
}
