package io.kovn.ovn.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * A program's config file: a flat YAML mapping from option names to values, lists as YAML sequences, e.g.
 * <pre>
 * nb-address: ssl:10.0.0.1:6641
 * cluster-subnet: 10.244.0.0/16
 * service-cidr: [10.96.0.0/16]
 * </pre>
 * Which keys are known is checked when the file is resolved against a program's options.
 */
public record ConfigFile(Path path, Map<String, String> values) {
    private static final YAMLMapper YAML = YAMLMapper.builder().build();
    /** Larger than any sane config; a bigger file is a mistake, not a configuration. */
    private static final long MAX_BYTES = 1 << 20;

    public ConfigFile {
        values = Map.copyOf(values);
    }

    public static ConfigFile read(Path path) {
        String text;
        try {
            if (Files.size(path) > MAX_BYTES) {
                throw new ConfigException("config file " + path + ": larger than " + MAX_BYTES + " bytes");
            }
            text = Files.readString(path, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException("config file " + path + ": cannot read it (" + e.getMessage() + ")");
        }
        return parse(path, text);
    }

    /** Writes {@code values} (raw, as flags take them) as a config file of {@code set}'s program. */
    public static void write(Path path, OptionSet set, Map<Option<?>, String> values) {
        try {
            Files.createDirectories(path.toAbsolutePath().getParent());
            Files.writeString(path, text(set, values), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + path, e);
        }
    }

    /** The text of a config file of {@code set}'s program holding {@code values} (raw, as flags take them). */
    public static String text(OptionSet set, Map<Option<?>, String> values) {
        StringBuilder b = new StringBuilder("# kovn " + set.program() + " configuration (docs/configuration.md)\n");
        for (Map.Entry<Option<?>, String> e : values.entrySet()) {
            if (!set.contains(e.getKey())) {
                throw new IllegalArgumentException(e.getKey().flag() + " is not an option of " + set.program());
            }
            b.append(e.getKey().key()).append(": ").append(YAML.writeValueAsString(e.getValue()).trim()
                    .replaceFirst("^---\\s*", "")).append('\n');
        }
        return b.toString();
    }

    static ConfigFile parse(Path path, String text) {
        JsonNode root;
        try {
            root = YAML.readTree(text);
        } catch (JacksonException e) {
            throw new ConfigException("config file " + path + ": not YAML: " + e.getOriginalMessage());
        }
        Map<String, String> values = new LinkedHashMap<>();
        if (root == null || root.isMissingNode() || root.isNull()) {
            return new ConfigFile(path, values);
        }
        if (!root.isObject()) {
            throw new ConfigException("config file " + path + ": expected a mapping of option names to values");
        }
        for (Map.Entry<String, JsonNode> e : root.properties()) {
            values.put(e.getKey(), scalar(path, e.getKey(), e.getValue()));
        }
        return new ConfigFile(path, values);
    }

    private static String scalar(Path path, String key, JsonNode v) {
        if (v.isArray()) {
            List<String> items = new ArrayList<>();
            for (JsonNode item : v) {
                if (!item.isValueNode() || item.isNull()) {
                    throw new ConfigException("config file " + path + ": key " + key + ": list items must be values");
                }
                items.add(item.asString());
            }
            return String.join(",", items);
        }
        if (!v.isValueNode() || v.isNull()) {
            throw new ConfigException("config file " + path + ": key " + key + " needs a value or a list of values");
        }
        return v.asString();
    }
}
