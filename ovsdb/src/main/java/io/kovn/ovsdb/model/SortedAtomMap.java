package io.kovn.ovsdb.model;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;

/**
 * An immutable map of OVSDB atoms (one key type, as a map column has) held in two arrays sorted by key: a row's
 * {@code external_ids} or {@code options} cost eight bytes per entry instead of a hash entry each. Lookups are binary
 * searches; iteration is in the keys' natural order. It implements {@link Map} itself rather than extend
 * {@link AbstractMap}, whose two cached views would add eight bytes to each of the replica's 250,000 maps.
 */
public final class SortedAtomMap implements Map<Object, Object> {
    /** At most this many distinct key arrays are shared; maps with other keys keep their own. */
    private static final int SHARED_KEY_SETS = 4096;
    private static final Map<List<Object>, Object[]> KEY_SETS = new ConcurrentHashMap<>();

    private final Object[] keys;
    /**
     * The values in the keys' order; of a map of one key, its value itself unless that is an array (a pod port's
     * options: an array of one would add 24 bytes).
     */
    private final Object values;

    private SortedAtomMap(Object[] keys, Object[] values) {
        this.keys = keys;
        this.values = values.length == 1 && !(values[0] instanceof Object[]) ? values[0] : values;
    }

    private Object value(int i) {
        return values instanceof Object[] a ? a[i] : values;
    }

    private Object[] valueArray() {
        return values instanceof Object[] a ? a : new Object[] {values};
    }

    /**
     * The entries of {@code map} in a compact immutable map; an empty map is {@link Map#of()}, and keys that do not
     * compare with each other keep an unmodifiable insertion-ordered copy.
     */
    public static Map<Object, Object> of(Map<?, ?> map) {
        return of(map, false);
    }

    /**
     * Like {@link #of(Map)}, the sorted keys in an array shared with the other maps of the same keys (a few
     * thousand key sets at most): the {@code external_ids} and {@code options} of rows of one kind have the same
     * keys (every pod port's five external ids), so each row keeps its values alone.
     */
    public static Map<Object, Object> withSharedKeys(Map<?, ?> map) {
        return of(map, true);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Map<Object, Object> of(Map<?, ?> map, boolean shareKeys) {
        if (map.isEmpty()) {
            return Map.of();
        }
        if (map instanceof SortedAtomMap m) {
            return m;
        }
        Map.Entry<?, ?>[] entries = map.entrySet().toArray(new Map.Entry<?, ?>[0]);
        try {
            Arrays.sort(entries, (a, b) -> ((Comparable) a.getKey()).compareTo(b.getKey()));
        } catch (ClassCastException | NullPointerException e) {
            return Collections.unmodifiableMap(new LinkedHashMap<>(map));
        }
        Object[] k = new Object[entries.length];
        Object[] v = new Object[entries.length];
        for (int i = 0; i < entries.length; i++) {
            k[i] = entries[i].getKey();
            v[i] = entries[i].getValue();
        }
        return new SortedAtomMap(shareKeys ? shared(k) : k, v);
    }

    private static Object[] shared(Object[] keys) {
        Object[] known = KEY_SETS.get(Arrays.asList(keys));
        if (known != null) {
            return known;
        }
        if (KEY_SETS.size() >= SHARED_KEY_SETS) {
            return keys;
        }
        known = KEY_SETS.putIfAbsent(Arrays.asList(keys), keys);
        return known != null ? known : keys;
    }

    private int find(Object key) {
        try {
            return key == null ? -1 : Arrays.binarySearch(keys, key);
        } catch (ClassCastException e) {
            return -1;
        }
    }

    @Override
    public Object get(Object key) {
        int i = find(key);
        return i >= 0 ? value(i) : null;
    }

    @Override
    public boolean containsKey(Object key) {
        return find(key) >= 0;
    }

    @Override
    public int size() {
        return keys.length;
    }

    @Override
    public void forEach(BiConsumer<? super Object, ? super Object> action) {
        for (int i = 0; i < keys.length; i++) {
            action.accept(keys[i], value(i));
        }
    }

    @Override
    public boolean isEmpty() {
        return keys.length == 0;
    }

    @Override
    public boolean containsValue(Object value) {
        return Arrays.asList(valueArray()).contains(value);
    }

    @Override
    public Object put(Object key, Object value) {
        throw new UnsupportedOperationException("immutable");
    }

    @Override
    public Object remove(Object key) {
        throw new UnsupportedOperationException("immutable");
    }

    @Override
    public void putAll(Map<?, ?> m) {
        throw new UnsupportedOperationException("immutable");
    }

    @Override
    public void clear() {
        throw new UnsupportedOperationException("immutable");
    }

    @Override
    public Set<Object> keySet() {
        return Collections.unmodifiableSet(new LinkedHashSet<>(Arrays.asList(keys)));
    }

    @Override
    public Collection<Object> values() {
        return Collections.unmodifiableList(Arrays.asList(valueArray()));
    }

    @Override
    public Set<Entry<Object, Object>> entrySet() {
        return new AbstractSet<>() {
            @Override
            public Iterator<Entry<Object, Object>> iterator() {
                return new Iterator<>() {
                    private int next;

                    @Override
                    public boolean hasNext() {
                        return next < keys.length;
                    }

                    @Override
                    public Entry<Object, Object> next() {
                        if (next >= keys.length) {
                            throw new NoSuchElementException();
                        }
                        int i = next++;
                        return new AbstractMap.SimpleImmutableEntry<>(keys[i], value(i));
                    }
                };
            }

            @Override
            public int size() {
                return keys.length;
            }
        };
    }

    @Override
    public boolean equals(Object o) {
        if (o == this) {
            return true;
        }
        if (o instanceof SortedAtomMap m) {
            return Arrays.equals(keys, m.keys) && Arrays.equals(valueArray(), m.valueArray());
        }
        if (!(o instanceof Map<?, ?> m) || m.size() != keys.length) {
            return false;
        }
        try {
            for (int i = 0; i < keys.length; i++) {
                Object v = m.get(keys[i]);
                if (v == null ? value(i) != null || !m.containsKey(keys[i]) : !v.equals(value(i))) {
                    return false;
                }
            }
        } catch (ClassCastException | NullPointerException e) {
            return false;
        }
        return true;
    }

    /** As {@link Map#hashCode()} specifies: the sum of the entries' hashes. */
    @Override
    public int hashCode() {
        int h = 0;
        for (int i = 0; i < keys.length; i++) {
            h += Objects.hashCode(keys[i]) ^ Objects.hashCode(value(i));
        }
        return h;
    }

    @Override
    public String toString() {
        StringBuilder out = new StringBuilder("{");
        for (int i = 0; i < keys.length; i++) {
            out.append(i == 0 ? "" : ", ").append(keys[i]).append('=').append(value(i));
        }
        return out.append('}').toString();
    }
}
