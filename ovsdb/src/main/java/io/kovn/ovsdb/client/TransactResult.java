package io.kovn.ovsdb.client;

import io.kovn.ovsdb.model.Row;
import io.kovn.ovsdb.model.Table;
import io.kovn.ovsdb.schema.DatabaseSchema;
import io.kovn.ovsdb.schema.TableSchema;
import io.kovn.ovsdb.wire.Operation;
import io.kovn.ovsdb.wire.Uuid;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/** The results of a committed transaction, one per operation, in order. */
public final class TransactResult {
    private final DatabaseSchema schema;
    private final List<Operation> operations;
    private final List<JsonNode> results;

    TransactResult(DatabaseSchema schema, List<Operation> operations, List<JsonNode> results) {
        this.schema = schema;
        this.operations = operations;
        this.results = results;
    }

    public int size() {
        return operations.size();
    }

    /** The uuid the server gave the row inserted by operation {@code index}. */
    public Uuid uuid(int index) {
        JsonNode u = results.get(index).path("uuid");
        if (!u.isArray()) {
            throw new IllegalArgumentException("operation " + index + " is not an insert");
        }
        return Uuid.of(u.get(1).asString());
    }

    /** The number of rows an update, mutate or delete matched. */
    public long count(int index) {
        return results.get(index).path("count").asLong();
    }

    /** The rows a select returned. */
    public List<Row> rows(int index) {
        TableSchema table = schema.table(operations.get(index).table());
        List<Row> rows = new ArrayList<>();
        for (JsonNode r : results.get(index).path("rows")) {
            rows.add(Row.fromJson(table, null, r));
        }
        return rows;
    }

    public <M> List<M> rows(int index, Table<M> table) {
        return rows(index).stream().map(table::wrap).toList();
    }

    /** The raw JSON result of operation {@code index}. */
    public JsonNode raw(int index) {
        return results.get(index);
    }
}
