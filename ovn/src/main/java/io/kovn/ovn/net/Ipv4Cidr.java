package io.kovn.ovn.net;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** An IPv4 network in CIDR notation, e.g. {@code 10.244.1.0/24}. Immutable. */
public record Ipv4Cidr(int network, int prefix) {
    /** Dotted quad only: no spaces, signs, hex, octal-looking leading zeros or fewer than four parts. */
    private static final Pattern DOTTED_QUAD = Pattern.compile("(0|[1-9]\\d{0,2})\\.(0|[1-9]\\d{0,2})\\."
            + "(0|[1-9]\\d{0,2})\\.(0|[1-9]\\d{0,2})");
    private static final Pattern PREFIX = Pattern.compile("0|[1-9]\\d?");

    public Ipv4Cidr {
        if (prefix < 0 || prefix > 32) {
            throw new IllegalArgumentException("prefix length " + prefix + " out of range 0..32");
        }
        network = network & mask(prefix);
    }

    public static Ipv4Cidr parse(String cidr) {
        int slash = cidr.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException(Quoted.of(cidr) + " is not an IPv4 CIDR (expected a.b.c.d/n)");
        }
        return new Ipv4Cidr(parseAddress(cidr.substring(0, slash)), parsePrefix(cidr, cidr.substring(slash + 1)));
    }

    /** The prefix length after the slash of {@code whole}: decimal 0..32. */
    static int parsePrefix(String whole, String prefix) {
        if (!PREFIX.matcher(prefix).matches() || Integer.parseInt(prefix) > 32) {
            throw new IllegalArgumentException(Quoted.of(whole) + " has a bad prefix length (expected 0..32)");
        }
        return Integer.parseInt(prefix);
    }

    /** Parses a dotted quad strictly (see {@link #DOTTED_QUAD}); anything else is refused. */
    public static int parseAddress(String ip) {
        Matcher m = DOTTED_QUAD.matcher(ip);
        if (!m.matches()) {
            throw new IllegalArgumentException(Quoted.of(ip) + " is not an IPv4 address");
        }
        int v = 0;
        for (int i = 1; i <= 4; i++) {
            int b = Integer.parseInt(m.group(i));
            if (b > 255) {
                throw new IllegalArgumentException(Quoted.of(ip) + " is not an IPv4 address");
            }
            v = (v << 8) | b;
        }
        return v;
    }

    public static String format(int ip) {
        return ((ip >>> 24) & 255) + "." + ((ip >>> 16) & 255) + "." + ((ip >>> 8) & 255) + "." + (ip & 255);
    }

    static int mask(int prefix) {
        return prefix == 0 ? 0 : -1 << (32 - prefix);
    }

    public long size() {
        return 1L << (32 - prefix);
    }

    /** The address at offset {@code n} from the network address (0 is the network address itself). */
    public int address(long n) {
        if (n < 0 || n >= size()) {
            throw new IllegalArgumentException("offset " + n + " outside " + this);
        }
        return network + (int) n;
    }

    public String addressString(long n) {
        return format(address(n));
    }

    public int broadcast() {
        return network | ~mask(prefix);
    }

    public boolean contains(int ip) {
        return (ip & mask(prefix)) == network;
    }

    public boolean contains(Ipv4Cidr other) {
        return other.prefix >= prefix && contains(other.network);
    }

    public boolean overlaps(Ipv4Cidr other) {
        return contains(other.network) || other.contains(network);
    }

    /** The gateway address kovn uses in a node subnet: the first host address. */
    public String gateway() {
        return addressString(1);
    }

    /** The management port address in a node subnet: the second host address. */
    public String managementAddress() {
        return addressString(2);
    }

    /** {@code ip/prefix} for an address of this network, e.g. {@code 10.244.1.5/24}. */
    public String withPrefix(int ip) {
        return format(ip) + "/" + prefix;
    }

    @Override
    public String toString() {
        return format(network) + "/" + prefix;
    }
}
