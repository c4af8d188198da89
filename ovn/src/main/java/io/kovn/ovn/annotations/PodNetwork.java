package io.kovn.ovn.annotations;

import io.kovn.ovsdb.wire.OvsdbJson;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A pod's network on the default network, published by the controller as the pod annotation
 * {@value #ANNOTATION} in the ovn-kubernetes format, e.g.
 * {@code {"default":{"ip_addresses":["10.244.1.5/24"],"mac_address":"0a:58:0a:f4:01:05",
 * "gateway_ips":["10.244.1.1"],"ip_address":"10.244.1.5/24","gateway_ip":"10.244.1.1"}}}.
 */
public record PodNetwork(List<String> ipAddresses, String macAddress, List<String> gatewayIps) {
    public static final String ANNOTATION = "k8s.ovn.org/pod-networks";

    public PodNetwork {
        ipAddresses = List.copyOf(ipAddresses);
        gatewayIps = List.copyOf(gatewayIps);
    }

    /** The first address with its prefix, e.g. {@code 10.244.1.5/24}. */
    public String ipAddress() {
        return ipAddresses.get(0);
    }

    /** The first address without its prefix. */
    public String ip() {
        String a = ipAddress();
        return a.substring(0, a.indexOf('/'));
    }

    public int prefixLength() {
        String a = ipAddress();
        return Integer.parseInt(a.substring(a.indexOf('/') + 1));
    }

    public String gatewayIp() {
        return gatewayIps.isEmpty() ? null : gatewayIps.get(0);
    }

    public String toJson() {
        ObjectNode d = OvsdbJson.NODES.objectNode();
        ipAddresses.forEach(d.putArray("ip_addresses")::add);
        d.put("mac_address", macAddress);
        gatewayIps.forEach(d.putArray("gateway_ips")::add);
        d.put("ip_address", ipAddress());
        if (gatewayIp() != null) {
            d.put("gateway_ip", gatewayIp());
        }
        ObjectNode root = OvsdbJson.NODES.objectNode();
        root.set("default", d);
        return root.toString();
    }

    /** Parses the annotation value; throws IllegalArgumentException naming what is wrong. */
    public static PodNetwork parse(String json) {
        JsonNode d;
        try {
            d = OvsdbJson.MAPPER.readTree(json).path("default");
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(ANNOTATION + " is not JSON: " + e.getMessage());
        }
        if (!d.isObject()) {
            throw new IllegalArgumentException(ANNOTATION + " has no \"default\" network: " + json);
        }
        List<String> ips = strings(d.path("ip_addresses"));
        if (ips.isEmpty() && d.hasNonNull("ip_address")) {
            ips = List.of(d.get("ip_address").asString());
        }
        List<String> gws = strings(d.path("gateway_ips"));
        if (gws.isEmpty() && d.hasNonNull("gateway_ip")) {
            gws = List.of(d.get("gateway_ip").asString());
        }
        String mac = d.path("mac_address").asString("");
        if (ips.isEmpty() || mac.isEmpty() || !ips.get(0).contains("/")) {
            throw new IllegalArgumentException(ANNOTATION + " lacks ip_addresses (a.b.c.d/n) or mac_address: " + json);
        }
        return new PodNetwork(ips, mac, gws);
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asString()));
        return out;
    }
}
