package io.kovn.sandbox.api;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Turns a request body in Kubernetes' protobuf encoding ({@code application/vnd.kubernetes.protobuf}: the
 * bytes {@code k8s\0}, then a runtime.Unknown holding the apiVersion, kind and the object's message) into the
 * JSON the stored objects are kept in. kubectl 1.32 sends its typed requests ({@code create namespace},
 * {@code create deployment}, ...) this way and does not retry in JSON when refused. The messages are read by
 * {@link ProtoSchema}; the types whose JSON form is not their message's (Time, Quantity, IntOrString, ...)
 * are converted as kube-apiserver's JSON encoder writes them. Empty strings and zero times are left out, as
 * Go's {@code omitempty} leaves most of them out.
 */
final class ProtobufBody {
    static final String CONTENT_TYPE = "application/vnd.kubernetes.protobuf";
    private static final byte[] MAGIC = {'k', '8', 's', 0};
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String META = "k8s.io.apimachinery.pkg.apis.meta.v1.";
    static final Map<String, String> GROUP_PACKAGES = Map.of("v1", "k8s.io.api.core.v1",
            "apps/v1", "k8s.io.api.apps.v1", "networking.k8s.io/v1", "k8s.io.api.networking.v1",
            "discovery.k8s.io/v1", "k8s.io.api.discovery.v1", "coordination.k8s.io/v1", "k8s.io.api.coordination.v1",
            "events.k8s.io/v1", "k8s.io.api.events.v1");

    private final ProtoSchema schema;

    ProtobufBody(ProtoSchema schema) {
        this.schema = schema;
    }

