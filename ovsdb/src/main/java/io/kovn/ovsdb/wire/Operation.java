package io.kovn.ovsdb.wire;

import io.kovn.ovsdb.model.Column;
import io.kovn.ovsdb.model.Table;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * One operation of a {@code transact} request (RFC 7047 section 5.2). Operations are immutable values: the
 * builder-style methods return a new operation, and a list of them composes into one transaction.
 */
public sealed interface Operation {

    /** The table the operation works on, or null for comment and abort. */
    String table();

    JsonNode toJson();

    static Insert insert(Table<?> table) {
        return new Insert(table.name(), null, Map.of());
    }

    static Select select(Table<?> table) {
        return new Select(table.name(), List.of(), null);
    }

    static Update update(Table<?> table) {
        return new Update(table.name(), List.of(), Map.of());
    }

    static Mutate mutate(Table<?> table) {
        return new Mutate(table.name(), List.of(), List.of());
    }

    static Delete delete(Table<?> table) {
        return new Delete(table.name(), List.of());
    }

    static Wait waitUntil(Table<?> table) {
        return new Wait(table.name(), null, List.of(), null, true, List.of());
    }

    static Comment comment(String text) {
        return new Comment(text);
    }

    static Abort abort() {
        return new Abort();
    }

    private static ObjectNode op(String name, String table) {
        ObjectNode n = OvsdbJson.NODES.objectNode().put("op", name);
        if (table != null) {
            n.put("table", table);
        }
        return n;
    }

    private static ArrayNode encodeWhere(List<Condition> where) {
        ArrayNode a = OvsdbJson.NODES.arrayNode();
        where.forEach(c -> a.add(c.toJson()));
        return a;
    }

    private static ObjectNode encodeRow(Map<String, Object> row) {
        ObjectNode n = OvsdbJson.NODES.objectNode();
        row.forEach((k, v) -> n.set(k, OvsdbJson.encode(v)));
        return n;
    }

    private static <E> List<E> plus(List<E> list, E[] more) {
        List<E> out = new ArrayList<>(list);
        out.addAll(Arrays.asList(more));
        return Collections.unmodifiableList(out);
    }

    private static Map<String, Object> plus(Map<String, Object> map, String column, Object value) {
        Map<String, Object> out = new LinkedHashMap<>(map);
        out.put(column, value);
        return Collections.unmodifiableMap(out);
    }

    /**
     * Insert a row; {@code uuidName} lets later operations of the transaction refer to it, or the client chooses its
     * {@code uuid} (an extension of RFC 7047 since Open vSwitch 2.13), which later transactions can name as well: a
     * full sync streamed in several transactions refers to rows an earlier one inserted before the replica shows them.
     */
    record Insert(String table, String uuidName, Uuid uuid, Map<String, Object> row) implements Operation {
        public Insert(String table, String uuidName, Map<String, Object> row) {
            this(table, uuidName, null, row);
        }

        public Insert named(String name) {
            Uuid.named(name); // validates the name
            return new Insert(table, name, null, row);
        }

        /** The row's uuid chosen by the client: canonical, not named. */
        public Insert withUuid(Uuid chosen) {
            if (!chosen.isCanonical()) { // neither named nor some other text
                throw new IllegalArgumentException("a chosen row uuid must be canonical: " + chosen);
            }
            return new Insert(table, null, chosen, row);
        }

        /** The reference other operations use for this row: its chosen uuid, else its uuid-name. */
        public Uuid ref() {
            if (uuid != null) {
                return uuid;
            }
            if (uuidName == null) {
                throw new IllegalStateException("insert into " + table + " has no uuid-name");
            }
            return Uuid.named(uuidName);
        }

        public <T> Insert set(Column<T> column, T value) {
            return new Insert(table, uuidName, uuid, plus(row, column.name(), value));
        }

        public Insert set(String column, Object value) {
            return new Insert(table, uuidName, uuid, plus(row, column, value));
        }

        @Override
        public JsonNode toJson() {
            ObjectNode n = op("insert", table).set("row", Operation.encodeRow(row));
            if (uuidName != null) {
                n.put("uuid-name", uuidName);
            }
            if (uuid != null) {
                n.put("uuid", uuid.value());
            }
            return n;
        }
    }

