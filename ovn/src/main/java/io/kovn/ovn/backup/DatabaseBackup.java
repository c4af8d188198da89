package io.kovn.ovn.backup;

import io.kovn.ovsdb.client.OvsdbClient;
import io.kovn.ovsdb.schema.DatabaseSchema;
import io.kovn.ovsdb.schema.TableSchema;
import io.kovn.ovsdb.wire.OvsdbJson;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A consistent snapshot of a whole OVSDB database (OVN Northbound, typically) taken with one {@code select} per
 * table in a single transaction, written as JSON; and its restore, in one transaction, into a database that is
 * empty but for the rows of one-row tables (NB_Global, which ovn-northd creates at once), so a lost cluster can be recreated
 * with the same rows. Row uuids are not kept (OVSDB chooses them); references between rows are.
 */
public final class DatabaseBackup {
    static final String FORMAT = "kovn-ovsdb-backup/1";
    /** A backup larger than this is refused on restore (NB with 5000 pods is a few MB). */
    static final long MAX_FILE_BYTES = 1L << 30;
    private static final Pattern UUID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    private static final Duration TIMEOUT = Duration.ofMinutes(2);

    private DatabaseBackup() {
    }

    /** What a backup holds or a restore wrote. */
    public record Summary(String database, String schemaVersion, Map<String, Integer> rowsPerTable) {
        public int rows() {
            return rowsPerTable.values().stream().mapToInt(Integer::intValue).sum();
        }
    }

