package io.kovn.ovsdb.wire;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * An OVSDB uuid atom. A named uuid ({@code ["named-uuid", "x"]}) refers to a row inserted earlier in the same
 * transaction; it is only valid inside a transaction, never read back from the server.
 */
public final class Uuid implements Comparable<Uuid> {
    private static final Pattern UUID_NAME = Pattern.compile("[_a-zA-Z][_a-zA-Z0-9]*");

    private final String value;
    private final boolean named;

    private Uuid(String value, boolean named) {
        this.value = Objects.requireNonNull(value, "value");
        this.named = named;
    }

    public static Uuid of(String value) {
        return new Uuid(value, false);
    }

    /** A reference to the row inserted with {@code uuid-name} {@code name} in the same transaction. */
    public static Uuid named(String name) {
        if (!UUID_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("invalid uuid-name '" + name + "': must match [_a-zA-Z][_a-zA-Z0-9]*");
        }
        return new Uuid(name, true);
    }

    public String value() {
        return value;
    }

    public boolean isNamed() {
        return named;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Uuid u && u.named == named && u.value.equals(value);
    }

    @Override
    public int hashCode() {
        return value.hashCode() * 31 + (named ? 1 : 0);
    }

    @Override
    public int compareTo(Uuid o) {
        return value.compareTo(o.value);
    }

    @Override
    public String toString() {
        return named ? "named-uuid:" + value : value;
    }
}
