package io.kovn.ovsdb.schema;

import io.kovn.ovsdb.wire.OvsdbJson;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.JsonNode;

/** A database schema as returned by {@code get_schema} or stored in an {@code .ovsschema} file. */
public record DatabaseSchema(String name, String version, Map<String, TableSchema> tables) {

    public TableSchema table(String table) {
        TableSchema t = tables.get(table);
        if (t == null) {
            throw new IllegalArgumentException("database " + name + " has no table '" + table + "'");
        }
        return t;
    }

    public static DatabaseSchema read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return parse(OvsdbJson.MAPPER.readTree(in));
        }
    }

    public static DatabaseSchema parse(JsonNode json) {
        Map<String, TableSchema> tables = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> t : json.required("tables").properties()) {
            tables.put(t.getKey(), parseTable(t.getKey(), t.getValue()));
        }
        return new DatabaseSchema(json.required("name").asString(),
                json.path("version").asString(""), Collections.unmodifiableMap(tables));
    }

    private static TableSchema parseTable(String name, JsonNode json) {
        Map<String, ColumnSchema> columns = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> c : json.required("columns").properties()) {
            JsonNode col = c.getValue();
            columns.put(c.getKey(), new ColumnSchema(c.getKey(), parseType(col.required("type")),
                    col.path("ephemeral").asBoolean(false), col.path("mutable").asBoolean(true)));
        }
        List<List<String>> indexes = new ArrayList<>();
        for (JsonNode idx : json.path("indexes")) {
            List<String> cols = new ArrayList<>();
            idx.forEach(n -> cols.add(n.asString()));
            indexes.add(List.copyOf(cols));
        }
        return new TableSchema(name, Collections.unmodifiableMap(columns), json.path("isRoot").asBoolean(false),
                List.copyOf(indexes));
    }

    public static ColumnType parseType(JsonNode json) {
        if (json.isString()) {
            return ColumnType.scalar(AtomicType.fromWire(json.asString()));
        }
        BaseType key = parseBase(json.required("key"));
        Optional<BaseType> value = json.has("value") ? Optional.of(parseBase(json.get("value"))) : Optional.empty();
        long min = json.path("min").asLong(1);
        JsonNode maxNode = json.path("max");
        long max = maxNode.isMissingNode() ? 1
                : maxNode.isString() && "unlimited".equals(maxNode.asString()) ? ColumnType.UNLIMITED : maxNode.asLong();
        return new ColumnType(key, value, min, max);
    }

    private static BaseType parseBase(JsonNode json) {
        if (json.isString()) {
            return BaseType.of(AtomicType.fromWire(json.asString()));
        }
        AtomicType atomic = AtomicType.fromWire(json.required("type").asString());
        List<Object> enumeration = List.of();
        if (json.has("enum")) {
            Object e = OvsdbJson.decodeUntyped(json.get("enum"));
            enumeration = e instanceof java.util.Set<?> s ? List.copyOf(s) : List.of(e);
        }
        Optional<String> refTable = json.has("refTable") ? Optional.of(json.get("refTable").asString()) : Optional.empty();
        boolean strong = !"weak".equals(json.path("refType").asString("strong"));
        return new BaseType(atomic, enumeration, refTable, strong);
    }
}
