package io.kovn.ovsdb.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kovn.ovsdb.Nb;
import io.kovn.ovsdb.schema.ColumnType;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OvsdbJsonTest {
    private static String json(Object v) {
        return OvsdbJson.encode(v).toString();
    }

    @Test
    void encodesAtomsSetsMapsAndOptionals() {
        assertThat(json("a")).isEqualTo("\"a\"");
        assertThat(json(5L)).isEqualTo("5");
        assertThat(json(Uuid.of("u1"))).isEqualTo("[\"uuid\",\"u1\"]");
        assertThat(json(Uuid.named("row1"))).isEqualTo("[\"named-uuid\",\"row1\"]");
        assertThat(json(List.of("a", "b"))).isEqualTo("[\"set\",[\"a\",\"b\"]]");
        assertThat(json(Map.of("k", "v"))).isEqualTo("[\"map\",[[\"k\",\"v\"]]]");
        assertThat(json(Optional.empty())).isEqualTo("[\"set\",[]]");
        assertThat(json(Optional.of(true))).isEqualTo("true");
    }

    @Test
    void decodesByColumnTypeIncludingOneElementSetsSentBare() throws Exception {
        var m = OvsdbJson.MAPPER;
        ColumnType set = ColumnType.parse("{\"key\":\"string\",\"min\":0,\"max\":\"unlimited\"}");
        assertThat(OvsdbJson.decode(m.readTree("\"x\""), set)).isEqualTo(Set.of("x"));
        assertThat(OvsdbJson.decode(m.readTree("[\"set\",[\"x\",\"y\"]]"), set)).isEqualTo(Set.of("x", "y"));
        ColumnType opt = ColumnType.parse("{\"key\":\"integer\",\"min\":0,\"max\":1}");
        assertThat(OvsdbJson.decode(m.readTree("[\"set\",[]]"), opt)).isEqualTo(Optional.empty());
        assertThat(OvsdbJson.decode(m.readTree("7"), opt)).isEqualTo(Optional.of(7L));
        assertThat(OvsdbJson.decode(m.readTree("[\"map\",[[\"a\",\"b\"]]]"), Nb.LSP_EXTERNAL_IDS.type()))
                .isEqualTo(Map.of("a", "b"));
        assertThat(OvsdbJson.decode(m.readTree("[\"uuid\",\"abc\"]"), ColumnType.parse("\"uuid\"")))
                .isEqualTo(Uuid.of("abc"));
        assertThatThrownBy(() -> OvsdbJson.decode(m.readTree("5"), ColumnType.parse("\"string\"")))
                .isInstanceOf(OvsdbProtocolException.class).hasMessageContaining("expected a string");
    }

    @Test
    void rejectsInvalidNamedUuids() {
        assertThatThrownBy(() -> Uuid.named("1abc")).hasMessageContaining("invalid uuid-name");
        assertThatThrownBy(() -> Uuid.named("")).hasMessageContaining("invalid uuid-name");
        assertThatThrownBy(() -> Uuid.named("a-b")).hasMessageContaining("invalid uuid-name");
        assertThatThrownBy(() -> Uuid.named("ab\n")).hasMessageContaining("invalid uuid-name");
        assertThat(Uuid.named("_row_1").isNamed()).isTrue();
        assertThat(Uuid.named("Z9").value()).isEqualTo("Z9");
    }

    @Test
    void operationsSerializeAsRfc7047() {
        Operation.Insert ins = Operation.insert(Nb.LSP).named("p1").set(Nb.LSP_NAME, "p1")
                .set(Nb.LSP_ADDRESSES, Set.of("0a:58:0a:f4:01:05 10.244.1.5"));
        assertThat(ins.toJson().toString()).isEqualTo("{\"op\":\"insert\",\"table\":\"Logical_Switch_Port\",\"row\":"
                + "{\"name\":\"p1\",\"addresses\":[\"set\",[\"0a:58:0a:f4:01:05 10.244.1.5\"]]},\"uuid-name\":\"p1\"}");
        Operation.Mutate mut = Operation.mutate(Nb.LS).where(Nb.LS_NAME.eq("sw0"))
                .with(Nb.LS_PORTS.insert(Set.of(ins.ref())));
        assertThat(mut.toJson().toString()).isEqualTo("{\"op\":\"mutate\",\"table\":\"Logical_Switch\",\"where\":"
                + "[[\"name\",\"==\",\"sw0\"]],\"mutations\":[[\"ports\",\"insert\",[\"set\",[[\"named-uuid\",\"p1\"]]]]]}");
        assertThat(Operation.waitUntil(Nb.LS).timeout(0).where(Nb.LS_NAME.eq("x"))
                .equalTo(List.of("name"), List.of(Map.of("name", "x"))).toJson().toString())
                .isEqualTo("{\"op\":\"wait\",\"table\":\"Logical_Switch\",\"timeout\":0,\"where\":[[\"name\",\"==\",\"x\"]],"
                        + "\"columns\":[\"name\"],\"until\":\"==\",\"rows\":[{\"name\":\"x\"}]}");
    }

    @Test
    void anInsertWithAUuidTheClientChoseCarriesItAndIsReferredToByIt() {
        Uuid chosen = Uuid.random();
        assertThat(chosen.isCanonical()).isTrue();
        assertThat(Uuid.of(chosen.value())).isEqualTo(chosen);
        assertThat(chosen.value()).matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
        assertThat(Uuid.random()).isNotEqualTo(chosen);

        Operation.Insert ins = Operation.insert(Nb.LSP).withUuid(chosen).set(Nb.LSP_NAME, "p1");
        assertThat(ins.ref()).isEqualTo(chosen);
        assertThat(ins.toJson().toString()).isEqualTo("{\"op\":\"insert\",\"table\":\"Logical_Switch_Port\",\"row\":"
                + "{\"name\":\"p1\"},\"uuid\":\"" + chosen.value() + "\"}");
        Operation.Mutate mut = Operation.mutate(Nb.LS).where(Nb.LS_NAME.eq("sw0")).with(Nb.LS_PORTS.insert(Set.of(ins.ref())));
        assertThat(mut.toJson().toString()).contains("[\"uuid\",\"" + chosen.value() + "\"]");
        assertThatThrownBy(() -> Operation.insert(Nb.LSP).withUuid(Uuid.named("p1")))
                .hasMessageContaining("must be canonical");
    }
}
