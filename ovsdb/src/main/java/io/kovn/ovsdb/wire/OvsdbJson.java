package io.kovn.ovsdb.wire;

import io.kovn.ovsdb.schema.AtomicType;
import io.kovn.ovsdb.schema.BaseType;
import io.kovn.ovsdb.schema.ColumnType;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * The OVSDB JSON notation of values (RFC 7047 section 5.1) and its mapping to Java values.
 *
 * <p>Java side: a scalar column holds its atom ({@link String}, {@link Long}, {@link Double}, {@link Boolean},
 * {@link Uuid}); an optional column (min 0, max 1) an {@link Optional}; a set column an unmodifiable {@link Set};
 * a map column an unmodifiable {@link Map}.
 */
public final class OvsdbJson {
    public static final JsonMapper MAPPER = JsonMapper.builder().build();
    public static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private OvsdbJson() {
    }

    /** Encodes a Java value (atom, Optional, Set/Collection, Map) in OVSDB notation. */
    public static JsonNode encode(Object value) {
        if (value instanceof Optional<?> o) {
            return o.isPresent() ? encodeAtom(o.get()) : emptySet();
        }
        if (value instanceof Map<?, ?> m) {
            ArrayNode pairs = NODES.arrayNode();
            m.forEach((k, v) -> pairs.add(NODES.arrayNode().add(encodeAtom(k)).add(encodeAtom(v))));
            return NODES.arrayNode().add("map").add(pairs);
        }
        if (value instanceof Collection<?> c) {
            ArrayNode elems = NODES.arrayNode();
            c.forEach(e -> elems.add(encodeAtom(e)));
            return NODES.arrayNode().add("set").add(elems);
        }
        return encodeAtom(value);
    }

    public static JsonNode encodeAtom(Object atom) {
        if (atom instanceof String s) {
            return NODES.stringNode(s);
        }
        if (atom instanceof Long || atom instanceof Integer || atom instanceof Short) {
            return NODES.numberNode(((Number) atom).longValue());
        }
        if (atom instanceof Double || atom instanceof Float) {
            return NODES.numberNode(((Number) atom).doubleValue());
        }
        if (atom instanceof Boolean b) {
            return NODES.booleanNode(b);
        }
        if (atom instanceof Uuid u) {
            return NODES.arrayNode().add(u.isNamed() ? "named-uuid" : "uuid").add(u.value());
        }
        throw new IllegalArgumentException("not an OVSDB atom: " + (atom == null ? "null" : atom.getClass().getName()));
    }

    private static JsonNode emptySet() {
        return NODES.arrayNode().add("set").add(NODES.arrayNode());
    }

    /** Decodes a value of a known column type into its Java form (see class comment). */
    public static Object decode(JsonNode json, ColumnType type) {
        switch (type.shape()) {
            case SCALAR:
                return decodeAtom(json, type.key());
            case OPTIONAL: {
                Set<Object> s = decodeSet(json, type.key());
                return s.isEmpty() ? Optional.empty() : Optional.of(s.iterator().next());
            }
            case SET:
                return decodeSet(json, type.key());
            default:
                return decodeMap(json, type.key(), type.value().orElseThrow());
        }
    }

    /** The value a column has when it is absent from a row: the empty set, map or Optional, or the atom's zero. */
    public static Object defaultValue(ColumnType type) {
        switch (type.shape()) {
            case OPTIONAL:
                return Optional.empty();
            case SET:
                return Set.of();
            case MAP:
                return Map.of();
            default:
                switch (type.key().atomic()) {
                    case INTEGER: return 0L;
                    case REAL: return 0.0;
                    case BOOLEAN: return false;
                    case STRING: return "";
                    default: return Uuid.of("00000000-0000-0000-0000-000000000000");
                }
        }
    }

    static Set<Object> decodeSet(JsonNode json, BaseType key) {
        if (isTagged(json, "set")) {
            Set<Object> out = new LinkedHashSet<>();
            for (JsonNode e : json.get(1)) {
                out.add(shared(decodeAtom(e, key)));
            }
            return Collections.unmodifiableSet(out);
        }
        return Set.of(shared(decodeAtom(json, key)));
    }

    /**
     * One instance of each string in sets and maps: the same addresses stand in many address sets, the same
     * external_ids keys and owners in many rows (at 100,000 pods and 2,000 policies, some 10 million set elements
     * of 100,000 distinct addresses). The JVM's string table holds them weakly: a string no row uses any more goes.
     */
    private static Object shared(Object atom) {
        return atom instanceof String s ? s.intern() : atom;
    }

    static Map<Object, Object> decodeMap(JsonNode json, BaseType key, BaseType value) {
        if (!isTagged(json, "map")) {
            throw new OvsdbProtocolException("expected [\"map\", ...], got " + json);
        }
        Map<Object, Object> out = new LinkedHashMap<>();
        for (JsonNode pair : json.get(1)) {
            if (!pair.isArray() || pair.size() != 2) {
                throw new OvsdbProtocolException("malformed map pair " + pair);
            }
            out.put(shared(decodeAtom(pair.get(0), key)), shared(decodeAtom(pair.get(1), value)));
        }
        return Collections.unmodifiableMap(out);
    }

    public static Object decodeAtom(JsonNode json, BaseType base) {
        AtomicType t = base.atomic();
        switch (t) {
            case STRING:
                if (!json.isString()) {
                    throw new OvsdbProtocolException("expected a string, got " + json);
                }
                return json.asString();
            case INTEGER:
                if (!json.isIntegralNumber()) {
                    throw new OvsdbProtocolException("expected an integer, got " + json);
                }
                return json.asLong();
            case REAL:
                if (!json.isNumber()) {
                    throw new OvsdbProtocolException("expected a real, got " + json);
                }
                return json.asDouble();
            case BOOLEAN:
                if (!json.isBoolean()) {
                    throw new OvsdbProtocolException("expected a boolean, got " + json);
                }
                return json.asBoolean();
            default:
                if (!isTagged(json, "uuid")) {
                    throw new OvsdbProtocolException("expected [\"uuid\", ...], got " + json);
                }
                return Uuid.of(json.get(1).asString());
        }
    }

    /** Decodes a value without a schema (e.g. an enum constraint): numbers, strings, booleans, tagged arrays. */
    public static Object decodeUntyped(JsonNode json) {
        if (json.isString()) {
            return json.asString();
        }
        if (json.isIntegralNumber()) {
            return json.asLong();
        }
        if (json.isNumber()) {
            return json.asDouble();
        }
        if (json.isBoolean()) {
            return json.asBoolean();
        }
        if (isTagged(json, "uuid")) {
            return Uuid.of(json.get(1).asString());
        }
        if (isTagged(json, "named-uuid")) {
            return Uuid.named(json.get(1).asString());
        }
        if (isTagged(json, "set")) {
            Set<Object> out = new LinkedHashSet<>();
            json.get(1).forEach(e -> out.add(decodeUntyped(e)));
            return Collections.unmodifiableSet(out);
        }
        if (isTagged(json, "map")) {
            Map<Object, Object> out = new LinkedHashMap<>();
            json.get(1).forEach(p -> out.put(decodeUntyped(p.get(0)), decodeUntyped(p.get(1))));
            return Collections.unmodifiableMap(out);
        }
        throw new OvsdbProtocolException("not an OVSDB value: " + json);
    }

    private static boolean isTagged(JsonNode json, String tag) {
        return json.isArray() && json.size() == 2 && json.get(0).isString() && tag.equals(json.get(0).asString());
    }
}
