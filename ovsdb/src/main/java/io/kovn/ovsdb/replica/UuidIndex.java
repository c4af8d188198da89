package io.kovn.ovsdb.replica;

import io.kovn.ovsdb.model.PlaceTable;
import io.kovn.ovsdb.wire.Uuid;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.IntFunction;

/**
 * The rows holding each value of one column (or one {@code external_ids} key). Most values name one row (a pod's
 * port name, its uid), so a value's rows are the row's uuid itself until a second one comes, not a set each: at
 * 100,000 pods that is the difference between some 40 and some 250 bytes per indexed value. A value many rows hold
 * (an owner type: every pod's port) keeps them in a {@link Rows}. Not thread-safe (the replica's lock guards it).
 */
final class UuidIndex<K> {
    /** A {@link Uuid}, or the {@link Rows} of two or more. */
    private final Map<K, Object> byValue = new HashMap<>();

    void add(K value, Uuid uuid) {
        byValue.merge(value, uuid, (old, u) -> {
            if (old instanceof Uuid one) {
                if (one.equals(u)) {
                    return one;
                }
                Rows s = new Rows();
                s.add(one);
                s.add((Uuid) u);
                return s;
            }
            ((Rows) old).add((Uuid) u);
            return old;
        });
    }

    void remove(K value, Uuid uuid) {
        byValue.computeIfPresent(value, (k, old) -> {
            if (old instanceof Uuid one) {
                return one.equals(uuid) ? null : one;
            }
            Rows s = (Rows) old;
            s.remove(uuid);
            return s.size() == 1 ? s.first() : s;
        });
    }

    /** The rows holding {@code value}, in the order they came. */
    Collection<Uuid> get(K value) {
        return rowsOf(byValue.get(value));
    }

    /** Every row holding any value, value by value. */
    void forEach(Consumer<Uuid> action) {
        byValue.values().forEach(v -> rowsOf(v).forEach(action));
    }

    boolean isEmpty() {
        return byValue.isEmpty();
    }

    private static Collection<Uuid> rowsOf(Object v) {
        if (v == null) {
            return List.of();
        }
        return v instanceof Uuid u ? List.of(u) : ((Rows) v).list();
    }

    /**
     * Distinct uuids in the order they came: an array of them (null where one was removed, compacted when half are)
     * and an open-addressing table of their places, some 14 bytes each where a linked hash set takes 48.
     */
    static final class Rows {
        private Uuid[] order = new Uuid[4];
        /** Uuids and holes in {@link #order}. */
        private int end;
        private int size;
        /** Places in {@link #order} by uuid; at most half full. */
        private final PlaceTable places = new PlaceTable(8);
        private final IntFunction<Uuid> uuidAt = i -> order[i];

        int size() {
            return size;
        }

        void add(Uuid u) {
            int slot = places.find(u, uuidAt);
            if (slot >= 0) {
                return;
            }
            if (end == order.length) {
                if (size < end * 3 / 4) {
                    compacted();
                } else {
                    order = Arrays.copyOf(order, end + (end >> 1) + 1);
                }
                rehash(places.capacity());
            }
            if ((end + 1) * 2 > places.capacity()) {
                rehash(places.capacity() * 2);
            }
            order[end] = u;
            places.put(places.find(u, uuidAt), end++);
            size++;
        }

        void remove(Uuid u) {
            int slot = places.find(u, uuidAt);
            if (slot < 0) {
                return;
            }
            int place = places.place(slot);
            places.delete(slot, uuidAt);
            order[place] = null;
            size--;
            if (size < end / 2 && end > 8) {
                order = Arrays.copyOf(compacted(), Math.max(4, size + (size >> 1)));
                rehash(Math.max(8, Integer.highestOneBit(Math.max(1, size)) * 4));
            }
        }

        Uuid first() {
            for (int i = 0; i < end; i++) {
                if (order[i] != null) {
                    return order[i];
                }
            }
            return null;
        }

        List<Uuid> list() {
            List<Uuid> out = new ArrayList<>(size);
            for (int i = 0; i < end; i++) {
                if (order[i] != null) {
                    out.add(order[i]);
                }
            }
            return out;
        }

        /** The uuids in order without holes, {@link #end} set to their count. */
        private Uuid[] compacted() {
            int n = 0;
            for (int i = 0; i < end; i++) {
                if (order[i] != null) {
                    order[n++] = order[i];
                }
            }
            Arrays.fill(order, n, end, null);
            end = n;
            return order;
        }

        private void rehash(int capacity) {
            places.reset(capacity);
            for (int i = 0; i < end; i++) {
                if (order[i] != null) {
                    places.put(places.find(order[i], uuidAt), i);
                }
            }
        }
    }
}
