package io.kovn.tools.trace;

import io.kovn.ovn.net.Ipv4Cidr;
import java.util.regex.Pattern;

/**
 * One end of a trace as the user names it: {@code ns/pod}, {@code svc/ns/name}, a node's name, or an IPv4
 * address. Parsed into typed values here; nothing of the text reaches ovn-trace but through them.
 */
public record TraceTarget(Kind kind, String namespace, String name, int ip) {
    private static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");
    private static final Pattern DOTTED = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    public enum Kind { POD, SERVICE, NODE, IP }

    public static TraceTarget parse(String text) {
        String[] parts = text.split("/", -1);
        if (parts.length == 3 && parts[0].equals("svc")) {
            return new TraceTarget(Kind.SERVICE, name(parts[1], text), name(parts[2], text), 0);
        }
        if (parts.length == 2) {
            return new TraceTarget(Kind.POD, name(parts[0], text), name(parts[1], text), 0);
        }
        if (parts.length == 1 && DOTTED.matcher(text).matches()) {
            return new TraceTarget(Kind.IP, "", "", Ipv4Cidr.parseAddress(text));
        }
        if (parts.length == 1) {
            return new TraceTarget(Kind.NODE, "", name(text, text), 0);
        }
        throw new IllegalArgumentException(text + ": expected NAMESPACE/POD, svc/NAMESPACE/NAME, a node name or an IPv4 address");
    }

    private static String name(String s, String whole) {
        if (!NAME.matcher(s).matches()) {
            throw new IllegalArgumentException(whole + ": '" + s + "' is not a Kubernetes name");
        }
        return s;
    }

    @Override
    public String toString() {
        return switch (kind) {
            case POD -> namespace + "/" + name;
            case SERVICE -> "svc/" + namespace + "/" + name;
            case NODE -> name;
            case IP -> Ipv4Cidr.format(ip);
        };
    }
}
