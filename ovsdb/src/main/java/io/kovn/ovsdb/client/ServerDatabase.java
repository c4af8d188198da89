package io.kovn.ovsdb.client;

import io.kovn.ovsdb.wire.OvsdbJson;
import io.kovn.ovsdb.wire.Uuid;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * One row of the {@code _Server} database's {@code Database} table: what an ovsdb-server says about one of its
 * databases. For a clustered database, {@code connected} means the member is part of a cluster that has a
 * leader (false while it is cut off or while an election goes on), {@code leader} that it is that leader,
 * {@code cid}/{@code sid} identify the cluster and the member, and {@code index} is the last RAFT log entry it
 * applied (-1 when absent).
 */
public record ServerDatabase(String name, String model, boolean connected, boolean leader, String cid, String sid,
                             long index) {
    /** The columns the client monitors. */
    static final Set<String> COLUMNS = Set.of("name", "model", "connected", "leader", "cid", "sid", "index");

    public boolean clustered() {
        return "clustered".equals(model);
    }

    /** Parses a row in RFC 7047 notation; an optional column is a bare atom or {@code ["set", []]}. */
    static ServerDatabase fromJson(JsonNode row) {
        return new ServerDatabase(string(row.get("name")), string(row.get("model")), bool(row.get("connected")),
                bool(row.get("leader")), uuid(row.get("cid")), uuid(row.get("sid")), integer(row.get("index")));
    }

    private static Object atom(JsonNode json) {
        if (json == null || json.isNull()) {
            return null;
        }
        Object v = OvsdbJson.decodeUntyped(json);
        if (v instanceof Set<?> s) {
            return s.isEmpty() ? null : s.iterator().next();
        }
        return v;
    }

    private static String string(JsonNode json) {
        return atom(json) instanceof String s ? s : "";
    }

    private static boolean bool(JsonNode json) {
        return atom(json) instanceof Boolean b && b;
    }

    private static String uuid(JsonNode json) {
        return atom(json) instanceof Uuid u ? u.value() : null;
    }

    private static long integer(JsonNode json) {
        return atom(json) instanceof Long l ? l : -1;
    }
}