    /** The body as JSON; an IllegalArgumentException names what could not be read. */
    ObjectNode toJson(byte[] body) {
        if (body.length < MAGIC.length || !Arrays.equals(body, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            throw new IllegalArgumentException("not a Kubernetes protobuf body (no k8s\\0 prefix)");
        }
        Wire unknown = new Wire(body, MAGIC.length, body.length);
        String apiVersion = "";
        String kind = "";
        byte[] raw = null;
        while (unknown.more()) {
            int tag = unknown.tag();
            if (tag >>> 3 == 1 && (tag & 7) == 2) {
                Wire typeMeta = unknown.sub();
                while (typeMeta.more()) {
                    int t = typeMeta.tag();
                    if (t >>> 3 == 1) {
                        apiVersion = typeMeta.string();
                    } else if (t >>> 3 == 2) {
                        kind = typeMeta.string();
                    } else {
                        typeMeta.skip(t);
                    }
                }
            } else if (tag >>> 3 == 2 && (tag & 7) == 2) {
                raw = unknown.bytes();
            } else {
                unknown.skip(tag);
            }
        }
        String pkg = GROUP_PACKAGES.get(apiVersion);
        String type = kind.equals("DeleteOptions") ? META + kind : pkg + "." + kind;
        if (raw == null || schema.message(type) == null) {
            throw new IllegalArgumentException("no protobuf schema for " + apiVersion + " " + kind);
        }
        ObjectNode out = JSON.createObjectNode().put("apiVersion", apiVersion).put("kind", kind);
        out.setAll(message(new Wire(raw, 0, raw.length), type));
        return out;
    }

    private ObjectNode message(Wire w, String type) {
        Map<Integer, ProtoSchema.Field> fields = schema.message(type);
        ObjectNode out = JSON.createObjectNode();
        while (w.more()) {
            int tag = w.tag();
            ProtoSchema.Field f = fields == null ? null : fields.get(tag >>> 3);
            if (f == null) {
                w.skip(tag);
                continue;
            }
            if (f.isMap()) {
                Wire entry = w.sub();
                String key = "";
                JsonNode value = null;
                while (entry.more()) {
                    int t = entry.tag();
                    if (t >>> 3 == 1) {
                        key = entry.string();
                    } else if (t >>> 3 == 2) {
                        value = value(entry, t, f.valueType());
                    } else {
                        entry.skip(t);
                    }
                }
                ObjectNode map = out.has(f.name()) ? (ObjectNode) out.get(f.name()) : out.putObject(f.name());
                map.set(key, value == null ? JSON.getNodeFactory().stringNode("") : value);
            } else if (f.repeated()) {
                ArrayNode list = out.has(f.name()) ? (ArrayNode) out.get(f.name()) : out.putArray(f.name());
                if ((tag & 7) == 2 && isPackable(f.type())) {
                    Wire packed = w.sub();
                    while (packed.more()) {
                        list.add(scalar(packed, 0, f.type()));
                    }
                } else {
                    JsonNode v = value(w, tag, f.type());
                    list.add(v == null ? JSON.getNodeFactory().nullNode() : v);
                }
            } else {
                JsonNode v = value(w, tag, f.type());
                if (v == null) {
                    out.remove(f.name());
                } else {
                    out.set(f.name(), v);
                }
            }
        }
        return out;
    }

    private static boolean isPackable(String type) {
        return type.equals("int32") || type.equals("int64") || type.equals("bool");
    }

    /** One field's value as JSON, or null where Go would leave it out. */
    private JsonNode value(Wire w, int tag, String type) {
        if (schema.message(type) == null) {
            return scalar(w, tag & 7, type);
        }
        Wire sub = w.sub();
        switch (type) {
            case META + "Time", META + "MicroTime": {
                long seconds = 0;
                long nanos = 0;
                while (sub.more()) {
                    int t = sub.tag();
                    if (t >>> 3 == 1) {
                        seconds = sub.varint();
                    } else if (t >>> 3 == 2) {
                        nanos = sub.varint();
                    } else {
                        sub.skip(t);
                    }
                }
                if (seconds == 0 && nanos == 0) {
                    return null;
                }
                Instant at = Instant.ofEpochSecond(seconds, nanos);
                return JSON.getNodeFactory().stringNode((type.endsWith("MicroTime") ? at.truncatedTo(ChronoUnit.MICROS)
                        : at.truncatedTo(ChronoUnit.SECONDS)).toString());
            }
            case META + "Duration": {
                ObjectNode d = message(sub, type);
                return JSON.getNodeFactory().stringNode(Duration.ofNanos(d.path("duration").asLong()).toString()
                        .substring(2).toLowerCase());
            }
            case "k8s.io.apimachinery.pkg.api.resource.Quantity":
                return message(sub, type).path("string");
            case "k8s.io.apimachinery.pkg.util.intstr.IntOrString": {
                ObjectNode v = message(sub, type);
                return v.path("type").asInt() == 1 ? v.path("strVal") : JSON.getNodeFactory().numberNode(v.path("intVal").asInt());
            }
            case "k8s.io.apimachinery.pkg.runtime.RawExtension", META + "FieldsV1": {
                ObjectNode v = message(sub, type);
                String raw = v.path("raw").asString("");
                return raw.isEmpty() ? null : JSON.readTree(Base64.getDecoder().decode(raw));
            }
            default:
                return message(sub, type);
        }
    }

    private static JsonNode scalar(Wire w, int wireType, String type) {
        var nodes = JSON.getNodeFactory();
        switch (type) {
            case "string": {
                String s = w.string();
                return s.isEmpty() ? null : nodes.stringNode(s);
            }
            case "bytes":
                return nodes.stringNode(Base64.getEncoder().encodeToString(w.bytes()));
            case "bool":
                return nodes.booleanNode(w.varint() != 0);
            case "int32":
                return nodes.numberNode((int) w.varint());
            case "int64":
                return nodes.numberNode(w.varint());
            case "double":
                return nodes.numberNode(Double.longBitsToDouble(w.fixed64()));
            default:
                throw new IllegalArgumentException("unsupported protobuf type " + type + " (wire type " + wireType + ")");
        }
    }

    /** A reader of protobuf's wire format over a slice of bytes; it never reads past its end. */
    private static final class Wire {
        private final byte[] b;
        private int pos;
        private final int end;

        Wire(byte[] b, int from, int to) {
            this.b = b;
            this.pos = from;
            this.end = to;
        }

        boolean more() {
            return pos < end;
        }

        int tag() {
            return (int) varint();
        }

        long varint() {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                byte x = next();
                v |= (long) (x & 0x7f) << shift;
                if (x >= 0) {
                    return v;
                }
            }
            throw new IllegalArgumentException("malformed varint");
        }

        long fixed64() {
            long v = 0;
            for (int i = 0; i < 8; i++) {
                v |= (next() & 0xffL) << (8 * i);
            }
            return v;
        }

        private byte next() {
            if (pos >= end) {
                throw new IllegalArgumentException("truncated protobuf message");
            }
            return b[pos++];
        }

        private int length() {
            long n = varint();
            if (n < 0 || n > end - pos) {
                throw new IllegalArgumentException("protobuf length out of bounds");
            }
            return (int) n;
        }

        Wire sub() {
            int n = length();
            Wire w = new Wire(b, pos, pos + n);
            pos += n;
            return w;
        }

        byte[] bytes() {
            int n = length();
            byte[] out = Arrays.copyOfRange(b, pos, pos + n);
            pos += n;
            return out;
        }

        String string() {
            return new String(bytes(), StandardCharsets.UTF_8);
        }

        void skip(int tag) {
            switch (tag & 7) {
                case 0 -> varint();
                case 1 -> {
                    fixed64();
                }
                case 2 -> {
                    int n = length(); // before the addition: length() moves pos
                    pos += n;
                }
                case 5 -> {
                    for (int i = 0; i < 4; i++) {
                        next();
                    }
                }
                default -> throw new IllegalArgumentException("unsupported protobuf wire type " + (tag & 7));
            }
        }
    }
}
