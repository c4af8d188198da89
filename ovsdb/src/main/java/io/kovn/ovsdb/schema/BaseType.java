package io.kovn.ovsdb.schema;

import java.util.List;
import java.util.Optional;

/** A column's key or value base type: an atomic type plus its constraints. */
public record BaseType(AtomicType atomic, List<Object> enumeration, Optional<String> refTable, boolean strongRef) {

    public static BaseType of(AtomicType atomic) {
        return new BaseType(atomic, List.of(), Optional.empty(), true);
    }
}
