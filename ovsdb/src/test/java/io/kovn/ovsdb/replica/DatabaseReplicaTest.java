package io.kovn.ovsdb.replica;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kovn.ovsdb.model.Column;
import io.kovn.ovsdb.model.Row;
import io.kovn.ovsdb.model.Table;
import io.kovn.ovsdb.schema.AtomicType;
import io.kovn.ovsdb.schema.ColumnType;
import io.kovn.ovsdb.schema.DatabaseSchema;
import io.kovn.ovsdb.wire.OvsdbJson;
import io.kovn.ovsdb.wire.OvsdbProtocolException;
import io.kovn.ovsdb.wire.Uuid;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The replica's bookkeeping, fed hand-written update messages: no server involved. */
class DatabaseReplicaTest {
    private static final DatabaseSchema SCHEMA = DatabaseSchema.parse(json("""
            {"name": "Test", "version": "1.0.0", "tables": {
              "Port": {"columns": {
                  "name": {"type": "string"},
                  "up": {"type": "boolean"},
                  "tag": {"type": {"key": {"type": "integer"}, "min": 0, "max": 1}},
                  "addresses": {"type": {"key": "string", "min": 0, "max": "unlimited"}},
                  "options": {"type": {"key": "string", "value": "string", "min": 0, "max": "unlimited"}},
                  "external_ids": {"type": {"key": "string", "value": "string", "min": 0, "max": "unlimited"}}},
                "indexes": [["name"]]},
              "Group": {"columns": {
                  "ports": {"type": {"key": {"type": "uuid", "refTable": "Port"}, "min": 0, "max": "unlimited"}}}},
              "Other": {"columns": {"x": {"type": "integer"}}}}}
            """));
    private static final Table<Row> PORT = new Table<>("Test", "Port", r -> r);
    private static final Column<String> NAME = new Column<>("Port", "name", ColumnType.scalar(AtomicType.STRING));
    private static final Column<Boolean> UP = new Column<>("Port", "up", ColumnType.scalar(AtomicType.BOOLEAN));
    private static final Column<Optional<Long>> TAG = new Column<>("Port", "tag", ColumnType.optional(AtomicType.INTEGER));
    private static final Column<Set<String>> ADDRESSES = new Column<>("Port", "addresses", ColumnType.set(AtomicType.STRING));
    private static final Column<Map<String, String>> OPTIONS = new Column<>("Port", "options",
            ColumnType.map(AtomicType.STRING, AtomicType.STRING));
    private static final Column<Map<String, String>> EXTERNAL_IDS = new Column<>("Port", "external_ids",
            ColumnType.map(AtomicType.STRING, AtomicType.STRING));

    private static final String U1 = "00000000-0000-0000-0000-000000000001";
    private static final String U2 = "00000000-0000-0000-0000-000000000002";
    private static final String U3 = "00000000-0000-0000-0000-000000000003";
    private static final String U4 = "00000000-0000-0000-0000-000000000004";

    private DatabaseReplica replica;
    private final List<String> events = Collections.synchronizedList(new ArrayList<>());

    private static JsonNode json(String s) {
        return OvsdbJson.MAPPER.readTree(s);
    }

    @BeforeEach
    void setUp() {
        replica = new DatabaseReplica(SCHEMA, List.of("Port"));
        replica.addListener(PORT, new RowListener<>() {
            @Override
            public void onAdd(Row row) {
                events.add("add " + row.get(NAME));
            }

            @Override
            public void onUpdate(Row old, Row row) {
                events.add("update " + old.get(NAME) + "->" + row.get(NAME));
            }

            @Override
            public void onDelete(Row old) {
                events.add("delete " + old.get(NAME));
            }
        });
    }

    /** Applies one update2 message touching one row of Port. */
    private void update2(String uuid, String rowUpdate) {
        replica.applyUpdate2(json("{\"Port\": {\"" + uuid + "\": " + rowUpdate + "}}"), null);
    }

    private Row row(String uuid) {
        return replica.row("Port", Uuid.of(uuid)).orElseThrow();
    }

