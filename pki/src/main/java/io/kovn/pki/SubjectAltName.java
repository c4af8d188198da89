package io.kovn.pki;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.x509.GeneralName;

/**
 * One subject alternative name: a DNS name or an IP address, parsed strictly so that a typo becomes an error
 * rather than a certificate no client will match. Written {@code DNS:ovn-central}, {@code IP:10.0.0.2}, or bare
 * (an IPv4/IPv6 literal is an IP, anything else must be a DNS name).
 */
public record SubjectAltName(Kind kind, String value) {

    public enum Kind { DNS, IP }

    private static final Pattern LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
    private static final Pattern IPV4 = Pattern.compile(
            "(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])){3}");
    private static final Pattern IPV6_CHARS = Pattern.compile("[0-9a-f:.]{2,45}");

    public static SubjectAltName parse(String text) {
        int colon = text.indexOf(':');
        String prefix = colon < 0 ? "" : text.substring(0, colon).toUpperCase(Locale.ROOT);
        if (prefix.equals("DNS")) {
            return dns(text.substring(colon + 1));
        }
        if (prefix.equals("IP")) {
            return ip(text.substring(colon + 1));
        }
        return IPV4.matcher(text).matches() || text.contains(":") ? ip(text) : dns(text);
    }

    static SubjectAltName dns(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        if (n.isEmpty() || n.length() > 253) {
            throw new IllegalArgumentException("SAN '" + name + "': a DNS name has 1 to 253 characters");
        }
        for (String label : n.split("\\.", -1)) {
            if (!LABEL.matcher(label).matches()) {
                throw new IllegalArgumentException("SAN '" + name + "' is not a DNS name: label '" + label
                        + "' must be 1-63 letters, digits or inner hyphens (no wildcards)");
            }
        }
        if (n.substring(n.lastIndexOf('.') + 1).chars().allMatch(Character::isDigit)) {
            throw new IllegalArgumentException("SAN '" + name + "' is neither an IPv4 address nor a DNS name "
                    + "(a DNS name does not end in a numeric label)");
        }
        return new SubjectAltName(Kind.DNS, n);
    }

    static SubjectAltName ip(String address) {
        String a = address.toLowerCase(Locale.ROOT);
        if (IPV4.matcher(a).matches()) {
            return new SubjectAltName(Kind.IP, a);
        }
        if (a.contains(":") && IPV6_CHARS.matcher(a).matches()) {
            try {
                // a literal containing ':' is parsed, never looked up
                return new SubjectAltName(Kind.IP, InetAddress.getByName(a).getHostAddress());
            } catch (UnknownHostException e) {
                // falls through to the error below
            }
        }
        throw new IllegalArgumentException("SAN '" + address + "' is not an IPv4 (a.b.c.d) or IPv6 address");
    }

    GeneralName toGeneralName() {
        return new GeneralName(kind == Kind.DNS ? GeneralName.dNSName : GeneralName.iPAddress, value);
    }

    @Override
    public String toString() {
        return kind + ":" + value;
    }
}
