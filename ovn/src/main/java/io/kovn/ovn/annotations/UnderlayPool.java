package io.kovn.ovn.annotations;

import io.kovn.ovn.net.Ipv4Address;
import io.kovn.ovn.net.Ipv4InterfaceAddress;
import io.kovn.ovn.net.MacAddress;
import io.kovn.ovn.net.Quoted;
import io.kovn.ovsdb.wire.OvsdbJson;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Underlay mode (docs/underlay.md): the pool of child ports the control plane made for a worker VM, published on
 * the VM's Node as annotation {@value #ANNOTATION}, a JSON array of
 * {@code {"port":"<id>","ip":"a.b.c.d/n","gw":"a.b.c.d","mac":"xx:..","tag":101}}. The VM's node agent copies it
 * into its local pool cache. Whoever can write a Node can write this, so {@link #parse} takes exactly these fields,
 * typed and bounded, and refuses the whole annotation when any entry is wrong or two share an id, tag or address.
 *
 * <p>{@value #VM_PORT} on the Node names the VM's own logical port (the parent of the pool's ports); its presence
 * puts the Node in underlay mode. {@value #POOL_SIZE}, optional, asks for a pool of that many ports instead of the
 * controller's default.
 */
public record UnderlayPool(List<Port> ports) {
    public static final String ANNOTATION = "kovn.io/underlay-pool";
    public static final String VM_PORT = "kovn.io/underlay-vm-port";
    public static final String POOL_SIZE = "kovn.io/underlay-pool-size";
    /** Most ports a pool holds; also the bound on {@value #POOL_SIZE}. */
    public static final int MAX_PORTS = 1024;
    /** Longest annotation read (a full pool of {@link #MAX_PORTS} is about 100 KiB). */
    public static final int MAX_CHARS = 128 * 1024;
    /** A port id as the pool cache keeps it (a Neutron UUID or an NB port name). */
    public static final Pattern PORT_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
    private static final Set<String> FIELDS = Set.of("port", "ip", "gw", "mac", "tag");

    /** One child port: its id, address with prefix, gateway, MAC and VLAN tag. */
    public record Port(String id, Ipv4InterfaceAddress address, Ipv4Address gateway, MacAddress mac, int tag) {
        public Port {
            if (!PORT_ID.matcher(id).matches()) {
                throw new IllegalArgumentException("port id " + Quoted.of(id) + " is not 1-64 letters, digits, '_', '.', '-'");
            }
            if (tag < 1 || tag > 4094) {
                throw new IllegalArgumentException("VLAN tag " + tag + " is out of 1-4094");
            }
            if (!address.subnet().contains(gateway.value()) || gateway.equals(address.address())) {
                throw new IllegalArgumentException("gateway " + gateway + " is not another address of " + address.subnet());
            }
        }
    }

    public UnderlayPool {
        ports = List.copyOf(ports);
        if (ports.size() > MAX_PORTS) {
            throw new IllegalArgumentException("a pool has at most " + MAX_PORTS + " ports, not " + ports.size());
        }
        Set<String> ids = new HashSet<>();
        Set<Integer> tags = new HashSet<>();
        Set<Integer> addresses = new HashSet<>();
        for (Port p : ports) {
            if (!ids.add(p.id()) || !tags.add(p.tag()) || !addresses.add(p.address().address().value())) {
                throw new IllegalArgumentException("port " + p.id() + ": its id, tag " + p.tag() + " or address "
                        + p.address().address() + " is also another port's");
            }
        }
    }

    public String toJson() {
        ArrayNode root = OvsdbJson.NODES.arrayNode();
        for (Port p : ports) {
            ObjectNode o = root.addObject();
            o.put("port", p.id());
            o.put("ip", p.address().toString());
            o.put("gw", p.gateway().toString());
            o.put("mac", p.mac().toString());
            o.put("tag", p.tag());
        }
        return root.toString();
    }

    /** Parses the annotation strictly; throws IllegalArgumentException saying what is wrong. */
    public static UnderlayPool parse(String json) {
        if (json.length() > MAX_CHARS) {
            throw new IllegalArgumentException(ANNOTATION + " has " + json.length() + " characters, more than " + MAX_CHARS);
        }
        JsonNode root;
        try {
            root = OvsdbJson.MAPPER.readTree(json);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(ANNOTATION + " is not JSON: " + e.getMessage());
        }
        if (root == null || !root.isArray()) {
            throw new IllegalArgumentException(ANNOTATION + " is not a JSON array");
        }
        if (root.size() > MAX_PORTS) {
            throw new IllegalArgumentException(ANNOTATION + " has more than " + MAX_PORTS + " ports");
        }
        List<Port> ports = new ArrayList<>();
        for (JsonNode n : root) {
            ports.add(port(n));
        }
        return new UnderlayPool(ports);
    }

    private static Port port(JsonNode n) {
        if (!n.isObject() || n.size() != FIELDS.size()) {
            throw new IllegalArgumentException("an entry of " + ANNOTATION + " is not an object of exactly " + FIELDS);
        }
        for (Iterator<String> names = n.propertyNames().iterator(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                throw new IllegalArgumentException("an entry of " + ANNOTATION + " has field " + Quoted.of(name));
            }
        }
        if (!n.get("tag").isInt()) {
            throw new IllegalArgumentException("an entry's tag is not an integer");
        }
        return new Port(text(n, "port"), Ipv4InterfaceAddress.parse(text(n, "ip")), Ipv4Address.parse(text(n, "gw")),
                MacAddress.parse(text(n, "mac")), n.get("tag").asInt());
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (!v.isString()) {
            throw new IllegalArgumentException("an entry's " + field + " is not a string");
        }
        return v.asString();
    }
}
