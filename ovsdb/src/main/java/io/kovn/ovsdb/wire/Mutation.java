package io.kovn.ovsdb.wire;

import tools.jackson.databind.JsonNode;

/** A mutation (RFC 7047 section 5.1): {@code [column, mutator, value]}. */
public record Mutation(String column, Mutator mutator, Object value) {

    public enum Mutator {
        ADD("+="), SUBTRACT("-="), MULTIPLY("*="), DIVIDE("/="), MODULO("%="), INSERT("insert"), DELETE("delete");

        final String wire;

        Mutator(String wire) {
            this.wire = wire;
        }
    }

    public JsonNode toJson() {
        return OvsdbJson.NODES.arrayNode().add(column).add(mutator.wire).add(OvsdbJson.encode(value));
    }
}
