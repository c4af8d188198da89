package io.kovn.ovn.net;

import java.util.regex.Pattern;

/**
 * A 48-bit Ethernet address. kovn derives a pod's from its IPv4 address as ovn-kubernetes does ({@code 0a:58:} +
 * the four bytes); {@link #parse} takes only six colon-separated pairs of hex digits.
 */
public record MacAddress(long value) {
    private static final char[] HEX = "0123456789abcdef".toCharArray();
    private static final Pattern COLON_HEX = Pattern.compile("[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}");

    public MacAddress {
        if (value < 0 || value > 0xffff_ffff_ffffL) {
            throw new IllegalArgumentException("a MAC address has 48 bits, not " + Long.toHexString(value));
        }
    }

    public static MacAddress parse(String mac) {
        if (!COLON_HEX.matcher(mac).matches()) {
            throw new IllegalArgumentException(Quoted.of(mac) + " is not a MAC address (expected xx:xx:xx:xx:xx:xx)");
        }
        return new MacAddress(Long.parseLong(mac.replace(":", ""), 16));
    }

    public static MacAddress ofIpv4(int ip) {
        return new MacAddress(0x0a58_0000_0000L | (ip & 0xffff_ffffL));
    }

    /** The text form of {@link #ofIpv4}. */
    public static String fromIpv4(int ip) {
        return ofIpv4(ip).toString();
    }

    public static String fromIpv4(String ip) {
        return fromIpv4(Ipv4Cidr.parseAddress(ip));
    }

    /** Lower-case colon form, e.g. {@code 0a:58:0a:f4:01:05}. */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder(17);
        for (int shift = 40; shift >= 0; shift -= 8) {
            if (shift < 40) {
                b.append(':');
            }
            int octet = (int) (value >>> shift) & 255;
            b.append(HEX[octet >>> 4]).append(HEX[octet & 15]);
        }
        return b.toString();
    }
}
