package io.kovn.tools.trace;

import java.util.Locale;
import java.util.OptionalInt;

/**
 * {@code kovn trace SRC DST[:PORT[/PROTO]]}: the source, the destination, and the destination port and protocol
 * (none given: ICMP echo, or a Service's first port).
 */
public record TraceRequest(TraceTarget source, TraceTarget destination, OptionalInt port, Protocol protocol) {

    public enum Protocol { TCP, UDP, ICMP }

    public static TraceRequest parse(String src, String dst) {
        TraceTarget from = TraceTarget.parse(src);
        if (from.kind() == TraceTarget.Kind.SERVICE) {
            throw new IllegalArgumentException(src + ": a Service is a destination, not a source");
        }
        int colon = dst.lastIndexOf(':');
        if (colon < 0) {
            return new TraceRequest(from, TraceTarget.parse(dst), OptionalInt.empty(), Protocol.ICMP);
        }
        String portText = dst.substring(colon + 1);
        Protocol proto = Protocol.TCP;
        int slash = portText.indexOf('/');
        if (slash >= 0) {
            String p = portText.substring(slash + 1).toUpperCase(Locale.ROOT);
            if (!p.equals("TCP") && !p.equals("UDP")) {
                throw new IllegalArgumentException(dst + ": protocol is tcp or udp");
            }
            proto = Protocol.valueOf(p);
            portText = portText.substring(0, slash);
        }
        if (!portText.matches("\\d{1,5}") || Integer.parseInt(portText) < 1 || Integer.parseInt(portText) > 65535) {
            throw new IllegalArgumentException(dst + ": port is 1-65535");
        }
        return new TraceRequest(from, TraceTarget.parse(dst.substring(0, colon)), OptionalInt.of(Integer.parseInt(portText)),
                proto);
    }
}
