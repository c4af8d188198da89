package io.kovn.sandbox.api;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The field numbers, names and types of Kubernetes' protobuf messages, read from the {@code generated.proto}
 * files of k8s.io/api and k8s.io/apimachinery (v0.32.9, the release of kubectl 1.32) kept as resources next to
 * this class. Only what those files use is understood: proto2 messages without nesting, {@code optional} and
 * {@code repeated} fields and {@code map<K, V>}; the field names are the JSON names.
 */
final class ProtoSchema {
    static final List<String> FILES = List.of("meta-v1", "intstr", "resource", "runtime", "api-core-v1",
            "api-apps-v1", "api-networking-v1", "api-discovery-v1", "api-coordination-v1", "api-events-v1");
    private static final Pattern PACKAGE = Pattern.compile("^package ([\\w.]+);");
    private static final Pattern MESSAGE = Pattern.compile("^message (\\w+) \\{");
    private static final Pattern FIELD = Pattern.compile("^(optional|repeated) ([.\\w]+) (\\w+) = (\\d+);");
    private static final Pattern MAP = Pattern.compile("^map<(\\w+), ([.\\w]+)> (\\w+) = (\\d+);");

    /**
     * A field: {@code type} is a scalar name or a message's full name; {@code valueType} only for maps;
     * {@code description} is its comment in the .proto file (the Go type's documentation).
     */
    record Field(String name, String type, boolean repeated, String valueType, String description) {
        boolean isMap() {
            return valueType != null;
        }
    }

    private final Map<String, Map<Integer, Field>> messages;
    private final Map<String, String> descriptions;

    private ProtoSchema(Map<String, Map<Integer, Field>> messages, Map<String, String> descriptions) {
        this.messages = messages;
        this.descriptions = descriptions;
    }

    /** The schema of the files of {@link #FILES}. */
    static ProtoSchema load() {
        Map<String, Map<Integer, Field>> messages = new HashMap<>();
        Map<String, String> descriptions = new HashMap<>();
        for (String f : FILES) {
            try (InputStream in = ProtoSchema.class.getResourceAsStream("proto/" + f + ".proto")) {
                if (in == null) {
                    throw new IllegalStateException("missing resource proto/" + f + ".proto");
                }
                parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), messages, descriptions);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return new ProtoSchema(messages, descriptions);
    }

    static void parse(String text, Map<String, Map<Integer, Field>> into, Map<String, String> descriptions) {
        String pkg = "";
        Map<Integer, Field> current = null;
        StringBuilder comment = new StringBuilder();
        for (String raw : text.split("\n")) {
            String line = raw.strip();
            Matcher m;
            if (line.startsWith("//")) {
                String c = line.substring(2).strip();
                if (!c.startsWith("+")) { // Go code-generation markers, not documentation
                    comment.append(comment.isEmpty() || c.isEmpty() ? "" : " ").append(c.isEmpty() ? "\n" : c);
                }
                continue;
            }
            String doc = comment.toString().strip();
            comment.setLength(0);
            if ((m = PACKAGE.matcher(line)).find()) {
                pkg = m.group(1);
            } else if ((m = MESSAGE.matcher(line)).find()) {
                current = new HashMap<>();
                into.put(pkg + "." + m.group(1), current);
                descriptions.put(pkg + "." + m.group(1), doc);
            } else if (line.equals("}")) {
                current = null;
            } else if (current != null && (m = FIELD.matcher(line)).find()) {
                current.put(Integer.parseInt(m.group(4)), new Field(m.group(3), resolve(pkg, m.group(2)),
                        m.group(1).equals("repeated"), null, doc));
            } else if (current != null && (m = MAP.matcher(line)).find()) {
                current.put(Integer.parseInt(m.group(4)), new Field(m.group(3), m.group(1), false,
                        resolve(pkg, m.group(2)), doc));
            }
        }
    }

    private static String resolve(String pkg, String type) {
        if (type.startsWith(".")) {
            return type.substring(1);
        }
        return Character.isUpperCase(type.charAt(0)) ? pkg + "." + type : type;
    }

    /** A message's comment in the .proto file, or "". */
    String description(String fullName) {
        return descriptions.getOrDefault(fullName, "");
    }

    /** The fields of a message by number, or null for an unknown message. */
    Map<Integer, Field> message(String fullName) {
        return messages.get(fullName);
    }
}
