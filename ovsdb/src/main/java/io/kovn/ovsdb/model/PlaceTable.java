package io.kovn.ovsdb.model;

import java.util.Arrays;
import java.util.function.IntFunction;

/**
 * An open-addressing hash table of places: each slot holds one more than an index into an array of keys its user
 * keeps (0 for a free slot), found by linear probing from the key's hash and deleted without tombstones. A set or
 * map over such an array costs some 8 bytes a key at most half full, where a hash entry and a boxed value take 40:
 * the replica's rows of one owner type, an address pool's holders (one per pod of the cluster each). Not
 * thread-safe; the user keeps it at most half full ({@link #capacity}) and passes the array's keys as {@code keyAt}.
 */
public final class PlaceTable {
    private int[] slots;

    /** {@code capacity}: a power of two. */
    public PlaceTable(int capacity) {
        slots = new int[capacity];
    }

    public int capacity() {
        return slots.length;
    }

    /** The slot holding {@code key}, or minus one less the free slot it would take. */
    public int find(Object key, IntFunction<?> keyAt) {
        int mask = slots.length - 1;
        for (int i = home(key, mask); ; i = (i + 1) & mask) {
            int p = slots[i];
            if (p == 0) {
                return -i - 1;
            }
            if (keyAt.apply(p - 1).equals(key)) {
                return i;
            }
        }
    }

    /** The place held in {@code slot}, a slot {@link #find} found. */
    public int place(int slot) {
        return slots[slot] - 1;
    }

    /** Puts {@code place} in the free slot {@link #find} answered with ({@code notFound}, negative) for its key. */
    public void put(int notFound, int place) {
        slots[-notFound - 1] = place + 1;
    }

    /** Frees {@code slot}, moving back the entries after it that probed past it. */
    public void delete(int slot, IntFunction<?> keyAt) {
        int mask = slots.length - 1;
        int free = slot;
        slots[free] = 0;
        for (int i = (free + 1) & mask; slots[i] != 0; i = (i + 1) & mask) {
            int home = home(keyAt.apply(slots[i] - 1), mask);
            // the entry at i may move to free unless its home lies cyclically in (free, i]
            boolean stays = free <= i ? free < home && home <= i : free < home || home <= i;
            if (!stays) {
                slots[free] = slots[i];
                slots[i] = 0;
                free = i;
            }
        }
    }

    /** Empty, with {@code capacity} slots (a power of two): the user puts its keys back. */
    public void reset(int capacity) {
        if (capacity == slots.length) {
            Arrays.fill(slots, 0);
        } else {
            slots = new int[capacity];
        }
    }

    private static int home(Object key, int mask) {
        int h = key.hashCode();
        return (h ^ (h >>> 16)) * 0x9E3779B9 & mask;
    }
}
