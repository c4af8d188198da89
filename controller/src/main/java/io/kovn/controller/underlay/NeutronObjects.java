package io.kovn.controller.underlay;

import io.kovn.ovn.net.Ipv4Address;
import io.kovn.ovn.net.Ipv4Cidr;
import io.kovn.ovn.net.MacAddress;
import io.kovn.ovn.net.Quoted;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * Neutron's objects as the Neutron back end uses them, each parsed strictly from Neutron's JSON: ids are UUIDs,
 * addresses and MACs parse, fields have their types, and one object that does not parse refuses the whole answer
 * (an {@link IllegalArgumentException} naming the field). Only what kovn reads is kept. IPv6 subnets and addresses are
 * the cloud's business and are skipped, not refused.
 */
final class NeutronObjects {
    static final Pattern UUID = Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    /** Neutron's limit on names and descriptions. */
    static final int MAX_TEXT = 255;

    private NeutronObjects() {
    }

    record Network(String id, String name, String description) {
        static Network parse(JsonNode n) {
            return new Network(uuidField(n, "id"), text(n, "name"), text(n, "description"));
        }
    }

    record Subnet(String id, String networkId, Ipv4Cidr cidr, Optional<Ipv4Address> gateway, String name,
                  String description) {
        /** Empty for an IPv6 subnet. */
        static Optional<Subnet> parse(JsonNode n) {
            JsonNode version = n.get("ip_version");
            if (version == null || !version.isInt() || version.asInt() != 4 && version.asInt() != 6) {
                throw new IllegalArgumentException("subnet " + Quoted.of(n.path("id").toString())
                        + ": ip_version is not 4 or 6");
            }
            if (version.asInt() == 6) {
                return Optional.empty();
            }
            String gw = optionalText(n, "gateway_ip");
            try {
                return Optional.of(new Subnet(uuidField(n, "id"), uuidField(n, "network_id"), Ipv4Cidr.parse(text(n, "cidr")),
                        gw.isEmpty() ? Optional.empty() : Optional.of(Ipv4Address.parse(gw)), text(n, "name"),
                        text(n, "description")));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("subnet " + Quoted.of(n.path("id").toString()) + ": " + e.getMessage());
            }
        }
    }

    /** An IPv4 address of a port on a subnet. */
    record FixedIp(String subnetId, Ipv4Address ip) {
    }

    /**
     * A port; {@code parent} and {@code tag} are its {@code binding:profile}'s {@code parent_name} and {@code tag}
     * when it is a child port; {@code createdAt} orders duplicates (the oldest is the one a VM may have cached).
     */
    record Port(String id, String name, String description, String networkId, MacAddress mac, List<FixedIp> fixedIps,
                Optional<String> parent, Optional<Integer> tag, Set<String> securityGroups, String deviceOwner,
                String deviceId, String createdAt) {
        static Port parse(JsonNode n) {
            String id = uuidField(n, "id");
            try {
                List<FixedIp> ips = new ArrayList<>();
                for (JsonNode f : array(n, "fixed_ips")) {
                    String ip = text(f, "ip_address");
                    if (!ip.contains(":")) {
                        ips.add(new FixedIp(uuidField(f, "subnet_id"), Ipv4Address.parse(ip)));
                    }
                }
                Optional<String> parent = Optional.empty();
                Optional<Integer> tag = Optional.empty();
                JsonNode profile = n.get("binding:profile");
                if (profile != null && !profile.isNull()) {
                    if (!profile.isObject()) {
                        throw new IllegalArgumentException("binding:profile is not an object");
                    }
                    String p = optionalText(profile, "parent_name");
                    parent = p.isEmpty() ? Optional.empty() : Optional.of(p);
                    JsonNode t = profile.get("tag");
                    if (t != null && !t.isNull()) {
                        if (!t.isInt() || t.asInt() < 0 || t.asInt() > 4095) {
                            throw new IllegalArgumentException("binding:profile tag " + Quoted.of(t.toString())
                                    + " is not a VLAN id");
                        }
                        tag = Optional.of(t.asInt());
                    }
                }
                Set<String> groups = new LinkedHashSet<>();
                JsonNode sg = n.get("security_groups");
                if (sg != null && !sg.isNull()) {
                    for (JsonNode g : array(n, "security_groups")) {
                        groups.add(uuid(g, "security_groups"));
                    }
                }
                return new Port(id, text(n, "name"), text(n, "description"), uuidField(n, "network_id"),
                        MacAddress.parse(text(n, "mac_address")), List.copyOf(ips), parent, tag, Set.copyOf(groups),
                        optionalText(n, "device_owner"), optionalText(n, "device_id"), createdAtField(n));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("port " + id + ": " + e.getMessage());
            }
        }
    }

