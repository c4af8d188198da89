package io.kovn.ovsdb.wire;

import tools.jackson.databind.JsonNode;

/** A condition of a {@code where} clause (RFC 7047 section 5.1): {@code [column, function, value]}. */
public record Condition(String column, Function function, Object value) {

    public enum Function {
        LT("<"), LE("<="), EQ("=="), NE("!="), GE(">="), GT(">"), INCLUDES("includes"), EXCLUDES("excludes");

        final String wire;

        Function(String wire) {
            this.wire = wire;
        }
    }

    /** Matches the row with this uuid. */
    public static Condition uuid(Uuid uuid) {
        return new Condition("_uuid", Function.EQ, uuid);
    }

    /** Matches every row: monitor_cond's {@code true}. */
    public static final Condition TRUE = new Condition(null, Function.EQ, Boolean.TRUE);

    public JsonNode toJson() {
        if (column == null) {
            return OvsdbJson.NODES.booleanNode((Boolean) value);
        }
        return OvsdbJson.NODES.arrayNode().add(column).add(function.wire).add(OvsdbJson.encode(value));
    }
}
