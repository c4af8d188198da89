package io.kovn.ovsdb.replica;

import io.kovn.ovsdb.wire.Uuid;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The rows holding each value of one column (or one {@code external_ids} key). Most values name one row (a pod's
 * port name, its uid), so a value's rows are the row's uuid itself until a second one comes, not a set each: at
 * 100,000 pods that is the difference between some 40 and some 250 bytes per indexed value. Not thread-safe (the
 * replica's lock guards it).
 */
final class UuidIndex<K> {
    /** A {@link Uuid}, or a {@code Set<Uuid>} of two or more in insertion order. */
    private final Map<K, Object> byValue = new HashMap<>();

    void add(K value, Uuid uuid) {
        byValue.merge(value, uuid, (old, u) -> {
            if (old instanceof Uuid one) {
                if (one.equals(u)) {
                    return one;
                }
                Set<Uuid> s = new LinkedHashSet<>();
                s.add(one);
                s.add((Uuid) u);
                return s;
            }
            @SuppressWarnings("unchecked")
            Set<Uuid> s = (Set<Uuid>) old;
            s.add((Uuid) u);
            return s;
        });
    }

    void remove(K value, Uuid uuid) {
        byValue.computeIfPresent(value, (k, old) -> {
            if (old instanceof Uuid one) {
                return one.equals(uuid) ? null : one;
            }
            @SuppressWarnings("unchecked")
            Set<Uuid> s = (Set<Uuid>) old;
            s.remove(uuid);
            return s.size() == 1 ? s.iterator().next() : s;
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

    @SuppressWarnings("unchecked")
    private static Collection<Uuid> rowsOf(Object v) {
        if (v == null) {
            return List.of();
        }
        return v instanceof Uuid u ? List.of(u) : (Set<Uuid>) v;
    }
}
