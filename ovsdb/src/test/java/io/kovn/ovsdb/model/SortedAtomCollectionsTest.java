package io.kovn.ovsdb.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kovn.ovsdb.wire.Uuid;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The replica's compact sets and maps behave as the hash-based collections they replace. */
class SortedAtomCollectionsTest {

    @Test
    void aSetEqualsItsHashSetAndIteratesInOrder() {
        Set<Object> s = SortedAtomSet.of(new LinkedHashSet<>(List.of("c", "a", "b")));
        assertThat(s).isInstanceOf(SortedAtomSet.class).containsExactly("a", "b", "c");
        assertThat(s).isEqualTo(Set.of("a", "b", "c")).hasSameHashCodeAs(Set.of("a", "b", "c"));
        assertThat(Set.of("a", "b", "c")).isEqualTo(s);
        assertThat(s.contains("b")).isTrue();
        assertThat(s.contains("d")).isFalse();
        assertThat(s.contains(3L)).as("another atom type").isFalse();
        assertThat(s.contains(null)).isFalse();
        assertThat(SortedAtomSet.of(List.of())).isSameAs(Set.of());
        assertThatThrownBy(() -> s.add("d")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> s.iterator().remove()).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void toggledIsTheSymmetricDifference() {
        Random random = new Random(7);
        for (int round = 0; round < 200; round++) {
            Set<Object> expected = new HashSet<>();
            for (int i = random.nextInt(30); i > 0; i--) {
                expected.add((long) random.nextInt(40));
            }
            Set<Object> diff = new LinkedHashSet<>();
            for (int i = random.nextInt(30); i > 0; i--) {
                diff.add((long) random.nextInt(40));
            }
            Set<Object> compact = SortedAtomSet.of(expected);
            for (Object d : diff) {
                if (!expected.remove(d)) {
                    expected.add(d);
                }
            }
            Set<Object> toggled = compact instanceof SortedAtomSet s ? s.toggled(diff) : SortedAtomSet.of(diff);
            assertThat(toggled).isEqualTo(expected);
            List<Object> order = new ArrayList<>(toggled);
            assertThat(order).isSorted();
        }
    }

    @Test
    void uuidsSortAndAMixOfTypesKeepsAPlainSet() {
        Uuid a = Uuid.of("00000000-0000-0000-0000-00000000000a");
        Uuid b = Uuid.of("00000000-0000-0000-0000-00000000000b");
        assertThat(SortedAtomSet.of(List.of(b, a))).containsExactly(a, b);
        Set<Object> mixed = SortedAtomSet.of(new LinkedHashSet<>(List.of("x", 1L)));
        assertThat(mixed).isNotInstanceOf(SortedAtomSet.class).containsExactly("x", 1L);
    }

    @Test
    void aMapEqualsItsLinkedHashMap() {
        Map<Object, Object> source = new LinkedHashMap<>();
        source.put("owner", "pod");
        source.put("namespace", "ns1");
        source.put("pod-uid", "u1");
        Map<Object, Object> m = SortedAtomMap.of(source);
        assertThat(m).isInstanceOf(SortedAtomMap.class).isEqualTo(source).hasSameHashCodeAs(source);
        assertThat(source).isEqualTo(m);
        assertThat(m.keySet()).containsExactly("namespace", "owner", "pod-uid");
        assertThat(m.get("pod-uid")).isEqualTo("u1");
        assertThat(m.get("nope")).isNull();
        assertThat(m.get(5L)).isNull();
        assertThat(m.containsKey("owner")).isTrue();
        Map<Object, Object> seen = new LinkedHashMap<>();
        m.forEach(seen::put);
        assertThat(seen).isEqualTo(source);
        assertThat(SortedAtomMap.of(Map.of())).isSameAs(Map.of());
        assertThatThrownBy(() -> m.put("a", "b")).isInstanceOf(UnsupportedOperationException.class);
        assertThat(m.values()).containsExactly("ns1", "pod", "u1");
        assertThat(m.containsValue("pod")).isTrue();
        assertThat(m.entrySet()).isEqualTo(source.entrySet());
        assertThat(m).hasToString("{namespace=ns1, owner=pod, pod-uid=u1}").isNotEqualTo(Map.of("owner", "pod"));
        assertThat(m).isNotEqualTo(Map.of("owner", "pod", "namespace", "ns1", "pod-uid", "u2"));
        Map<Object, Object> one = SortedAtomMap.withSharedKeys(Map.of("iface-id-ver", "u1"));
        assertThat(one).isInstanceOf(SortedAtomMap.class).isEqualTo(Map.of("iface-id-ver", "u1"))
                .hasSameHashCodeAs(Map.of("iface-id-ver", "u1")).hasToString("{iface-id-ver=u1}")
                .isEqualTo(SortedAtomMap.of(Map.of("iface-id-ver", "u1"))).isNotEqualTo(Map.of("iface-id-ver", "u2"));
        assertThat(one.get("iface-id-ver")).isEqualTo("u1");
        assertThat(one.values()).containsExactly("u1");
        assertThat(one.entrySet()).containsExactly(Map.entry("iface-id-ver", "u1"));
    }

    @Test
    void mapsSharingTheirKeysKeepTheirOwnValues() {
        Map<Object, Object> a = new LinkedHashMap<>(Map.of("owner", "ns/a", "pod", "a", "namespace", "ns"));
        Map<Object, Object> b = new LinkedHashMap<>(Map.of("pod", "b", "namespace", "ns", "owner", "ns/b"));
        Map<Object, Object> sa = SortedAtomMap.withSharedKeys(a);
        Map<Object, Object> sb = SortedAtomMap.withSharedKeys(b);
        assertThat(sa).isEqualTo(a).isNotEqualTo(sb);
        assertThat(sb).isEqualTo(b).hasSameHashCodeAs(b);
        assertThat(sb.keySet()).containsExactly("namespace", "owner", "pod");
        assertThat(sb.get("owner")).isEqualTo("ns/b");
        assertThat(SortedAtomMap.withSharedKeys(Map.of("other", "x"))).isEqualTo(Map.of("other", "x"));
    }
}
