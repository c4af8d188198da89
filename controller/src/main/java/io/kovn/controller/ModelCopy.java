package io.kovn.controller;

import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.InaccessibleObjectException;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A copy of a fabric8 model object (a Service, an EndpointSlice, a NetworkPolicy...) for an informer's store: equal
 * to the object, its model objects copied field by field, with every empty list and map in the JDK's shared
 * immutable empty one. fabric8's model allocates a list or map for every absent field (an object's finalizers, owner
 * references, managed fields, annotations, and each model object's additionalProperties): an EndpointSlice of three
 * endpoints holds a dozen, some 0.8 KB, and the controller holds every Service and EndpointSlice of the cluster.
 * Non-empty lists are immutable copies; non-empty maps and everything else are shared with the object (nothing
 * modifies a stored object). A class whose fields cannot be read is kept as it is.
 */
final class ModelCopy {
    private static final String MODEL_PACKAGE = "io.fabric8.kubernetes.api.model";
    /** Per model class: its instance fields, or null when it cannot be copied field by field. */
    private static final Map<Class<?>, Field[]> FIELDS = new ConcurrentHashMap<>();
    private static final Field[] NOT_COPIED = new Field[0];

    private ModelCopy() {
    }

    @SuppressWarnings("unchecked")
    static <T> T of(T obj) {
        return (T) copy(obj);
    }

    private static Object copy(Object v) {
        if (v instanceof List<?> l) {
            if (l.isEmpty()) {
                return List.of();
            }
            List<Object> out = new ArrayList<>(l.size());
            l.forEach(x -> out.add(copy(x)));
            return out.contains(null) ? Collections.unmodifiableList(out) : List.copyOf(out);
        }
        if (v instanceof Map<?, ?> m) {
            return m.isEmpty() ? Map.of() : m;
        }
        if (v == null || !v.getClass().getName().startsWith(MODEL_PACKAGE)) {
            return v;
        }
        Field[] fields = FIELDS.computeIfAbsent(v.getClass(), ModelCopy::fields);
        if (fields == NOT_COPIED) {
            return v;
        }
        try {
            Object out = v.getClass().getDeclaredConstructor().newInstance();
            for (Field f : fields) {
                f.set(out, copy(f.get(v)));
            }
            return out;
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("copying a " + v.getClass().getName(), e);
        }
    }

    private static Field[] fields(Class<?> type) {
        List<Field> out = new ArrayList<>();
        try {
            Constructor<?> c = type.getDeclaredConstructor();
            if (!Modifier.isPublic(c.getModifiers())) {
                return NOT_COPIED;
            }
            for (Class<?> k = type; k != Object.class; k = k.getSuperclass()) {
                for (Field f : k.getDeclaredFields()) {
                    if (Modifier.isStatic(f.getModifiers())) {
                        continue;
                    }
                    if (Modifier.isFinal(f.getModifiers())) {
                        return NOT_COPIED;
                    }
                    f.setAccessible(true);
                    out.add(f);
                }
            }
        } catch (NoSuchMethodException | InaccessibleObjectException | SecurityException e) {
            return NOT_COPIED;
        }
        return out.toArray(new Field[0]);
    }
}
