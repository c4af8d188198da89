package io.kovn.ovn.annotations;

import io.kovn.ovn.net.Ipv4Cidr;
import io.kovn.ovsdb.wire.OvsdbJson;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A node's pod subnets, published by the controller as the node annotation {@value #ANNOTATION}, e.g.
 * {@code {"default":["10.244.1.0/24"]}} (the older single-string form {@code {"default":"10.244.1.0/24"}}
 * is read too).
 */
public record NodeSubnets(List<Ipv4Cidr> subnets) {
    public static final String ANNOTATION = "k8s.ovn.org/node-subnets";

    public NodeSubnets {
        subnets = List.copyOf(subnets);
    }

    public Ipv4Cidr first() {
        return subnets.get(0);
    }

    public String toJson() {
        ObjectNode root = OvsdbJson.NODES.objectNode();
        subnets.forEach(s -> root.withArray("default").add(s.toString()));
        return root.toString();
    }

    public static NodeSubnets parse(String json) {
        JsonNode d;
        try {
            d = OvsdbJson.MAPPER.readTree(json).path("default");
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(ANNOTATION + " is not JSON: " + e.getMessage());
        }
        List<Ipv4Cidr> out = new ArrayList<>();
        if (d.isString()) {
            out.add(Ipv4Cidr.parse(d.asString()));
        } else {
            d.forEach(n -> out.add(Ipv4Cidr.parse(n.asString())));
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(ANNOTATION + " has no default subnet: " + json);
        }
        return new NodeSubnets(out);
    }
}
