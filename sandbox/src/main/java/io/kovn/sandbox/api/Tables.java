package io.kovn.sandbox.api;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The server-side tables {@code kubectl get} asks for ({@code Accept: ...;as=Table}) for pods, nodes, services and
 * EndpointSlices, so that it prints the usual columns (IP and NODE with {@code -o wide}) instead of only NAME and
 * AGE. Other kinds are left as they are; kubectl then prints what it can.
 */
final class Tables {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private record Column(String name, int priority, Function<JsonNode, String> cell) {
    }

    private Tables() {
    }

    /** The resource a list path names (pods, nodes, ...) and the kind of its items. */
    private static final Map<String, String> KINDS = Map.of("pods", "Pod", "nodes", "Node",
            "services", "Service", "endpointslices", "EndpointSlice", "deployments", "Deployment",
            "replicasets", "ReplicaSet", "events", "Event");

    /** The table for a list or a single object of a known kind at {@code path}, or empty. */
    static Optional<String> of(String body, String path) {
        JsonNode doc;
        try {
            doc = JSON.readTree(body);
        } catch (RuntimeException e) {
            return Optional.empty();
        }
        String kind = doc.path("kind").asString("");
        boolean list = kind.endsWith("List");
        String item = list ? KINDS.getOrDefault(path.substring(path.lastIndexOf('/') + 1), "") : kind;
        List<Column> columns = columns(item);
        if (columns == null) {
            return Optional.empty();
        }
        List<JsonNode> items = new ArrayList<>();
        if (list) {
            doc.path("items").forEach(items::add);
        } else {
            items.add(doc);
        }
        ObjectNode table = JSON.createObjectNode().put("kind", "Table").put("apiVersion", "meta.k8s.io/v1");
        table.putObject("metadata").put("resourceVersion", doc.path("metadata").path("resourceVersion").asString(""));
        ArrayNode defs = table.putArray("columnDefinitions");
        for (Column c : columns) {
            defs.addObject().put("name", c.name).put("type", "string").put("format", c.name.equals("Name") ? "name" : "")
                    .put("description", "").put("priority", c.priority);
        }
        ArrayNode rows = table.putArray("rows");
        for (JsonNode o : items) {
            ObjectNode row = rows.addObject();
            ArrayNode cells = row.putArray("cells");
            columns.forEach(c -> cells.add(c.cell.apply(o)));
            ObjectNode obj = row.putObject("object").put("kind", "PartialObjectMetadata").put("apiVersion", "meta.k8s.io/v1");
            obj.set("metadata", o.path("metadata").deepCopy());
        }
        return Optional.of(table.toString());
    }

    private static List<Column> columns(String kind) {
        Column name = new Column("Name", 0, o -> o.path("metadata").path("name").asString(""));
        Column age = new Column("Age", 0, o -> age(o.path("metadata").path("creationTimestamp").asString("")));
        switch (kind) {
            case "Pod":
                return List.of(name,
                        new Column("Ready", 0, o -> count(o.path("status").path("containerStatuses"),
                                s -> s.path("ready").asBoolean()) + "/" + o.path("spec").path("containers").size()),
                        new Column("Status", 0, o -> o.path("metadata").has("deletionTimestamp") ? "Terminating"
                                : o.path("status").path("phase").asString("Pending")),
                        new Column("Restarts", 0, o -> Integer.toString(sum(o.path("status").path("containerStatuses")))),
                        age,
                        new Column("IP", 1, o -> o.path("status").path("podIP").asString("<none>")),
                        new Column("Node", 1, o -> o.path("spec").path("nodeName").asString("<none>")));
            case "Node":
                return List.of(name,
                        new Column("Status", 0, o -> conditionTrue(o, "Ready") ? "Ready" : "NotReady"),
                        new Column("Roles", 0, o -> "<none>"), age,
                        new Column("Version", 0, o -> o.path("status").path("nodeInfo").path("kubeletVersion").asString("")),
                        new Column("Internal-IP", 1, o -> internalIp(o)));
            case "Service":
                return List.of(name,
                        new Column("Type", 0, o -> o.path("spec").path("type").asString("ClusterIP")),
                        new Column("Cluster-IP", 0, o -> o.path("spec").path("clusterIP").asString("<pending>")),
                        new Column("External-IP", 0, o -> "<none>"),
                        new Column("Port(s)", 0, o -> ports(o.path("spec").path("ports"))), age,
                        new Column("Selector", 1, o -> selector(o.path("spec").path("selector"))));
            case "Deployment":
                return List.of(name,
                        new Column("Ready", 0, o -> status(o, "readyReplicas") + "/" + o.path("spec").path("replicas").asInt(1)),
                        new Column("Up-to-date", 0, o -> status(o, "updatedReplicas")),
                        new Column("Available", 0, o -> status(o, "availableReplicas")), age,
                        new Column("Containers", 1, o -> containers(o, "name")),
                        new Column("Images", 1, o -> containers(o, "image")),
                        new Column("Selector", 1, o -> selector(o.path("spec").path("selector").path("matchLabels"))));
            case "ReplicaSet":
                return List.of(name,
                        new Column("Desired", 0, o -> Integer.toString(o.path("spec").path("replicas").asInt(1))),
                        new Column("Current", 0, o -> status(o, "replicas")),
                        new Column("Ready", 0, o -> status(o, "readyReplicas")), age,
                        new Column("Containers", 1, o -> containers(o, "name")),
                        new Column("Images", 1, o -> containers(o, "image")),
                        new Column("Selector", 1, o -> selector(o.path("spec").path("selector").path("matchLabels"))));
            case "Event":
                return List.of(
                        new Column("Last Seen", 0, o -> age(o.path("lastTimestamp").asString(
                                o.path("eventTime").asString(o.path("metadata").path("creationTimestamp").asString(""))))),
                        new Column("Type", 0, o -> o.path("type").asString("")),
                        new Column("Reason", 0, o -> o.path("reason").asString("")),
                        new Column("Object", 0, o -> o.path("involvedObject").path("kind").asString("").toLowerCase()
                                + "/" + o.path("involvedObject").path("name").asString("")),
                        new Column("Message", 0, o -> o.path("message").asString("")));
            case "EndpointSlice":
                return List.of(name,
                        new Column("AddressType", 0, o -> o.path("addressType").asString("")),
                        new Column("Ports", 0, o -> endpointPorts(o.path("ports"))),
                        new Column("Endpoints", 0, o -> endpoints(o.path("endpoints"))), age);
            default:
                return null;
        }
    }

