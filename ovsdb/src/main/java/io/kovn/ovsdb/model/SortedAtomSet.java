package io.kovn.ovsdb.model;

import java.util.AbstractSet;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;

/**
 * An immutable set of OVSDB atoms (strings, integers, reals, booleans or uuids: one type per set) held in one sorted
 * array: a row's set column costs four bytes per element instead of a hash entry each (a replica holds millions of
 * them at scale: ports of port groups, addresses of address sets). Lookups are binary searches; iteration is in the
 * atoms' natural order.
 */
public final class SortedAtomSet extends AbstractSet<Object> {
    private final Object[] elements;

    private SortedAtomSet(Object[] sortedDistinct) {
        this.elements = sortedDistinct;
    }

    /**
     * The elements of {@code values} in a compact immutable set; an empty set is {@link Set#of()}, and elements that
     * do not compare with each other (not atoms of one type) keep an unmodifiable insertion-ordered copy.
     */
    public static Set<Object> of(Collection<?> values) {
        if (values.isEmpty()) {
            return Set.of();
        }
        if (values instanceof SortedAtomSet s) {
            return s;
        }
        Object[] a = values.toArray();
        try {
            Arrays.sort(a);
        } catch (ClassCastException | NullPointerException e) {
            return Collections.unmodifiableSet(new LinkedHashSet<>(values));
        }
        return new SortedAtomSet(distinct(a));
    }

    /** The set of the one atom {@code element}. */
    static Set<Object> single(Object element) {
        return new SortedAtomSet(new Object[] {Objects.requireNonNull(element)});
    }

    /**
     * This set with each element of {@code diff} removed if present, added if not (an OVSDB set diff of
     * {@code update2}): one merge of two sorted arrays, not a copy into a hash set.
     */
    public Set<Object> toggled(Collection<?> diff) {
        if (diff.isEmpty()) {
            return this;
        }
        Object[] d = diff.toArray();
        try {
            Arrays.sort(d);
        } catch (ClassCastException | NullPointerException e) {
            return fallbackToggle(diff);
        }
        d = distinct(d);
        Object[] out = new Object[elements.length + d.length];
        int i = 0;
        int j = 0;
        int n = 0;
        try {
            while (i < elements.length && j < d.length) {
                int c = compare(elements[i], d[j]);
                if (c < 0) {
                    out[n++] = elements[i++];
                } else if (c > 0) {
                    out[n++] = d[j++];
                } else {
                    i++;
                    j++;
                }
            }
        } catch (ClassCastException e) {
            return fallbackToggle(diff);
        }
        while (i < elements.length) {
            out[n++] = elements[i++];
        }
        while (j < d.length) {
            out[n++] = d[j++];
        }
        return n == 0 ? Set.of() : new SortedAtomSet(n == out.length ? out : Arrays.copyOf(out, n));
    }

    private Set<Object> fallbackToggle(Collection<?> diff) {
        Set<Object> s = new LinkedHashSet<>(this);
        for (Object x : diff) {
            if (!s.remove(x)) {
                s.add(x);
            }
        }
        return Collections.unmodifiableSet(s);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static int compare(Object a, Object b) {
        return ((Comparable) a).compareTo(b);
    }

    /** The sorted {@code a} without repeated elements. */
    private static Object[] distinct(Object[] a) {
        int out = 0;
        for (int i = 0; i < a.length; i++) {
            if (out == 0 || !a[i].equals(a[out - 1])) {
                a[out++] = a[i];
            }
        }
        return out == a.length ? a : Arrays.copyOf(a, out);
    }

    @Override
    public boolean contains(Object o) {
        try {
            return o != null && Arrays.binarySearch(elements, o) >= 0;
        } catch (ClassCastException e) {
            return false;
        }
    }

    @Override
    public int size() {
        return elements.length;
    }

    @Override
    public Iterator<Object> iterator() {
        return new Iterator<>() {
            private int next;

            @Override
            public boolean hasNext() {
                return next < elements.length;
            }

            @Override
            public Object next() {
                if (next >= elements.length) {
                    throw new NoSuchElementException();
                }
                return elements[next++];
            }
        };
    }

    @Override
    public Object[] toArray() {
        return elements.clone();
    }

    @Override
    public boolean equals(Object o) {
        if (o instanceof SortedAtomSet s) {
            return Arrays.equals(elements, s.elements);
        }
        return super.equals(o);
    }

    @Override
    public int hashCode() {
        return super.hashCode();
    }
}