    record Router(String id, String name, String description) {
        static Router parse(JsonNode n) {
            return new Router(uuidField(n, "id"), text(n, "name"), text(n, "description"));
        }
    }

    record SecurityGroup(String id, String name, String description) {
        static SecurityGroup parse(JsonNode n) {
            return new SecurityGroup(uuidField(n, "id"), text(n, "name"), text(n, "description"));
        }
    }

    /** The objects of a list answer ({@code {"<key>": [...]}}), each parsed, at most {@code max}. */
    static <T> List<T> list(JsonNode answer, String key, int max, Function<JsonNode, T> parse) {
        List<T> out = new ArrayList<>();
        JsonNode items = answer.get(key);
        if (items == null || !items.isArray()) {
            throw new IllegalArgumentException("Neutron's answer has no list " + Quoted.of(key));
        }
        if (items.size() > max) {
            throw new IllegalArgumentException("Neutron's answer lists more than " + max + " " + key);
        }
        for (JsonNode item : items) {
            if (!item.isObject()) {
                throw new IllegalArgumentException("an element of " + key + " is not an object");
            }
            out.add(parse.apply(item));
        }
        return out;
    }

    /** The object of a single-object answer ({@code {"<key>": {...}}}). */
    static JsonNode one(JsonNode answer, String key) {
        JsonNode o = answer.get(key);
        if (o == null || !o.isObject()) {
            throw new IllegalArgumentException("Neutron's answer has no object " + Quoted.of(key));
        }
        return o;
    }

    private static Iterable<JsonNode> array(JsonNode n, String field) {
        JsonNode a = n.get(field);
        if (a == null || !a.isArray()) {
            throw new IllegalArgumentException(field + " is not a list");
        }
        return a;
    }

    private static String uuidField(JsonNode n, String field) {
        return uuid(n.get(field), field);
    }

    private static String uuid(JsonNode v, String field) {
        if (v == null || !v.isString() || !UUID.matcher(v.asString()).matches()) {
            throw new IllegalArgumentException(field + " " + Quoted.of(v == null ? null : v.toString()) + " is not a UUID");
        }
        return v.asString();
    }

    /** A string field that must be present (null counts as empty for name and description, as Neutron writes them). */
    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.isString() && !v.isNull()) {
            throw new IllegalArgumentException(field + " is missing or not a string");
        }
        String s = v.isNull() ? "" : v.asString();
        if (s.length() > MAX_TEXT) {
            throw new IllegalArgumentException(field + " is longer than " + MAX_TEXT + " characters");
        }
        return s;
    }

    /** Neutron's {@code created_at} (ISO 8601 UTC, which sorts as text), or empty. */
    private static String createdAtField(JsonNode n) {
        String t = optionalText(n, "created_at");
        if (!t.isEmpty() && !t.matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?Z?")) {
            throw new IllegalArgumentException("created_at " + Quoted.of(t) + " is not an ISO 8601 time");
        }
        return t;
    }

    private static String optionalText(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? "" : text(n, field);
    }
}