    @Test
    void modifyOfASetColumnAppliesTheSymmetricDifference() {
        update2(U1, "{\"insert\": {\"name\": \"p1\", \"addresses\": [\"set\", [\"a\", \"b\"]]}}");
        update2(U1, "{\"modify\": {\"addresses\": [\"set\", [\"b\", \"c\"]]}}");
        assertThat(row(U1).get(ADDRESSES)).containsExactlyInAnyOrder("a", "c");
        // a one-element diff may come bare, without ["set", ...]
        update2(U1, "{\"modify\": {\"addresses\": \"a\"}}");
        assertThat(row(U1).get(ADDRESSES)).containsExactly("c");
        update2(U1, "{\"modify\": {\"addresses\": \"c\"}}");
        assertThat(row(U1).get(ADDRESSES)).isEmpty();
        assertThat(row(U1).values()).as("an emptied set reads as the default").doesNotContainKey("addresses");
        assertThat(row(U1).get(NAME)).as("columns absent from the diff are kept").isEqualTo("p1");
        assertThat(events).containsExactly("add p1", "update p1->p1", "update p1->p1", "update p1->p1");
    }

    @Test
    void modifyOfAMapAddsReplacesAndRemovesByKey() {
        update2(U1, "{\"insert\": {\"name\": \"p1\", \"options\": [\"map\", [[\"a\", \"1\"], [\"b\", \"2\"], [\"c\", \"3\"]]]}}");
        // a: same pair -> removed; b: new value -> replaced; d: new key -> added; c: not mentioned -> kept
        update2(U1, "{\"modify\": {\"options\": [\"map\", [[\"a\", \"1\"], [\"b\", \"20\"], [\"d\", \"4\"]]]}}");
        assertThat(row(U1).get(OPTIONS)).isEqualTo(Map.of("b", "20", "c", "3", "d", "4"));
        update2(U1, "{\"modify\": {\"options\": [\"map\", [[\"b\", \"20\"], [\"c\", \"3\"], [\"d\", \"4\"]]]}}");
        assertThat(row(U1).get(OPTIONS)).isEmpty();
    }

    @Test
    void modifyOfAnOptionalColumnCarriesItsNewValue() {
        // ovsdb-server diffs only columns that can hold more than one value (ovsdb_datum_diff: n_max > 1); a
        // 0..1 column's "modify" carries its new value, ["set", []] when it was cleared
        update2(U1, "{\"insert\": {\"name\": \"p1\"}}");
        assertThat(row(U1).get(TAG)).isEmpty();
        update2(U1, "{\"modify\": {\"tag\": 5}}");
        assertThat(row(U1).get(TAG)).contains(5L);
        update2(U1, "{\"modify\": {\"tag\": 7}}");
        assertThat(row(U1).get(TAG)).contains(7L);
        update2(U1, "{\"modify\": {\"tag\": [\"set\", [9]]}}");
        assertThat(row(U1).get(TAG)).contains(9L);
        update2(U1, "{\"modify\": {\"tag\": [\"set\", []]}}");
        assertThat(row(U1).get(TAG)).isEmpty();
    }

    @Test
    void modifyOfAScalarReplacesItAndTheNameIndexFollows() {
        update2(U1, "{\"insert\": {\"name\": \"p1\"}}");
        assertThat(row(U1).get(UP)).isFalse();
        update2(U1, "{\"modify\": {\"name\": \"p2\", \"up\": true}}");
        assertThat(row(U1).get(NAME)).isEqualTo("p2");
        assertThat(row(U1).get(UP)).isTrue();
        assertThat(replica.lookup(PORT, NAME, "p1")).isEmpty();
        assertThat(replica.lookupOne(PORT, NAME, "p2")).map(Row::uuid).contains(Uuid.of(U1));
        update2(U1, "{\"modify\": {\"up\": false}}");
        assertThat(row(U1).get(UP)).isFalse();
        assertThat(events).containsExactly("add p1", "update p1->p2", "update p2->p2");
    }

