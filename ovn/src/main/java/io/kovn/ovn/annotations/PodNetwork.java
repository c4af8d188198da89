package io.kovn.ovn.annotations;

import io.kovn.ovn.net.Ipv4Address;
import io.kovn.ovn.net.Ipv4Cidr;
import io.kovn.ovn.net.Ipv4InterfaceAddress;
import io.kovn.ovn.net.MacAddress;
import io.kovn.ovn.net.Quoted;
import io.kovn.ovsdb.wire.OvsdbJson;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import tools.jackson.databind.JsonNode;

/**
 * A pod's network on the default network, published by the controller as the pod annotation
 * {@value #ANNOTATION} in the ovn-kubernetes format, e.g.
 * {@code {"default":{"ip_addresses":["10.244.1.5/24"],"mac_address":"0a:58:0a:f4:01:05",
 * "gateway_ips":["10.244.1.1"],"ip_address":"10.244.1.5/24","gateway_ip":"10.244.1.1"}}}.
 * Whoever may create a pod may write this annotation, so {@link #parse} takes typed values only and refuses
 * anything else: unknown keys, non-IPv4 addresses, bad prefixes, MACs not of the form xx:xx:xx:xx:xx:xx, more
 * than {@value #MAX_ADDRESSES} addresses, texts over {@value #MAX_CHARS} characters.
 */
public record PodNetwork(List<Ipv4InterfaceAddress> ipAddresses, MacAddress macAddress, List<Ipv4Address> gatewayIps) {
    public static final String ANNOTATION = "k8s.ovn.org/pod-networks";
    /** At most this many addresses and as many gateways. */
    public static final int MAX_ADDRESSES = 4;
    /** The longest annotation value parsed; kovn's own is about 200 characters. */
    public static final int MAX_CHARS = 4096;
    private static final String DEFAULT = "default";
    private static final Set<String> KEYS = Set.of("ip_addresses", "mac_address", "gateway_ips", "ip_address",
            "gateway_ip");

    public PodNetwork {
        ipAddresses = List.copyOf(ipAddresses);
        gatewayIps = List.copyOf(gatewayIps);
        if (ipAddresses.isEmpty() || ipAddresses.size() > MAX_ADDRESSES || gatewayIps.size() > MAX_ADDRESSES) {
            throw new IllegalArgumentException(ANNOTATION + " needs 1.." + MAX_ADDRESSES + " ip_addresses and at most "
                    + MAX_ADDRESSES + " gateway_ips, not " + ipAddresses.size() + " and " + gatewayIps.size());
        }
        if (macAddress == null) {
            throw new IllegalArgumentException(ANNOTATION + " needs a mac_address");
        }
    }

    /** kovn's network of a pod with address {@code ip} of the node subnet: MAC derived from it, the subnet's gateway. */
    public static PodNetwork of(Ipv4Cidr subnet, int ip) {
        return new PodNetwork(List.of(Ipv4InterfaceAddress.in(subnet, ip)), MacAddress.ofIpv4(ip),
                List.of(new Ipv4Address(subnet.address(1))));
    }

    /** The first address with its prefix, e.g. {@code 10.244.1.5/24}. */
    public Ipv4InterfaceAddress ipAddress() {
        return ipAddresses.get(0);
    }

    /** The first address without its prefix, e.g. {@code 10.244.1.5}. */
    public String ip() {
        return ipAddress().address().toString();
    }

    public int prefixLength() {
        return ipAddress().prefix();
    }

    /** The first gateway, or null. */
    public Ipv4Address gatewayIp() {
        return gatewayIps.isEmpty() ? null : gatewayIps.get(0);
    }

    /**
     * The annotation's JSON. Written by hand, not through a JSON tree: every value is a typed address formatted here
     * (digits, dots, colons, a slash), nothing from the API, and the controller writes one per pod and compares the
     * echo of each with it.
     */
    public String toJson() {
        StringBuilder b = new StringBuilder(192).append("{\"default\":{\"ip_addresses\":");
        array(b, ipAddresses);
        b.append(",\"mac_address\":\"").append(macAddress).append("\",\"gateway_ips\":");
        array(b, gatewayIps);
        b.append(",\"ip_address\":\"").append(ipAddress()).append('"');
        if (gatewayIp() != null) {
            b.append(",\"gateway_ip\":\"").append(gatewayIp()).append('"');
        }
        return b.append("}}").toString();
    }

