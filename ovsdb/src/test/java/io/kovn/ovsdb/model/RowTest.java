package io.kovn.ovsdb.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kovn.ovsdb.schema.DatabaseSchema;
import io.kovn.ovsdb.schema.TableSchema;
import io.kovn.ovsdb.wire.OvsdbJson;
import io.kovn.ovsdb.wire.Uuid;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A row held as an array reads, compares and hashes as the map of its non-default values. */
class RowTest {
    private static final String SCHEMA = """
            {"name": "Test", "version": "1.0.0", "tables": {"Port": {"columns": {
                "name": {"type": "string"},
                "up": {"type": "boolean"},
                "addresses": {"type": {"key": "string", "min": 0, "max": "unlimited"}},
                "external_ids": {"type": {"key": "string", "value": "string", "min": 0, "max": "unlimited"}}}}}}
            """;

    private static TableSchema port() {
        return DatabaseSchema.parse(OvsdbJson.MAPPER.readTree(SCHEMA)).table("Port");
    }

    @Test
    void defaultsAreLeftOutAndRowsOfEqualValuesAreEqual() {
        Uuid u = Uuid.of("00000000-0000-0000-0000-000000000001");
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("name", "p1");
        values.put("up", false);
        values.put("addresses", new LinkedHashSet<>(List.of("b", "a")));
        values.put("external_ids", new LinkedHashMap<>(Map.of("k", "v")));
        values.put("not-in-schema", "x");
        Row row = new Row(port(), u, values);
        Row same = new Row(port(), u, Map.of("name", "p1", "addresses", Set.of("a", "b"), "external_ids", Map.of("k", "v")));
        assertThat(row.values()).containsOnlyKeys("name", "addresses", "external_ids");
        assertThat(row.get("up")).isEqualTo(false);
        assertThat(row.get("addresses")).isEqualTo(Set.of("a", "b"));
        assertThat(row).isEqualTo(same).hasSameHashCodeAs(same);
        assertThat(row.hashCode()).isEqualTo(Objects.hash(u) * 31 + row.values().hashCode());
        TableSchema one = row.table();
        assertThat(new Row(one, u, same.values())).as("the same schema compares arrays").isEqualTo(row);
        assertThat(row.with(Map.of("name", "p2")).get("name")).isEqualTo("p2");
        assertThat(row.with(Map.of("addresses", Set.of())).values()).doesNotContainKey("addresses");
        assertThat(row).isNotEqualTo(row.with(Map.of("up", true)));
        assertThatThrownBy(() -> row.get("nope")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aSetOfOneElementReadsAsTheSetOfIt() {
        Uuid u = Uuid.of("00000000-0000-0000-0000-000000000002");
        Row row = new Row(port(), u, Map.of("addresses", Set.of("0a:58:0a:80:00:05 10.128.0.5")));
        assertThat(row.get("addresses")).isEqualTo(Set.of("0a:58:0a:80:00:05 10.128.0.5"))
                .isInstanceOf(SortedAtomSet.class);
        assertThat(row.values()).isEqualTo(Map.of("addresses", Set.of("0a:58:0a:80:00:05 10.128.0.5")));
        assertThat(row.hashCode()).isEqualTo(Objects.hash(u) * 31 + row.values().hashCode());
        Row two = row.with(Map.of("addresses", Set.of("a", "b")));
        assertThat(two.get("addresses")).isEqualTo(Set.of("a", "b"));
        assertThat(two.with(Map.of("addresses", Set.of("a")))).isNotEqualTo(row).isEqualTo(new Row(port(), u,
                Map.of("addresses", Set.of("a"))));
    }

    @Test
    void aTableOfMoreThan64ColumnsKeepsItsValuesByPosition() {
        StringBuilder columns = new StringBuilder();
        for (int i = 0; i < 70; i++) {
            columns.append(i == 0 ? "" : ",").append("\"c").append(i).append("\": {\"type\": \"string\"}");
        }
        TableSchema wide = DatabaseSchema.parse(OvsdbJson.MAPPER.readTree("""
                {"name": "Test", "version": "1.0.0", "tables": {"Wide": {"columns": {%s}}}}
                """.formatted(columns))).table("Wide");
        Uuid u = Uuid.of("00000000-0000-0000-0000-000000000003");
        Row row = new Row(wide, u, Map.of("c3", "x", "c69", "y"));
        assertThat(row.get("c69")).isEqualTo("y");
        assertThat(row.get("c3")).isEqualTo("x");
        assertThat(row.get("c4")).isEqualTo("");
        assertThat(row.with(Map.of("c68", "z")).values()).isEqualTo(Map.of("c3", "x", "c68", "z", "c69", "y"));
        assertThat(row).isEqualTo(new Row(wide, u, Map.of("c69", "y", "c3", "x")));
    }
}