    /** Writes every row of {@code db} to {@code file} (mode 0600: NB may name key files), atomically. */
    public static Summary backup(OvsdbClient client, String db, Path file) throws Exception {
        DatabaseSchema schema = client.getSchema(db).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        List<String> tables = List.copyOf(schema.tables().keySet());
        ArrayNode params = OvsdbJson.NODES.arrayNode().add(db);
        for (String t : tables) {
            params.addObject().put("op", "select").put("table", t).putArray("where");
        }
        JsonNode results = client.call("transact", params, TIMEOUT, r -> r).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        failOnError(results, "backup of " + db);
        ObjectNode out = OvsdbJson.NODES.objectNode().put("format", FORMAT).put("database", db)
                .put("schemaVersion", schema.version());
        ObjectNode data = out.putObject("tables");
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (int i = 0; i < tables.size(); i++) {
            ArrayNode rows = data.putArray(tables.get(i));
            for (JsonNode row : results.get(i).path("rows")) {
                ObjectNode copy = ((ObjectNode) row).deepCopy();
                copy.remove("_version");
                rows.add(copy);
            }
            counts.put(tables.get(i), rows.size());
        }
        Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), ".backup-", ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            OvsdbJson.MAPPER.writeValue(tmp.toFile(), out);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
        return new Summary(db, schema.version(), counts);
    }

    /**
     * Restores {@code file} into its database on {@code client}'s server in one transaction. Every table must be
     * empty there, except a table the schema limits to one row (NB_Global): its row is updated. The transaction itself checks that the tables are still empty, so a concurrent writer makes it fail
     * rather than mix.
     */
    public static Summary restore(OvsdbClient client, Path file) throws Exception {
        if (Files.size(file) > MAX_FILE_BYTES) {
            throw new IllegalArgumentException(file + " is larger than " + MAX_FILE_BYTES + " bytes: not a backup");
        }
        JsonNode backup = OvsdbJson.MAPPER.readTree(file.toFile());
        if (!backup.isObject() || !FORMAT.equals(backup.path("format").asString(""))) {
            throw new IllegalArgumentException(file + " is not a kovn backup (format " + FORMAT + ")");
        }
        String db = backup.path("database").asString("");
        DatabaseSchema schema = client.getSchema(db).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        JsonNode tables = backup.path("tables");
        if (!tables.isObject()) {
            throw new IllegalArgumentException(file + " has no tables");
        }
        Map<String, String> names = new HashMap<>(); // backed-up uuid -> uuid-name in the restore transaction
        for (Map.Entry<String, JsonNode> t : tables.properties()) {
            if (!schema.tables().containsKey(t.getKey()) || !t.getValue().isArray()) {
                throw new IllegalArgumentException(file + ": table " + t.getKey() + " is not in " + db + " "
                        + schema.version() + "'s schema");
            }
            for (JsonNode row : t.getValue()) {
                String uuid = row.path("_uuid").path(1).asString("");
                if (!UUID.matcher(uuid).matches()) {
                    throw new IllegalArgumentException(file + ": a row of " + t.getKey() + " has no valid _uuid");
                }
                names.put(uuid, "row_" + uuid.replace('-', '_'));
            }
        }
        Map<String, List<String>> existing = existingRows(client, db, schema);
        Set<String> singletons = singletonTables(client, db);
        ArrayNode params = OvsdbJson.NODES.arrayNode().add(db);
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> t : tables.properties()) {
            String table = t.getKey();
            List<String> present = existing.getOrDefault(table, List.of());
            JsonNode rows = t.getValue();
            if (!present.isEmpty() && !(singletons.contains(table) && rows.size() == 1)) {
                throw new IllegalStateException(db + " is not empty: table " + table + " has " + present.size()
                        + " rows; restore needs a new, empty database");
            }
            TableSchema ts = schema.table(table);
            for (JsonNode row : rows) {
                ObjectNode values = OvsdbJson.NODES.objectNode();
                for (Map.Entry<String, JsonNode> c : row.properties()) {
                    if (ts.columns().containsKey(c.getKey())) {
                        values.set(c.getKey(), renamed(c.getValue(), names));
                    }
                }
                if (present.isEmpty()) {
                    params.addObject().put("op", "insert").put("table", table)
                            .put("uuid-name", names.get(row.path("_uuid").path(1).asString())).set("row", values);
                } else {
                    ObjectNode op = params.addObject().put("op", "update").put("table", table);
                    op.putArray("where").add(OvsdbJson.NODES.arrayNode().add("_uuid").add("==")
                            .add(OvsdbJson.NODES.arrayNode().add("uuid").add(present.get(0))));
                    op.set("row", values);
                }
            }
            if (present.isEmpty()) { // still empty when the transaction runs
                ObjectNode wait = params.insertObject(1).put("op", "wait").put("table", table).put("timeout", 0)
                        .put("until", "==");
                wait.putArray("where");
                wait.putArray("columns").add("_uuid");
                wait.putArray("rows");
            }
            counts.put(table, rows.size());
        }
        JsonNode results = client.call("transact", params, TIMEOUT, r -> r).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        failOnError(results, "restore of " + file + " into " + db);
        return new Summary(db, backup.path("schemaVersion").asString(""), counts);
    }

    /** Tables the schema limits to one row (maxRows 1, as NB_Global): read from the raw schema, which has it. */
    private static Set<String> singletonTables(OvsdbClient client, String db) throws Exception {
        JsonNode schema = client.call("get_schema", OvsdbJson.NODES.arrayNode().add(db), TIMEOUT, r -> r)
                .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        Set<String> out = new HashSet<>();
        for (Map.Entry<String, JsonNode> t : schema.path("tables").properties()) {
            if (t.getValue().path("maxRows").asInt(0) == 1) {
                out.add(t.getKey());
            }
        }
        return out;
    }

    private static Map<String, List<String>> existingRows(OvsdbClient client, String db, DatabaseSchema schema)
            throws Exception {
        List<String> tables = List.copyOf(schema.tables().keySet());
        ArrayNode params = OvsdbJson.NODES.arrayNode().add(db);
        for (String t : tables) {
            ObjectNode op = params.addObject().put("op", "select").put("table", t);
            op.putArray("where");
            op.putArray("columns").add("_uuid");
        }
        JsonNode results = client.call("transact", params, TIMEOUT, r -> r).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        failOnError(results, "reading " + db);
        Map<String, List<String>> out = new HashMap<>();
        for (int i = 0; i < tables.size(); i++) {
            List<String> uuids = new ArrayList<>();
            results.get(i).path("rows").forEach(r -> uuids.add(r.path("_uuid").path(1).asString()));
            out.put(tables.get(i), uuids);
        }
        return out;
    }

    /** {@code value} with every reference to a backed-up row turned into the uuid-name of its insert. */
    private static JsonNode renamed(JsonNode value, Map<String, String> names) {
        String tag = value.isArray() && value.size() == 2 ? value.get(0).asString("") : "";
        switch (tag) {
            case "set" -> {
                ArrayNode atoms = OvsdbJson.NODES.arrayNode();
                value.get(1).forEach(a -> atoms.add(renamedAtom(a, names)));
                return OvsdbJson.NODES.arrayNode().add("set").add(atoms);
            }
            case "map" -> {
                ArrayNode pairs = OvsdbJson.NODES.arrayNode();
                value.get(1).forEach(p -> pairs.add(OvsdbJson.NODES.arrayNode().add(renamedAtom(p.get(0), names))
                        .add(renamedAtom(p.get(1), names))));
                return OvsdbJson.NODES.arrayNode().add("map").add(pairs);
            }
            default -> {
                return renamedAtom(value, names);
            }
        }
    }

    private static JsonNode renamedAtom(JsonNode atom, Map<String, String> names) {
        if (atom.isArray() && atom.size() == 2 && "uuid".equals(atom.get(0).asString(""))
                && names.containsKey(atom.get(1).asString(""))) {
            return OvsdbJson.NODES.arrayNode().add("named-uuid").add(names.get(atom.get(1).asString()));
        }
        return atom;
    }

    private static void failOnError(JsonNode results, String what) {
        if (!results.isArray()) {
            throw new IllegalStateException(what + ": unexpected reply " + results);
        }
        for (JsonNode r : results) {
            if (r != null && r.hasNonNull("error")) {
                throw new IllegalStateException(what + " failed: " + r.path("error").asString() + ": "
                        + r.path("details").asString(""));
            }
        }
    }
}
