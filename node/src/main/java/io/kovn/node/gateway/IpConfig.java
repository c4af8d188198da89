package io.kovn.node.gateway;

import io.kovn.node.host.HostCommands;
import io.kovn.ovsdb.wire.OvsdbJson;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * A device's IPv4 configuration as {@code ip -j} reports it: MAC, MTU, addresses and the routes through it (every
 * table but {@code local}, without the prefix routes the kernel makes for the addresses), and the {@code ip -batch}
 * lines that put them on, or take them off, any device. IPv6 is left where it is.
 */
public record IpConfig(String device, String mac, int mtu, List<Address> addresses, List<Route> routes) {
    private static final long FOREVER = 4294967295L;

    public IpConfig {
        addresses = List.copyOf(addresses);
        routes = List.copyOf(routes);
    }

    /** One address; {@code labelSuffix} is what follows the device name in its label (e.g. ":1"), or empty. */
    public record Address(String cidr, String broadcast, String scope, String labelSuffix, boolean noPrefixRoute,
                          long validLifetime, long preferredLifetime) {
        String args(String dev) {
            StringBuilder b = new StringBuilder(cidr);
            if (broadcast != null) {
                b.append(" broadcast ").append(broadcast);
            }
            if (scope != null) {
                b.append(" scope ").append(scope);
            }
            if (!labelSuffix.isEmpty()) {
                b.append(" label ").append(dev).append(labelSuffix);
            }
            if (noPrefixRoute) {
                b.append(" noprefixroute");
            }
            if (validLifetime != FOREVER) {
                b.append(" valid_lft ").append(validLifetime).append(" preferred_lft ").append(preferredLifetime);
            }
            return b.append(" dev ").append(dev).toString();
        }
    }

    /** One route, as the {@code ip route} arguments that make it, without its device. */
    public record Route(String spec) {
        String args(String dev) {
            return spec + " dev " + dev;
        }

        public boolean isDefault() {
            return spec.startsWith("default ") && !spec.contains(" table ");
        }

        /** The gateway of a route with one ({@code via}), or null. */
        public String via() {
            String[] f = spec.split(" ");
            for (int i = 0; i + 1 < f.length; i++) {
                if (f[i].equals("via")) {
                    return f[i + 1];
                }
            }
            return null;
        }
    }

    /** Reads the device's configuration; fails if it does not exist or holds a route this class cannot move. */
    public static IpConfig read(HostCommands host, String dev) {
        JsonNode link = OvsdbJson.MAPPER.readTree(host.run("ip", "-j", "link", "show", "dev", dev)).path(0);
        JsonNode addr = OvsdbJson.MAPPER.readTree(host.run("ip", "-j", "-4", "addr", "show", "dev", dev)).path(0);
        List<Address> addresses = new ArrayList<>();
        for (JsonNode a : addr.path("addr_info")) {
            String label = a.path("label").asString(dev);
            addresses.add(new Address(a.path("local").asString() + "/" + a.path("prefixlen").asInt(),
                    text(a, "broadcast"), text(a, "scope"), label.startsWith(dev) ? label.substring(dev.length()) : "",
                    a.path("noprefixroute").asBoolean(false), a.path("valid_life_time").asLong(FOREVER),
                    a.path("preferred_life_time").asLong(FOREVER)));
        }
        List<Route> routes = new ArrayList<>();
        for (JsonNode r : OvsdbJson.MAPPER.readTree(host.run("ip", "-j", "-4", "route", "show", "table", "all"))) {
            for (JsonNode hop : r.path("nexthops")) {
                if (dev.equals(hop.path("dev").asString(""))) {
                    throw new IllegalStateException("a multipath route leaves through " + dev + " (" + r
                            + "): move it by hand");
                }
            }
            boolean kernelMade = "kernel".equals(r.path("protocol").asString("")) || "local".equals(r.path("table").asString(""));
            if (dev.equals(r.path("dev").asString("")) && !kernelMade) {
                routes.add(route(r));
            }
        }
        return new IpConfig(dev, link.path("address").asString(""), link.path("mtu").asInt(1500), addresses, routes);
    }

    private static Route route(JsonNode r) {
        StringBuilder b = new StringBuilder();
        String type = r.path("type").asString("unicast");
        if (!type.equals("unicast")) {
            b.append(type).append(' ');
        }
        b.append(r.path("dst").asString());
        append(b, "via", text(r, "gateway"));
        append(b, "table", text(r, "table"));
        append(b, "proto", text(r, "protocol"));
        append(b, "scope", text(r, "scope"));
        append(b, "metric", text(r, "metric"));
        append(b, "src", text(r, "prefsrc"));
        for (JsonNode f : r.path("flags")) {
            if (f.asString().equals("onlink")) {
                b.append(" onlink");
            }
        }
        for (JsonNode m : r.path("metrics")) {
            for (Map.Entry<String, JsonNode> e : m.properties()) {
                if (!e.getValue().isValueNode()) {
                    throw new IllegalStateException("route " + r + ": metric " + e.getKey() + " cannot be moved");
                }
                append(b, e.getKey(), e.getValue().asString());
            }
        }
        return new Route(b.toString());
    }

    private static void append(StringBuilder b, String key, String value) {
        if (value != null) {
            b.append(' ').append(key).append(' ').append(value);
        }
    }

    private static String text(JsonNode n, String field) {
        return n.hasNonNull(field) ? n.get(field).asString() : null;
    }

    /** The default route of the main table through this device, if any. */
    public Route defaultRoute() {
        return routes.stream().filter(Route::isDefault).findFirst().orElse(null);
    }

    /** Routes first (they need the addresses), then addresses in reverse (secondaries before their primary). */
    public String removeFrom(String dev) {
        StringBuilder b = new StringBuilder();
        routes.forEach(r -> b.append("route del ").append(r.args(dev)).append('\n'));
        for (int i = addresses.size() - 1; i >= 0; i--) {
            b.append("addr del ").append(addresses.get(i).cidr()).append(" dev ").append(dev).append('\n');
        }
        return b.toString();
    }

    public String addAddressesTo(String dev) {
        StringBuilder b = new StringBuilder();
        addresses.forEach(a -> b.append("addr replace ").append(a.args(dev)).append('\n'));
        return b.toString();
    }

    public String addRoutesTo(String dev) {
        StringBuilder b = new StringBuilder();
        routes.forEach(r -> b.append("route replace ").append(r.args(dev)).append('\n'));
        return b.toString();
    }

    public boolean isEmpty() {
        return addresses.isEmpty() && routes.isEmpty();
    }
}
