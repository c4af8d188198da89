package io.kovn.node.underlay;

import io.kovn.cni.CniInputs;
import io.kovn.ovn.net.Ipv4Address;
import io.kovn.ovn.net.Ipv4InterfaceAddress;
import io.kovn.ovn.net.MacAddress;
import java.util.regex.Pattern;

/**
 * One pooled child port as the VM caches it: key {@code kovn-underlay-port-<port id>} of the Open_vSwitch row's
 * external_ids, value {@code ip=<a.b.c.d/n>,gw=<a.b.c.d>,mac=<xx:..>,tag=<1-4094>,used=[<container id>/<ifname>]}.
 * The control plane writes the entries, so they are parsed strictly: fixed fields in a fixed order, typed values,
 * bounded sizes; anything else is refused rather than handed to a pod.
 *
 * @param user empty when the entry is free, else {@code <container id>/<ifname>} of the attachment holding it
 */
public record PoolEntry(String portId, Ipv4InterfaceAddress address, Ipv4Address gateway, MacAddress mac, int tag,
                        String user) {
    public static final String KEY_PREFIX = "kovn-underlay-port-";
    /** The longest value read; a well-formed one is under 120 characters. */
    static final int MAX_VALUE = 256;
    private static final Pattern PORT_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
    private static final String[] FIELDS = {"ip", "gw", "mac", "tag", "used"};

    public PoolEntry {
        if (!PORT_ID.matcher(portId).matches()) {
            throw new IllegalArgumentException("port id '" + shown(portId) + "' is not 1-64 letters, digits, '_', '.', '-'");
        }
        if (tag < 1 || tag > 4094) {
            throw new IllegalArgumentException("VLAN tag " + tag + " is out of 1-4094");
        }
        if (address.prefix() < 1 || address.prefix() > 30) {
            throw new IllegalArgumentException("address " + address + ": prefix length must be 1-30");
        }
        int hostMask = ~(-1 << (32 - address.prefix()));
        int host = address.address().value() & hostMask;
        if (host == 0 || host == hostMask) {
            throw new IllegalArgumentException("address " + address + " is its subnet's network or broadcast address");
        }
        if (!address.subnet().contains(gateway.value()) || gateway.equals(address.address())) {
            throw new IllegalArgumentException("gateway " + gateway + " is not another address of " + address.subnet());
        }
        if ((mac.value() & 0x0100_0000_0000L) != 0 || mac.value() == 0) {
            throw new IllegalArgumentException("MAC " + mac + " is not a unicast address");
        }
        if (!user.isEmpty()) {
            int slash = user.indexOf('/');
            String problem = slash < 0 ? "no '/'" : CniInputs.containerIdProblem(user.substring(0, slash));
            if (problem == null) {
                problem = CniInputs.ifNameProblem(user.substring(slash + 1));
            }
            if (problem != null) {
                throw new IllegalArgumentException("used '" + shown(user) + "' is not <container id>/<ifname>: " + problem);
            }
        }
    }

    /** The port id of an external_ids key, or null if the key is not a pool entry's. */
    static String portIdOf(String key) {
        return key.startsWith(KEY_PREFIX) ? key.substring(KEY_PREFIX.length()) : null;
    }

    /** Parses the value of key {@code KEY_PREFIX + portId}; throws IllegalArgumentException saying what is wrong. */
    public static PoolEntry parse(String portId, String value) {
        if (value.length() > MAX_VALUE) {
            throw new IllegalArgumentException("the value has " + value.length() + " characters, more than " + MAX_VALUE);
        }
        String[] parts = new String[FIELDS.length];
        String rest = value;
        for (int i = 0; i < FIELDS.length; i++) {
            String prefix = FIELDS[i] + "=";
            if (!rest.startsWith(prefix)) {
                throw new IllegalArgumentException("expected field '" + FIELDS[i] + "=' at '" + shown(rest) + "'");
            }
            rest = rest.substring(prefix.length());
            int comma = i == FIELDS.length - 1 ? -1 : rest.indexOf(',');
            if (i < FIELDS.length - 1 && comma < 0) {
                throw new IllegalArgumentException("fields after '" + FIELDS[i] + "' are missing");
            }
            parts[i] = comma < 0 ? rest : rest.substring(0, comma);
            rest = comma < 0 ? "" : rest.substring(comma + 1);
        }
        if (!parts[3].matches("[1-9]\\d{0,3}")) {
            throw new IllegalArgumentException("tag '" + shown(parts[3]) + "' is not a number 1-4094");
        }
        return new PoolEntry(portId, Ipv4InterfaceAddress.parse(parts[0]), Ipv4Address.parse(parts[1]),
                MacAddress.parse(parts[2]), Integer.parseInt(parts[3]), parts[4]);
    }

    public String key() {
        return KEY_PREFIX + portId;
    }

    /** The external_ids value, as {@link #parse} reads it. */
    public String value() {
        return "ip=" + address + ",gw=" + gateway + ",mac=" + mac + ",tag=" + tag + ",used=" + user;
    }

    public boolean isFree() {
        return user.isEmpty();
    }

    /** This entry held by (container, interface). */
    PoolEntry usedBy(String containerId, String ifName) {
        return new PoolEntry(portId, address, gateway, mac, tag, containerId + "/" + ifName);
    }

    PoolEntry freed() {
        return new PoolEntry(portId, address, gateway, mac, tag, "");
    }

    private static String shown(String s) {
        return CniInputs.shown(s);
    }
}
