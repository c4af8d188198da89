package io.kovn.ovsdb.client;

import io.netty.channel.Channel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * What one connection's server says about its databases ({@code _Server}'s {@code Database} table), kept current
 * by a plain {@code monitor}: its updates carry whole rows, so no diff needs applying.
 */
final class ServerView {
    static final String DATABASE = "_Server";
    static final String TABLE = "Database";

    final Channel channel;
    final Remote remote;
    private final Map<String, ServerDatabase> rows = new LinkedHashMap<>();

    ServerView(Channel channel, Remote remote) {
        this.channel = channel;
        this.remote = remote;
    }

    /** Applies a monitor reply or {@code update} notification: {@code {"Database": {uuid: {"old": .., "new": ..}}}}. */
    synchronized void apply(JsonNode tableUpdates) {
        JsonNode table = tableUpdates.path(TABLE);
        for (Map.Entry<String, JsonNode> e : table.properties()) {
            JsonNode row = e.getValue().get("new");
            if (row == null || row.isNull()) {
                rows.remove(e.getKey());
            } else {
                rows.put(e.getKey(), ServerDatabase.fromJson(row));
            }
        }
    }

    synchronized List<ServerDatabase> databases() {
        return new ArrayList<>(rows.values());
    }
}