    @Test
    void insertDeleteAndIgnoredTables() {
        replica.applyUpdate2(json("{\"Port\": {\"" + U1 + "\": {\"insert\": {\"name\": \"p1\"}}, \"" + U2
                + "\": {\"initial\": {\"name\": \"p2\"}}}, \"Other\": {\"" + U3 + "\": {\"insert\": {\"x\": 1}}}}"), "t1");
        assertThat(replica.size("Port")).isEqualTo(2);
        assertThat(replica.lastTxnId()).isEqualTo("t1");
        update2(U1, "{\"delete\": null}");
        update2(U4, "{\"delete\": null}"); // unknown row: nothing to report
        assertThat(replica.rows("Port")).extracting(r -> r.get(NAME)).containsExactly("p2");
        assertThat(replica.lastTxnId()).as("update2 without a txn id keeps the last one").isEqualTo("t1");
        assertThat(events).containsExactly("add p1", "add p2", "delete p1");
        assertThatThrownBy(() -> update2(U4, "{\"modify\": {\"name\": \"x\"}}"))
                .isInstanceOf(OvsdbProtocolException.class).hasMessageContaining("modify of unknown row");
    }

    @Test
    void aBatchThatFailsToDecodeChangesNothing() {
        replica.applyUpdate2(json("{\"Port\": {\"" + U1 + "\": {\"insert\": {\"name\": \"p1\", \"addresses\": \"a\"}}}}"), "t1");
        events.clear();
        // the first row's diff is fine, the second row's is not: the batch must be applied whole or not at all,
        // or the resync that follows would apply the first diff a second time
        JsonNode bad = json("{\"Port\": {"
                + "\"" + U1 + "\": {\"modify\": {\"addresses\": \"b\"}},"
                + "\"" + U2 + "\": {\"insert\": {\"name\": \"p2\", \"tag\": \"not a number\"}}}}");
        assertThatThrownBy(() -> replica.applyUpdate2(bad, "t2")).isInstanceOf(OvsdbProtocolException.class)
                .hasMessageContaining("expected an integer");
        assertThat(row(U1).get(ADDRESSES)).containsExactly("a");
        assertThat(replica.row("Port", Uuid.of(U2))).isEmpty();
        assertThat(replica.lastTxnId()).isEqualTo("t1");
        assertThat(events).isEmpty();

        assertThatThrownBy(() -> replica.applyUpdate1(json("{\"Port\": {"
                + "\"" + U1 + "\": {\"new\": {\"name\": \"renamed\"}},"
                + "\"" + U2 + "\": {\"new\": {\"name\": 7}}}}"))).isInstanceOf(OvsdbProtocolException.class);
        assertThat(row(U1).get(NAME)).isEqualTo("p1");
        assertThat(events).isEmpty();
    }

    @Test
    void update1ModifyAppliesTheNewValuesIncludingClearedColumns() {
        replica.applyUpdate1(json("{\"Port\": {\"" + U1 + "\": {\"new\": {\"name\": \"p1\", \"tag\": 3,"
                + " \"external_ids\": [\"map\", [[\"k\", \"v\"]]], \"addresses\": [\"set\", [\"a\"]]}}}}"));
        assertThat(replica.byExternalId(PORT, "k", "v")).hasSize(1);
        // "new" of a modify: every monitored column, those that became empty included
        replica.applyUpdate1(json("{\"Port\": {\"" + U1 + "\": {\"old\": {\"external_ids\": [\"map\", [[\"k\", \"v\"]]],"
                + " \"tag\": 3}, \"new\": {\"name\": \"p1\", \"tag\": [\"set\", []], \"external_ids\": [\"map\", []],"
                + " \"addresses\": [\"set\", [\"a\"]]}}}}"));
        assertThat(row(U1).get(EXTERNAL_IDS)).isEmpty();
        assertThat(row(U1).get(TAG)).isEmpty();
        assertThat(row(U1).get(ADDRESSES)).containsExactly("a");
        assertThat(replica.byExternalId(PORT, "k", "v")).isEmpty();
        replica.applyUpdate1(json("{\"Port\": {\"" + U1 + "\": {\"old\": {\"name\": \"p1\"}}}}"));
        assertThat(replica.size("Port")).isZero();
        assertThat(events).containsExactly("add p1", "update p1->p1", "delete p1");
    }

