package io.kovn.controller.alloc;

import io.kovn.ovn.net.Ipv4Cidr;
import io.kovn.ovsdb.model.PlaceTable;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Optional;
import java.util.function.IntFunction;

/**
 * Addresses of one subnet: pod addresses of a node subnet (keyed by pod uid), or gateway router addresses of the
 * join subnet (keyed by node). Never hands out the network, first (gateway / cluster router), second
 * (management) or broadcast address, and never the same address twice. Thread-safe.
 *
 * <p>The holders are kept by address and found by an open-addressing table of their addresses, some 15 bytes a
 * holder where a hash map of boxed offsets takes 40: the controller holds one per pod of the cluster.
 */
public final class AddressPool {
    private final Ipv4Cidr subnet;
    private final BitSet used = new BitSet();
    /** The holder of each offset handed out, null for none; grown to the highest offset handed out. */
    private String[] owners = new String[16];
    /** The offset of each holder, by the holder's hash; at most half full. */
    private final PlaceTable byOwner = new PlaceTable(16);
    private final IntFunction<String> ownerAt = o -> owners[o];
    private int count;
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
        int slot = byOwner.find(owner, ownerAt);
        return slot < 0 ? Optional.empty() : Optional.of(subnet.address(byOwner.place(slot)));
    }

    /** Records that {@code owner} holds {@code ip}; false if it is not usable or someone else holds it. */
    public synchronized boolean claim(String owner, int ip) {
        if (!subnet.contains(ip)) {
            return false;
        }
        int offset = ip - subnet.network();
        int slot = byOwner.find(owner, ownerAt);
        if (slot >= 0) {
            return byOwner.place(slot) == offset;
        }
        if (used.get(offset)) {
            return false;
        }
        hold(owner, offset);
        return true;
    }

    /** The pod's address, allocating a free one (round-robin, so a freed address is not reused at once). */
    public synchronized int allocate(String owner) throws ExhaustedException {
        int slot = byOwner.find(owner, ownerAt);
        if (slot >= 0) {
            return subnet.address(byOwner.place(slot));
        }
        int offset = used.nextClearBit(next);
        if (offset > last) {
            offset = used.nextClearBit(3);
        }
        if (offset > last) {
            throw new ExhaustedException("subnet " + subnet + " has no free address left");
        }
        hold(owner, offset);
        next = offset + 1;
        return subnet.address(offset);
    }

    public synchronized void release(String owner) {
        int slot = byOwner.find(owner, ownerAt);
        if (slot < 0) {
            return;
        }
        int offset = byOwner.place(slot);
        byOwner.delete(slot, ownerAt);
        used.clear(offset);
        owners[offset] = null;
        count--;
    }

    public synchronized int allocatedCount() {
        return count;
    }

    private void hold(String owner, int offset) {
        used.set(offset);
        if (offset >= owners.length) {
            owners = Arrays.copyOf(owners, Math.max(offset + 1, owners.length + (owners.length >> 1)));
        }
        owners[offset] = owner;
        if ((count + 1) * 2 > byOwner.capacity()) {
            byOwner.reset(byOwner.capacity() * 2);
            for (int o = 0; o < owners.length; o++) {
                if (owners[o] != null && o != offset) {
                    byOwner.put(byOwner.find(owners[o], ownerAt), o);
                }
            }
        }
        byOwner.put(byOwner.find(owner, ownerAt), offset);
        count++;
    }
}
