package io.kovn.ovsdb.client;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One OVSDB server address in OVS syntax: {@code unix:PATH}, {@code tcp:IP:PORT} or {@code ssl:IP:PORT}
 * (IPv6 as {@code tcp:[::1]:6641}).
 */
public record Remote(Kind kind, Path path, String host, int port) {

    public enum Kind { UNIX, TCP, SSL }

    /** Parses a comma-separated list of remotes, tried in turn when connecting. */
    public static List<Remote> parseList(String remotes) {
        List<Remote> out = new ArrayList<>();
        for (String r : remotes.split(",")) {
            if (!r.isBlank()) {
                out.add(parse(r.trim()));
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("no OVSDB remote given");
        }
        return out;
    }

    public static Remote parse(String remote) {
        int colon = remote.indexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("invalid OVSDB remote '" + remote + "': expected unix:PATH, tcp:IP:PORT or ssl:IP:PORT");
        }
        String scheme = remote.substring(0, colon);
        String rest = remote.substring(colon + 1);
        switch (scheme) {
            case "unix":
                if (rest.isEmpty()) {
                    throw new IllegalArgumentException("invalid OVSDB remote '" + remote + "': empty socket path");
                }
                return new Remote(Kind.UNIX, Path.of(rest), null, 0);
            case "tcp":
            case "ssl": {
                int sep = rest.lastIndexOf(':');
                if (sep <= 0 || sep == rest.length() - 1) {
                    throw new IllegalArgumentException("invalid OVSDB remote '" + remote + "': expected " + scheme + ":IP:PORT");
                }
                String host = rest.substring(0, sep);
                if (host.startsWith("[") && host.endsWith("]")) {
                    host = host.substring(1, host.length() - 1);
                }
                int port;
                try {
                    port = Integer.parseInt(rest.substring(sep + 1));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("invalid OVSDB remote '" + remote + "': bad port", e);
                }
                if (port <= 0 || port > 65535) {
                    throw new IllegalArgumentException("invalid OVSDB remote '" + remote + "': port out of range");
                }
                return new Remote(scheme.equals("tcp") ? Kind.TCP : Kind.SSL, null, host, port);
            }
            default:
                throw new IllegalArgumentException("invalid OVSDB remote '" + remote + "': unknown scheme '" + scheme
                        + "' (expected unix, tcp or ssl)");
        }
    }

    public InetSocketAddress socketAddress() {
        return new InetSocketAddress(host, port);
    }

    @Override
    public String toString() {
        return switch (kind) {
            case UNIX -> "unix:" + path;
            case TCP -> "tcp:" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
            case SSL -> "ssl:" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
        };
    }
}