    @Test
    void resetToReportsOnlyRealDifferences() {
        replica.applyUpdate2(json("{\"Port\": {"
                + "\"" + U1 + "\": {\"initial\": {\"name\": \"same\", \"addresses\": [\"set\", [\"a\", \"b\"]],"
                + " \"external_ids\": [\"map\", [[\"k\", \"1\"]]]}},"
                + "\"" + U2 + "\": {\"initial\": {\"name\": \"changed\", \"tag\": 1}},"
                + "\"" + U3 + "\": {\"initial\": {\"name\": \"gone\"}}}}"), "t1");
        events.clear();
        // the same rows as the server would send them again: other set order, defaults spelt out
        Map<String, Map<Uuid, Row>> state = replica.decodeFullState2(json("{\"Port\": {"
                + "\"" + U1 + "\": {\"initial\": {\"name\": \"same\", \"addresses\": [\"set\", [\"b\", \"a\"]],"
                + " \"external_ids\": [\"map\", [[\"k\", \"1\"]]], \"tag\": [\"set\", []], \"options\": [\"map\", []],"
                + " \"up\": false}},"
                + "\"" + U2 + "\": {\"initial\": {\"name\": \"changed\", \"tag\": 2}},"
                + "\"" + U4 + "\": {\"initial\": {\"name\": \"new\"}}}, \"Other\": {}}"));
        replica.resetTo(state, "t9");
        assertThat(events).containsExactlyInAnyOrder("update changed->changed", "delete gone", "add new");
        assertThat(replica.lastTxnId()).isEqualTo("t9");
        assertThat(row(U2).get(TAG)).contains(2L);
        assertThat(replica.lookup(PORT, NAME, "gone")).isEmpty();
        assertThat(replica.lookupOne(PORT, NAME, "new")).isPresent();

        events.clear();
        replica.resetTo(state, "t10");
        assertThat(events).as("a reset to the current content reports nothing").isEmpty();
        replica.resetTo(Map.of(), null);
        assertThat(events).containsExactlyInAnyOrder("delete same", "delete changed", "delete new");
        assertThat(replica.size("Port")).isZero();
        assertThat(replica.withExternalId(PORT, "k")).isEmpty();
        assertThat(replica.lastTxnId()).isNull();
    }

    @Test
    void externalIdsIndexFollowsInsertsModifiesDeletesAndResets() {
        replica.applyUpdate2(json("{\"Port\": {"
                + "\"" + U1 + "\": {\"insert\": {\"name\": \"p1\", \"external_ids\": [\"map\", [[\"pod\", \"a\"], [\"ns\", \"x\"]]]}},"
                + "\"" + U2 + "\": {\"insert\": {\"name\": \"p2\", \"external_ids\": [\"map\", [[\"pod\", \"b\"], [\"ns\", \"x\"]]]}},"
                + "\"" + U3 + "\": {\"insert\": {\"name\": \"p3\"}}}}"), null);
        assertThat(names(replica.byExternalId(PORT, "pod", "a"))).containsExactly("p1");
        assertThat(names(replica.byExternalId(PORT, "ns", "x"))).containsExactlyInAnyOrder("p1", "p2");
        assertThat(names(replica.withExternalId(PORT, "pod"))).containsExactlyInAnyOrder("p1", "p2");
        assertThat(replica.byExternalId(PORT, "pod", "zzz")).isEmpty();
        assertThat(replica.withExternalId(PORT, "nope")).isEmpty();

        // p1: pod a -> c (replace), ns removed; p3 gains pod=a
        replica.applyUpdate2(json("{\"Port\": {"
                + "\"" + U1 + "\": {\"modify\": {\"external_ids\": [\"map\", [[\"pod\", \"c\"], [\"ns\", \"x\"]]]}},"
                + "\"" + U3 + "\": {\"modify\": {\"external_ids\": [\"map\", [[\"pod\", \"a\"]]]}}}}"), null);
        assertThat(row(U1).get(EXTERNAL_IDS)).isEqualTo(Map.of("pod", "c"));
        assertThat(names(replica.byExternalId(PORT, "pod", "a"))).containsExactly("p3");
        assertThat(names(replica.byExternalId(PORT, "pod", "c"))).containsExactly("p1");
        assertThat(names(replica.byExternalId(PORT, "ns", "x"))).containsExactly("p2");
        assertThat(names(replica.withExternalId(PORT, "pod"))).containsExactlyInAnyOrder("p1", "p2", "p3");

        update2(U2, "{\"delete\": null}");
        assertThat(replica.withExternalId(PORT, "ns")).isEmpty();
        assertThat(names(replica.withExternalId(PORT, "pod"))).containsExactlyInAnyOrder("p1", "p3");

        Map<String, Map<Uuid, Row>> state = new LinkedHashMap<>(replica.decodeFullState2(json("{\"Port\": {"
                + "\"" + U3 + "\": {\"initial\": {\"name\": \"p3\", \"external_ids\": [\"map\", [[\"pod\", \"d\"]]]}}}}")));
        replica.resetTo(state, null);
        assertThat(replica.byExternalId(PORT, "pod", "a")).isEmpty();
        assertThat(replica.byExternalId(PORT, "pod", "c")).isEmpty();
        assertThat(names(replica.withExternalId(PORT, "pod"))).containsExactly("p3");
        assertThat(names(replica.byExternalId(PORT, "pod", "d"))).containsExactly("p3");
    }

