package io.kovn.testing;

import java.util.ArrayList;
import java.util.List;

/**
 * The physical network between test nodes: a namespace holding a Linux bridge, with one veth per attached
 * namespace. Addresses come from {@value #PREFIX}0/24 in attach order (.1, .2, ...); the namespaces isolate
 * them from the host and from other underlays, so every test may use the same range.
 */
public final class Underlay implements AutoCloseable {
    static final String PREFIX = "10.99.0.";
    private final Netns ns;
    private final List<String> addresses = new ArrayList<>();

    private Underlay(Netns ns) {
        this.ns = ns;
    }

    public static Underlay create() {
        Netns ns = Netns.create("underlay");
        try {
            ns.ip("link", "add", "br0", "type", "bridge");
            ns.ip("link", "set", "br0", "up");
            return new Underlay(ns);
        } catch (RuntimeException e) {
            ns.close();
            throw e;
        }
    }

    public Netns netns() {
        return ns;
    }

    /**
     * Connects {@code other} through a veth named {@code ifName} there, gives it the next address (/24) and
     * returns that address. Transmit checksum offload is off on both ends: the userspace datapath forwards
     * partial checksums unchanged and receivers would drop them.
     */
    public synchronized String attach(Netns other, String ifName) {
        String address = PREFIX + (addresses.size() + 1);
        String port = "u" + (addresses.size() + 1);
        ns.ip("link", "add", port, "type", "veth", "peer", "name", ifName, "netns", other.path().toString());
        ns.ip("link", "set", port, "master", "br0", "up");
        ns.exec("ethtool", "-K", port, "tx", "off");
        other.ip("addr", "add", address + "/24", "dev", ifName);
        other.ip("link", "set", ifName, "up");
        other.exec("ethtool", "-K", ifName, "tx", "off");
        addresses.add(address);
        return address;
    }

    @Override
    public void close() {
        ns.close();
    }
}
