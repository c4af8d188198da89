package io.kovn.ovsdb.schema;

import java.util.Optional;

/**
 * A column type (RFC 7047 section 3.2): key, optional value (then it is a map), and the number of elements
 * {@code min..max}. {@code max == Long.MAX_VALUE} stands for "unlimited".
 */
public record ColumnType(BaseType key, Optional<BaseType> value, long min, long max) {

    public static final long UNLIMITED = Long.MAX_VALUE;

    public enum Shape { SCALAR, OPTIONAL, SET, MAP }

    public Shape shape() {
        if (value.isPresent()) {
            return Shape.MAP;
        }
        if (max == 1) {
            return min == 1 ? Shape.SCALAR : Shape.OPTIONAL;
        }
        return Shape.SET;
    }

    /** Parses a column type in schema notation, e.g. {@code {"key":"string","min":0,"max":"unlimited"}}. */
    public static ColumnType parse(String json) {
        return DatabaseSchema.parseType(io.kovn.ovsdb.wire.OvsdbJson.MAPPER.readTree(json));
    }

    public static ColumnType scalar(AtomicType t) {
        return new ColumnType(BaseType.of(t), Optional.empty(), 1, 1);
    }

    public static ColumnType optional(AtomicType t) {
        return new ColumnType(BaseType.of(t), Optional.empty(), 0, 1);
    }

    public static ColumnType set(AtomicType t) {
        return new ColumnType(BaseType.of(t), Optional.empty(), 0, UNLIMITED);
    }

    public static ColumnType map(AtomicType k, AtomicType v) {
        return new ColumnType(BaseType.of(k), Optional.of(BaseType.of(v)), 0, UNLIMITED);
    }
}
