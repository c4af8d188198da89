package io.kovn.controller.alloc;

import io.kovn.ovn.net.Ipv4Cidr;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Optional;

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
    /** Offset plus one of each holder, by the holder's hash; linear probing, at most half full; 0 for a free slot. */
    private int[] slots = new int[16];
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
        int slot = find(owner);
        return slot < 0 ? Optional.empty() : Optional.of(subnet.address(slots[slot] - 1));
    }

    /** Records that {@code owner} holds {@code ip}; false if it is not usable or someone else holds it. */
    public synchronized boolean claim(String owner, int ip) {
        if (!subnet.contains(ip)) {
            return false;
        }
        int offset = ip - subnet.network();
        int slot = find(owner);
        if (slot >= 0) {
            return slots[slot] - 1 == offset;
        }
        if (used.get(offset)) {
            return false;
        }
        hold(owner, offset);
        return true;
    }

    /** The pod's address, allocating a free one (round-robin, so a freed address is not reused at once). */
    public synchronized int allocate(String owner) throws ExhaustedException {
        int slot = find(owner);
        if (slot >= 0) {
            return subnet.address(slots[slot] - 1);
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
        int slot = find(owner);
        if (slot < 0) {
            return;
        }
        int offset = slots[slot] - 1;
        used.clear(offset);
        owners[offset] = null;
        count--;
        free(slot);
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
        if ((count + 1) * 2 > slots.length) {
            slots = new int[slots.length * 2];
            for (int o = 0; o < owners.length; o++) {
                if (owners[o] != null && o != offset) {
                    slots[-find(owners[o]) - 1] = o + 1;
                }
            }
        }
        slots[-find(owner) - 1] = offset + 1;
        count++;
    }

    /** The slot holding {@code owner}, or minus one less the free slot it would take. */
    private int find(String owner) {
        int mask = slots.length - 1;
        for (int i = home(owner, mask); ; i = (i + 1) & mask) {
            int p = slots[i];
            if (p == 0) {
                return -i - 1;
            }
            if (owners[p - 1].equals(owner)) {
                return i;
            }
        }
    }

    /** Frees {@code slot}, moving back the entries after it that probed past it (no tombstones). */
    private void free(int slot) {
        int mask = slots.length - 1;
        int hole = slot;
        slots[hole] = 0;
        for (int i = (hole + 1) & mask; slots[i] != 0; i = (i + 1) & mask) {
            int home = home(owners[slots[i] - 1], mask);
            // the entry at i may move to the hole unless its home lies cyclically in (hole, i]
            boolean stays = hole <= i ? hole < home && home <= i : hole < home || home <= i;
            if (!stays) {
                slots[hole] = slots[i];
                slots[i] = 0;
                hole = i;
            }
        }
    }

    private static int home(String owner, int mask) {
        int h = owner.hashCode();
        return (h ^ (h >>> 16)) * 0x9E3779B9 & mask;
    }
}
