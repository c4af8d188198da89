package io.kovn.bench.scale;

import io.kovn.ovn.Databases;
import io.kovn.ovsdb.wire.OvsdbJson;
import java.io.IOException;
import java.io.InputStream;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.MappingIterator;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The floor of a cold start: the NB content a controller wrote, replayed into an empty NB as plain inserts (each
 * row with its own uuid, so references hold across transactions) in as many transactions of equal row count as
 * the controller used, one after the other over a raw JSON-RPC unix socket: no client library, no replica, no
 * reconciliation. A root row goes with the non-root rows it owns (a switch with its ports, a port group with its
 * ACLs); roots are ordered so what a row refers to is inserted before it.
 */
final class NbReplay {
    /** Roots referred to by others go first; tables not listed follow in schema order. */
    private static final List<String> ROOT_ORDER = List.of("NB_Global", "Load_Balancer", "Load_Balancer_Group",
            "Address_Set", "Logical_Router", "Logical_Switch", "Port_Group");

    private final List<ObjectNode> transactions;
    private final int rows;

    private NbReplay(List<ObjectNode> transactions, int rows) {
        this.transactions = transactions;
        this.rows = rows;
    }

    int rows() {
        return rows;
    }

    /** Reads every row of the database behind {@code socket} and splits them into {@code count} transactions. */
    static NbReplay of(String socket, int count) throws IOException {
        try (Rpc rpc = new Rpc(socket)) {
            JsonNode schema = rpc.call("get_schema", OvsdbJson.NODES.arrayNode().add(Databases.NORTHBOUND)).path("tables");
            List<String> roots = new ArrayList<>();
            Set<String> tables = new HashSet<>();
            ArrayNode params = OvsdbJson.NODES.arrayNode().add(Databases.NORTHBOUND);
            for (Map.Entry<String, JsonNode> t : schema.properties()) {
                tables.add(t.getKey());
                if (t.getValue().path("isRoot").asBoolean(false)) {
                    roots.add(t.getKey());
                }
                params.addObject().put("op", "select").put("table", t.getKey()).putArray("where");
            }
            roots.sort((a, b) -> Integer.compare(rank(a), rank(b)));
            JsonNode result = rpc.call("transact", params);
            Map<String, String> tableOf = new HashMap<>();
            Map<String, ObjectNode> byUuid = new LinkedHashMap<>();
            int i = 0;
            for (Map.Entry<String, JsonNode> t : schema.properties()) {
                for (JsonNode row : result.get(i++).path("rows")) {
                    String uuid = row.path("_uuid").get(1).asString();
                    ObjectNode r = ((ObjectNode) row).deepCopy();
                    r.remove("_uuid");
                    r.remove("_version");
                    byUuid.put(uuid, r);
                    tableOf.put(uuid, t.getKey());
                }
            }
            // units: each root row with the non-root rows it reaches
            List<List<ObjectNode>> units = new ArrayList<>();
            Set<String> placed = new HashSet<>();
            for (String table : roots) {
                for (Map.Entry<String, ObjectNode> e : byUuid.entrySet()) {
                    if (table.equals(tableOf.get(e.getKey()))) {
                        List<ObjectNode> unit = new ArrayList<>();
                        collect(e.getKey(), byUuid, tableOf, roots, placed, unit);
                        units.add(unit);
                    }
                }
            }
            int rows = units.stream().mapToInt(List::size).sum();
            int per = Math.max(1, (rows + count - 1) / Math.max(1, count));
            List<ObjectNode> txns = new ArrayList<>();
            ArrayNode ops = null;
            for (List<ObjectNode> unit : units) {
                if (ops == null || ops.size() - 1 >= per) {
                    ObjectNode txn = OvsdbJson.NODES.objectNode();
                    ops = txn.putArray("params").add(Databases.NORTHBOUND);
                    txns.add(txn);
                }
                unit.forEach(ops::add);
            }
            return new NbReplay(txns, rows);
        }
    }

    private static int rank(String table) {
        int i = ROOT_ORDER.indexOf(table);
        return i < 0 ? ROOT_ORDER.size() : i;
    }

    /** Adds the insert of {@code uuid} and, first, of every non-root row it refers to that no unit took yet. */
    private static void collect(String uuid, Map<String, ObjectNode> byUuid, Map<String, String> tableOf,
                                List<String> roots, Set<String> placed, List<ObjectNode> unit) {
        if (!placed.add(uuid)) {
            return;
        }
        ObjectNode row = byUuid.get(uuid);
        List<String> refs = new ArrayList<>();
        row.forEach(v -> uuids(v, refs));
        for (String ref : refs) {
            String t = tableOf.get(ref);
            if (t != null && !roots.contains(t)) {
                collect(ref, byUuid, tableOf, roots, placed, unit);
            }
        }
        ObjectNode insert = OvsdbJson.NODES.objectNode().put("op", "insert").put("table", tableOf.get(uuid)).put("uuid", uuid);
        insert.set("row", row);
        unit.add(insert);
    }

    private static void uuids(JsonNode v, List<String> out) {
        if (v.isArray() && v.size() == 2 && "uuid".equals(v.get(0).asString(""))) {
            out.add(v.get(1).asString());
        } else if (v.isArray()) {
            v.forEach(x -> uuids(x, out));
        }
    }

    int transactions() {
        return transactions.size();
    }

    /** Sends the transactions one after the other into the (empty) database behind {@code socket}; returns ns. */
    long replay(String socket) throws IOException {
        try (Rpc rpc = new Rpc(socket)) {
            long start = System.nanoTime();
            for (ObjectNode txn : transactions) {
                JsonNode result = rpc.call("transact", (ArrayNode) txn.get("params"));
                for (JsonNode r : result) {
                    if (r.has("error")) {
                        throw new IllegalStateException("replay transaction failed: " + r);
                    }
                }
            }
            return System.nanoTime() - start;
        }
    }

    /** One JSON-RPC connection: a request, then its reply (echo requests answered in between). */
    private static final class Rpc implements AutoCloseable {
        private final SocketChannel channel;
        private MappingIterator<JsonNode> replies;
        private int id;

        Rpc(String socket) throws IOException {
            channel = SocketChannel.open(UnixDomainSocketAddress.of(socket.replaceFirst("^unix:", "")));
        }

        JsonNode call(String method, ArrayNode params) throws IOException {
            ObjectNode req = OvsdbJson.NODES.objectNode().put("method", method).put("id", ++id);
            req.set("params", params);
            send(req);
            if (replies == null) { // the parser reads ahead as soon as it exists: only once there is a reply to read
                InputStream in = Channels.newInputStream(channel);
                replies = OvsdbJson.MAPPER.readerFor(JsonNode.class).readValues(in);
            }
            while (true) {
                JsonNode msg = replies.next();
                if ("echo".equals(msg.path("method").asString(""))) {
                    ObjectNode reply = OvsdbJson.NODES.objectNode();
                    reply.set("id", msg.get("id"));
                    reply.set("result", msg.get("params"));
                    reply.putNull("error");
                    send(reply);
                } else if (msg.path("id").asInt(-1) == id) {
                    if (!msg.path("error").isNull() && !msg.path("error").isMissingNode()) {
                        throw new IllegalStateException(method + " failed: " + msg.get("error"));
                    }
                    return msg.get("result");
                }
            }
        }

        private void send(ObjectNode msg) throws IOException {
            ByteBuffer b = ByteBuffer.wrap(msg.toString().getBytes(StandardCharsets.UTF_8));
            while (b.hasRemaining()) {
                channel.write(b);
            }
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }
}
