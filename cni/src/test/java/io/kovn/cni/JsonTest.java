package io.kovn.cni;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {

    @Test
    void readsAndWritesTheValuesOfACniConfig() throws Exception {
        String text = "{\"cniVersion\":\"1.0.0\",\"n\":-12,\"f\":1.5e2,\"t\":true,\"nil\":null,"
                + "\"a\":[1,\"x\\\"y\\n\\u00e9\",{}],\"o\":{\"k\":[]}}";
        Object v = Json.parse(" \n" + text + "\t");
        assertThat(v).isEqualTo(new java.util.LinkedHashMap<>(Map.of("cniVersion", "1.0.0", "n", -12L, "f", 150.0,
                "t", true, "a", List.of(1L, "x\"y\né", Map.of()), "o", Map.of("k", List.of()))) {{
                    put("nil", null);
                }});
        assertThat(Json.parse(Json.write(v))).isEqualTo(v);
        assertThat(Json.write(Map.of("s", "tab\there\u0001"))).isEqualTo("{\"s\":\"tab\\there\\u0001\"}");
    }

    @Test
    void reportsWhereTheInputIsBroken() {
        assertThatThrownBy(() -> Json.parse("")).hasMessageContaining("empty input");
        assertThatThrownBy(() -> Json.parse("{\"a\":1")).hasMessageContaining("expected '}'");
        assertThatThrownBy(() -> Json.parse("{\"a\":1} x")).hasMessageContaining("after the JSON value");
        assertThatThrownBy(() -> Json.parse("[1,]")).hasMessageContaining("offset 3");
        assertThatThrownBy(() -> Json.parse("\"abc")).hasMessageContaining("unterminated");
        assertThatThrownBy(() -> Json.parse("[".repeat(100))).hasMessageContaining("nesting");
    }
}
