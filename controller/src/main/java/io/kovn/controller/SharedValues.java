package io.kovn.controller;

import java.lang.ref.WeakReference;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * One instance of each distinct value among equal values many stored objects hold: the pods of a Deployment carry
 * the same labels and the same containers, the pods of a node the same spec, and the pods informer keeps every pod of
 * the cluster. Values are held weakly: one no stored object refers to any more is dropped with its last holder.
 * The values must not be modified once shared (the stores' copies are read-only).
 */
final class SharedValues<T> {
    private final Map<T, WeakReference<T>> values = new WeakHashMap<>();

    /** The instance equal to {@code value} already shared, else {@code value} itself, shared from now on. */
    synchronized T share(T value) {
        if (value == null) {
            return null;
        }
        WeakReference<T> ref = values.get(value);
        T shared = ref == null ? null : ref.get();
        if (shared != null) {
            return shared;
        }
        values.put(value, new WeakReference<>(value));
        return value;
    }

    synchronized int size() {
        return values.size();
    }
}
