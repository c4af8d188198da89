package io.kovn.controller.alloc;

import io.kovn.ovn.net.Ipv4Cidr;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Addresses of one subnet: pod addresses of a node subnet (keyed by pod uid), or gateway router addresses of the
 * join subnet (keyed by node). Never hands out the network, first (gateway / cluster router), second
 * (management) or broadcast address, and never the same address twice. Thread-safe.
 */
public final class AddressPool {
    private final Ipv4Cidr subnet;
    private final BitSet used = new BitSet();
    private final Map<String, Integer> byOwner = new HashMap<>();
    private final int last;
    private int next = 3;

    public AddressPool(Ipv4Cidr subnet) {
        this.subnet = subnet;
        this.last = (int) subnet.size() - 2;
        used.set(0, 3);
        used.set((int) subnet.size() - 1);
    }

    public Ipv4Cidr subnet() {
        return subnet;
    }

    public synchronized Optional<Integer> get(String owner) {
        Integer i = byOwner.get(owner);
        return i == null ? Optional.empty() : Optional.of(subnet.address(i));
    }

    /** Records that {@code owner} holds {@code ip}; false if it is not usable or someone else holds it. */
    public synchronized boolean claim(String owner, int ip) {
        if (!subnet.contains(ip)) {
            return false;
        }
        int offset = ip - subnet.network();
        Integer mine = byOwner.get(owner);
        if (mine != null) {
            return mine == offset;
        }
        if (used.get(offset)) {
            return false;
        }
        used.set(offset);
        byOwner.put(owner, offset);
        return true;
    }

    /** The pod's address, allocating a free one (round-robin, so a freed address is not reused at once). */
    public synchronized int allocate(String owner) throws ExhaustedException {
        Integer mine = byOwner.get(owner);
        if (mine != null) {
            return subnet.address(mine);
        }
        int offset = used.nextClearBit(next);
        if (offset > last) {
            offset = used.nextClearBit(3);
        }
        if (offset > last) {
            throw new ExhaustedException("subnet " + subnet + " has no free address left");
        }
        used.set(offset);
        byOwner.put(owner, offset);
        next = offset + 1;
        return subnet.address(offset);
    }

    public synchronized void release(String owner) {
        Integer i = byOwner.remove(owner);
        if (i != null) {
            used.clear(i);
        }
    }

    public synchronized int allocatedCount() {
        return byOwner.size();
    }
}
