package io.kovn.ovn.annotations;

import io.kovn.ovn.net.Quoted;
import io.kovn.ovsdb.wire.OvsdbJson;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A gateway node's external side, published by its node agent (or {@code kovn gateway-init}) as the node
 * annotation {@value #ANNOTATION} in the ovn-kubernetes format, e.g. {@code {"default":{"mode":"shared",
 * "interface-id":"breth0_node1","mac-address":"0a:58:ac:12:00:02","ip-addresses":["172.18.0.2/24"],
 * "next-hops":["172.18.0.1"],"node-port-enable":"true"}}}, with the node's chassis in {@value #CHASSIS_ANNOTATION}.
 * {@code rampout-ip-subnets} (kovn's addition, as the original gateway-init's flag) pins those pod subnets'
 * egress to this gateway.
 */
public record GatewayConfig(String mode, String interfaceId, String macAddress, List<String> ipAddresses,
                            List<String> nextHops, boolean nodePortEnable, List<String> rampoutIpSubnets) {
    public static final String ANNOTATION = "k8s.ovn.org/l3-gateway-config";
    public static final String CHASSIS_ANNOTATION = "k8s.ovn.org/node-chassis-id";
    /** The gateway router's address on the join switch, kept across restarts. */
    public static final String JOIN_ADDRESS_ANNOTATION = "k8s.ovn.org/node-gateway-router-lrp-ifaddr";
    /** The physical network name of the localnet port, mapped to the bridge by ovn-bridge-mappings. */
    public static final String PHYSNET = "physnet";

    /**
     * A chassis name (ovn-controller's system-id: a UUID or a host name) as kovn accepts it from
     * {@value #CHASSIS_ANNOTATION}: it names the gateway router's chassis and the node's template variables.
     */
    private static final Pattern CHASSIS_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,252}");

    public GatewayConfig {
        ipAddresses = List.copyOf(ipAddresses);
        nextHops = List.copyOf(nextHops);
        rampoutIpSubnets = List.copyOf(rampoutIpSubnets);
    }

    /** The node's external address with its prefix, e.g. {@code 172.18.0.2/24}. */
    public String ipAddress() {
        return ipAddresses.get(0);
    }

    /** The node's external address without prefix. */
    public String ip() {
        return ipAddress().substring(0, ipAddress().indexOf('/'));
    }

    public String nextHop() {
        return nextHops.get(0);
    }

    public String toJson() {
        ObjectNode d = OvsdbJson.NODES.objectNode();
        d.put("mode", mode).put("interface-id", interfaceId).put("mac-address", macAddress);
        ipAddresses.forEach(d.putArray("ip-addresses")::add);
        d.put("ip-address", ipAddress());
        nextHops.forEach(d.putArray("next-hops")::add);
        d.put("next-hop", nextHop());
        d.put("node-port-enable", String.valueOf(nodePortEnable));
        if (!rampoutIpSubnets.isEmpty()) {
            rampoutIpSubnets.forEach(d.putArray("rampout-ip-subnets")::add);
        }
        ObjectNode root = OvsdbJson.NODES.objectNode();
        root.set("default", d);
        return root.toString();
    }

    public static GatewayConfig parse(String json) {
        JsonNode d;
        try {
            d = OvsdbJson.MAPPER.readTree(json).path("default");
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(ANNOTATION + " is not JSON: " + e.getMessage());
        }
        List<String> ips = strings(d.path("ip-addresses"));
        if (ips.isEmpty() && d.hasNonNull("ip-address")) {
            ips = List.of(d.get("ip-address").asString());
        }
        List<String> hops = strings(d.path("next-hops"));
        if (hops.isEmpty() && d.hasNonNull("next-hop")) {
            hops = List.of(d.get("next-hop").asString());
        }
        String mac = d.path("mac-address").asString("");
        String iface = d.path("interface-id").asString("");
        if (ips.isEmpty() || !ips.get(0).contains("/") || hops.isEmpty() || mac.isEmpty() || iface.isEmpty()) {
            throw new IllegalArgumentException(ANNOTATION + " needs interface-id, mac-address, ip-addresses (a.b.c.d/n) "
                    + "and next-hops: " + json);
        }
        return new GatewayConfig(d.path("mode").asString("shared"), iface, mac, ips, hops,
                !"false".equals(d.path("node-port-enable").asString("true")), strings(d.path("rampout-ip-subnets")));
    }

    /** {@code value} if it is a chassis name kovn accepts; otherwise IllegalArgumentException. */
    public static String chassisId(String value) {
        if (value == null || !CHASSIS_ID.matcher(value).matches()) {
            throw new IllegalArgumentException(CHASSIS_ANNOTATION + " is not a chassis name: " + Quoted.of(String.valueOf(value)));
        }
        return value;
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asString()));
        return out;
    }
}