    record Select(String table, List<Condition> where, List<String> columns) implements Operation {
        public Select where(Condition... conditions) {
            return new Select(table, plus(where, conditions), columns);
        }

        public Select columns(Column<?>... cols) {
            return new Select(table, where, Arrays.stream(cols).map(Column::name).toList());
        }

        @Override
        public JsonNode toJson() {
            ObjectNode n = op("select", table).set("where", Operation.encodeWhere(where));
            if (columns != null) {
                ArrayNode c = n.putArray("columns");
                columns.forEach(c::add);
            }
            return n;
        }
    }

    record Update(String table, List<Condition> where, Map<String, Object> row) implements Operation {
        public Update where(Condition... conditions) {
            return new Update(table, plus(where, conditions), row);
        }

        public <T> Update set(Column<T> column, T value) {
            return new Update(table, where, plus(row, column.name(), value));
        }

        public Update set(String column, Object value) {
            return new Update(table, where, plus(row, column, value));
        }

        @Override
        public JsonNode toJson() {
            return op("update", table).<ObjectNode>set("where", Operation.encodeWhere(where)).set("row", Operation.encodeRow(row));
        }
    }

    record Mutate(String table, List<Condition> where, List<Mutation> mutations) implements Operation {
        public Mutate where(Condition... conditions) {
            return new Mutate(table, plus(where, conditions), mutations);
        }

        public Mutate with(Mutation... more) {
            return new Mutate(table, where, plus(mutations, more));
        }

        @Override
        public JsonNode toJson() {
            ArrayNode m = OvsdbJson.NODES.arrayNode();
            mutations.forEach(x -> m.add(x.toJson()));
            return op("mutate", table).<ObjectNode>set("where", Operation.encodeWhere(where)).set("mutations", m);
        }
    }

    record Delete(String table, List<Condition> where) implements Operation {
        public Delete where(Condition... conditions) {
            return new Delete(table, plus(where, conditions));
        }

        @Override
        public JsonNode toJson() {
            return op("delete", table).set("where", Operation.encodeWhere(where));
        }
    }

    /**
     * Wait until the rows matching {@code where}, projected on {@code columns}, are ({@code equal}) or are not
     * exactly {@code rows}; {@code timeoutMs} null waits forever, 0 checks once.
     */
    record Wait(String table, Long timeoutMs, List<Condition> where, List<String> columns, boolean equal,
                List<Map<String, Object>> rows) implements Operation {
        public Wait where(Condition... conditions) {
            return new Wait(table, timeoutMs, plus(where, conditions), columns, equal, rows);
        }

        public Wait timeout(long ms) {
            return new Wait(table, ms, where, columns, equal, rows);
        }

        /** Until the selected rows, restricted to {@code cols}, are exactly {@code expected}. */
        public Wait equalTo(List<String> cols, List<Map<String, Object>> expected) {
            return new Wait(table, timeoutMs, where, List.copyOf(cols), true, List.copyOf(expected));
        }

        public Wait notEqualTo(List<String> cols, List<Map<String, Object>> expected) {
            return new Wait(table, timeoutMs, where, List.copyOf(cols), false, List.copyOf(expected));
        }

        @Override
        public JsonNode toJson() {
            ObjectNode n = op("wait", table);
            if (timeoutMs != null) {
                n.put("timeout", timeoutMs);
            }
            n.set("where", Operation.encodeWhere(where));
            ArrayNode c = n.putArray("columns");
            Optional.ofNullable(columns).orElse(List.of()).forEach(c::add);
            n.put("until", equal ? "==" : "!=");
            ArrayNode r = n.putArray("rows");
            rows.forEach(x -> r.add(Operation.encodeRow(x)));
            return n;
        }
    }

    record Comment(String text) implements Operation {
        @Override
        public String table() {
            return null;
        }

        @Override
        public JsonNode toJson() {
            return op("comment", null).put("comment", text);
        }
    }

    record Abort() implements Operation {
        @Override
        public String table() {
            return null;
        }

        @Override
        public JsonNode toJson() {
            return op("abort", null);
        }
    }
}