    @Test
    void keysLeftOutOfTheIndexAreFoundByAScan() {
        replica = new DatabaseReplica(SCHEMA, List.of("Port"), Set.of("ns"));
        replica.applyUpdate2(json("{\"Port\": {"
                + "\"" + U1 + "\": {\"insert\": {\"name\": \"p1\", \"external_ids\": [\"map\", [[\"pod\", \"a\"], [\"ns\", \"x\"]]]}},"
                + "\"" + U2 + "\": {\"insert\": {\"name\": \"p2\", \"external_ids\": [\"map\", [[\"pod\", \"b\"], [\"ns\", \"x\"]]]}},"
                + "\"" + U3 + "\": {\"insert\": {\"name\": \"p3\"}}}}"), null);
        assertThat(names(replica.byExternalId(PORT, "pod", "a"))).containsExactly("p1");
        assertThat(names(replica.byExternalId(PORT, "ns", "x"))).containsExactly("p1", "p2");
        assertThat(names(replica.withExternalId(PORT, "pod"))).containsExactly("p1", "p2");
        assertThat(replica.byExternalId(PORT, "pod", "zzz")).isEmpty();
        update2(U1, "{\"modify\": {\"external_ids\": [\"map\", [[\"pod\", \"c\"], [\"ns\", \"x\"]]]}}");
        update2(U2, "{\"delete\": null}");
        assertThat(replica.byExternalId(PORT, "pod", "a")).isEmpty();
        assertThat(names(replica.byExternalId(PORT, "pod", "c"))).containsExactly("p1");
        assertThat(replica.byExternalId(PORT, "ns", "x")).isEmpty();
        assertThat(names(replica.withExternalId(PORT, "pod"))).containsExactly("p1");
    }