    private static void array(StringBuilder b, List<?> values) {
        b.append('[');
        for (int i = 0; i < values.size(); i++) {
            b.append(i == 0 ? "\"" : ",\"").append(values.get(i)).append('"');
        }
        b.append(']');
    }

    /** A short description for messages, e.g. {@code 10.244.1.5/24 0a:58:0a:f4:01:05 via 10.244.1.1}. */
    public String describe() {
        return String.join(",", ipAddresses.stream().map(Object::toString).toList()) + " " + macAddress
                + (gatewayIps.isEmpty() ? "" : " via " + String.join(",", gatewayIps.stream().map(Object::toString).toList()));
    }

    /** Parses the annotation value; throws IllegalArgumentException naming what is wrong (values quoted). */
    public static PodNetwork parse(String json) {
        if (json == null) {
            throw new IllegalArgumentException(ANNOTATION + " is missing");
        }
        if (json.length() > MAX_CHARS) {
            throw new IllegalArgumentException(ANNOTATION + " has " + json.length() + " characters, more than "
                    + MAX_CHARS);
        }
        JsonNode root;
        try {
            root = OvsdbJson.MAPPER.readTree(json);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(ANNOTATION + " is not JSON: " + Quoted.of(json));
        }
        if (root == null || !root.isObject() || !root.path(DEFAULT).isObject()) {
            throw new IllegalArgumentException(ANNOTATION + " has no \"default\" network: " + Quoted.of(json));
        }
        for (String key : root.propertyNames()) {
            if (!key.equals(DEFAULT)) {
                throw new IllegalArgumentException(ANNOTATION + " has an unknown network " + Quoted.of(key));
            }
        }
        JsonNode d = root.get(DEFAULT);
        for (String key : d.propertyNames()) {
            if (!KEYS.contains(key)) {
                throw new IllegalArgumentException(ANNOTATION + " has an unknown key " + Quoted.of(key));
            }
        }
        List<Ipv4InterfaceAddress> ips = withSingle(list(d, "ip_addresses", Ipv4InterfaceAddress::parse),
                single(d, "ip_address", Ipv4InterfaceAddress::parse), "ip_address", "ip_addresses");
        List<Ipv4Address> gws = withSingle(list(d, "gateway_ips", Ipv4Address::parse),
                single(d, "gateway_ip", Ipv4Address::parse), "gateway_ip", "gateway_ips");
        MacAddress mac = single(d, "mac_address", MacAddress::parse);
        if (ips.isEmpty() || mac == null) {
            throw new IllegalArgumentException(ANNOTATION + " lacks ip_addresses (a.b.c.d/n) or mac_address");
        }
        return new PodNetwork(ips, mac, gws);
    }

    /** The list, or the single legacy value alone; both given, the single one must be the list's first. */
    private static <T> List<T> withSingle(List<T> list, T single, String singleKey, String listKey) {
        if (single == null) {
            return list;
        }
        if (list.isEmpty()) {
            return List.of(single);
        }
        if (!list.get(0).equals(single)) {
            throw new IllegalArgumentException(ANNOTATION + ": " + singleKey + " " + single + " is not the first of "
                    + listKey + " " + list);
        }
        return list;
    }

    private static <T> T single(JsonNode d, String key, Function<String, T> parse) {
        JsonNode n = d.get(key);
        if (n == null || n.isNull()) {
            return null;
        }
        return element(n, key, parse);
    }

    private static <T> List<T> list(JsonNode d, String key, Function<String, T> parse) {
        JsonNode n = d.get(key);
        if (n == null || n.isNull()) {
            return List.of();
        }
        if (!n.isArray() || n.size() > MAX_ADDRESSES) {
            throw new IllegalArgumentException(ANNOTATION + ": " + key + " is not an array of at most "
                    + MAX_ADDRESSES + " strings");
        }
        List<T> out = new ArrayList<>();
        n.forEach(e -> out.add(element(e, key, parse)));
        return out;
    }

    private static <T> T element(JsonNode n, String key, Function<String, T> parse) {
        if (!n.isString()) {
            throw new IllegalArgumentException(ANNOTATION + ": " + key + " holds " + n.getNodeType() + ", not a string");
        }
        try {
            return parse.apply(n.asString());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(ANNOTATION + ": " + key + ": " + e.getMessage());
        }
    }
}