    private static String status(JsonNode o, String field) {
        return Integer.toString(o.path("status").path(field).asInt(0));
    }

    private static String containers(JsonNode o, String field) {
        List<String> out = new ArrayList<>();
        o.path("spec").path("template").path("spec").path("containers").forEach(c -> out.add(c.path(field).asString("")));
        return String.join(",", out);
    }

    private static int count(JsonNode array, Predicate<JsonNode> p) {
        int n = 0;
        for (JsonNode e : array) {
            n += p.test(e) ? 1 : 0;
        }
        return n;
    }

    private static int sum(JsonNode statuses) {
        int n = 0;
        for (JsonNode s : statuses) {
            n += s.path("restartCount").asInt();
        }
        return n;
    }

    private static boolean conditionTrue(JsonNode o, String type) {
        for (JsonNode c : o.path("status").path("conditions")) {
            if (type.equals(c.path("type").asString("")) && "True".equals(c.path("status").asString(""))) {
                return true;
            }
        }
        return false;
    }

    private static String internalIp(JsonNode o) {
        for (JsonNode a : o.path("status").path("addresses")) {
            if ("InternalIP".equals(a.path("type").asString(""))) {
                return a.path("address").asString("");
            }
        }
        return "<none>";
    }

    private static String ports(JsonNode ports) {
        List<String> out = new ArrayList<>();
        ports.forEach(p -> out.add(p.path("port").asInt() + "/" + p.path("protocol").asString("TCP")));
        return out.isEmpty() ? "<none>" : String.join(",", out);
    }

    private static String endpointPorts(JsonNode ports) {
        List<String> out = new ArrayList<>();
        ports.forEach(p -> out.add(Integer.toString(p.path("port").asInt())));
        return out.isEmpty() ? "<unset>" : String.join(",", out);
    }

    private static String endpoints(JsonNode endpoints) {
        List<String> out = new ArrayList<>();
        endpoints.forEach(e -> e.path("addresses").forEach(a -> out.add(a.asString(""))));
        if (out.isEmpty()) {
            return "<none>";
        }
        return out.size() <= 3 ? String.join(",", out) : String.join(",", out.subList(0, 3)) + " + " + (out.size() - 3)
                + " more...";
    }

    private static String selector(JsonNode selector) {
        List<String> out = new ArrayList<>();
        selector.properties().forEach(e -> out.add(e.getKey() + "=" + e.getValue().asString("")));
        return out.isEmpty() ? "<none>" : String.join(",", out);
    }

    /** kubectl's short ages: 42s, 5m3s, 2h, 3d. */
    static String age(String timestamp) {
        if (timestamp.isEmpty()) {
            return "<unknown>";
        }
        long s = Math.max(0, Duration.between(Instant.parse(timestamp), Instant.now()).toSeconds());
        if (s < 120) {
            return s + "s";
        }
        if (s < 600) {
            return s / 60 + "m" + (s % 60 == 0 ? "" : s % 60 + "s");
        }
        if (s < 3 * 3600) {
            return s / 60 + "m";
        }
        return s < 48 * 3600 ? s / 3600 + "h" : s / 86400 + "d";
    }
}