    @Test
    void referencesShareTheReferencedRowsUuidInstances() {
        DatabaseReplica r = new DatabaseReplica(SCHEMA, List.of("Group", "Port"));
        String g = "00000000-0000-0000-0000-00000000000a";
        // the group comes before the ports it names, in the same update
        r.applyUpdate2(json("{\"Group\": {\"" + g + "\": {\"insert\": {\"ports\": [\"set\", [[\"uuid\", \"" + U1
                + "\"], [\"uuid\", \"" + U2 + "\"]]]}}},"
                + "\"Port\": {\"" + U1 + "\": {\"insert\": {\"name\": \"p1\"}}, \"" + U2 + "\": {\"insert\": {\"name\": \"p2\"}}}}"),
                null);
        r.applyUpdate2(json("{\"Port\": {\"" + U3 + "\": {\"insert\": {\"name\": \"p3\"}}}}"), null);
        r.applyUpdate2(json("{\"Group\": {\"" + g + "\": {\"modify\": {\"ports\": [\"set\", [[\"uuid\", \"" + U3
                + "\"], [\"uuid\", \"" + U4 + "\"]]]}}}}"), null);
        List<Object> ports = new ArrayList<>((Set<?>) r.row("Group", Uuid.of(g)).orElseThrow().get("ports"));
        assertThat(ports).containsExactly(Uuid.of(U1), Uuid.of(U2), Uuid.of(U3), Uuid.of(U4));
        for (int i = 0; i < 3; i++) {
            assertThat(ports.get(i)).isSameAs(r.row("Port", (Uuid) ports.get(i)).orElseThrow().uuid());
        }

        Map<String, Map<Uuid, Row>> state = r.decodeFullState2(json("{\"Group\": {\"" + g
                + "\": {\"initial\": {\"ports\": [\"uuid\", \"" + U2 + "\"]}}}, \"Port\": {\"" + U2
                + "\": {\"initial\": {\"name\": \"p2\"}}}}"));
        assertThat(((Set<?>) state.get("Group").get(Uuid.of(g)).get("ports")).iterator().next())
                .isSameAs(state.get("Port").get(Uuid.of(U2)).uuid());
    }

    @Test
    void indexesFollowValuesSharedByManyRowsAndHeldByOne() {
        update2(U1, "{\"insert\": {\"name\": \"p1\", \"external_ids\": [\"map\", [[\"ns\", \"a\"], [\"uid\", \"1\"]]]}}");
        update2(U2, "{\"insert\": {\"name\": \"p2\", \"external_ids\": [\"map\", [[\"ns\", \"a\"], [\"uid\", \"2\"]]]}}");
        update2(U3, "{\"insert\": {\"name\": \"p3\", \"external_ids\": [\"map\", [[\"ns\", \"a\"], [\"uid\", \"3\"]]]}}");
        assertThat(replica.byExternalId(PORT, "ns", "a")).extracting(r -> r.get(NAME)).containsExactly("p1", "p2", "p3");
        assertThat(replica.byExternalId(PORT, "uid", "2")).extracting(r -> r.get(NAME)).containsExactly("p2");
        assertThat(replica.withExternalId(PORT, "uid")).extracting(r -> r.get(NAME))
                .containsExactlyInAnyOrder("p1", "p2", "p3");
        update2(U2, "{\"delete\": null}");
        update2(U3, "{\"delete\": null}");
        assertThat(replica.byExternalId(PORT, "ns", "a")).extracting(r -> r.get(NAME)).containsExactly("p1");
        update2(U2, "{\"insert\": {\"name\": \"p1\", \"external_ids\": [\"map\", [[\"ns\", \"a\"]]]}}");
        assertThat(replica.lookup(PORT, NAME, "p1")).extracting(Row::uuid).containsExactly(Uuid.of(U1), Uuid.of(U2));
        assertThat(replica.byExternalId(PORT, "ns", "a")).extracting(Row::uuid).containsExactly(Uuid.of(U1), Uuid.of(U2));
        update2(U1, "{\"delete\": null}");
        update2(U2, "{\"delete\": null}");
        assertThat(replica.lookup(PORT, NAME, "p1")).isEmpty();
        assertThat(replica.byExternalId(PORT, "ns", "a")).isEmpty();
        assertThat(replica.withExternalId(PORT, "uid")).isEmpty();
    }

    @Test
    void awaitCompletesOnTheUpdateThatMakesTheConditionTrue() {
        var f = replica.await(r -> r.lookupOne(PORT, NAME, "p1").isPresent());
        assertThat(f).isNotDone();
        update2(U2, "{\"insert\": {\"name\": \"p2\"}}");
        assertThat(f).isNotDone();
        update2(U1, "{\"insert\": {\"name\": \"p1\"}}");
        assertThat(f).isCompleted();
        assertThat(replica.await(r -> r.size("Port") == 2)).isCompleted();
        assertThatThrownBy(() -> replica.addListener("Other", new RowListener<>() { }))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not replicated");
    }

    private static List<String> names(List<Row> rows) {
        return rows.stream().map(r -> r.get(NAME)).toList();
    }
}
