package io.kovn.ovsdb.schema;

/** The five OVSDB atomic types (RFC 7047 section 3.2). */
public enum AtomicType {
    INTEGER("integer"), REAL("real"), BOOLEAN("boolean"), STRING("string"), UUID("uuid");

    private final String wireName;

    AtomicType(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    public static AtomicType fromWire(String name) {
        for (AtomicType t : values()) {
            if (t.wireName.equals(name)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown OVSDB atomic type '" + name + "'");
    }
}
