package io.kovn.ovsdb.replica;

import static org.assertj.core.api.Assertions.assertThat;

import io.kovn.ovsdb.wire.Uuid;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** A value's rows, one or many, through adds and removes in any order, as a linked hash set would hold them. */
class UuidIndexTest {

    @Test
    void aValuesRowsKeepTheOrderTheyCameThroughAddsAndRemoves() {
        Random random = new Random(7);
        List<Uuid> uuids = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            uuids.add(Uuid.of(new UUID(random.nextLong(), random.nextLong()).toString()));
        }
        UuidIndex<String> index = new UuidIndex<>();
        Set<Uuid> expected = new LinkedHashSet<>();
        // first mostly adds (to some 2,000 rows), then mostly removes of rows held, down to none and up again
        for (int step = 0; step < 60_000; step++) {
            boolean growing = step < 30_000 ? random.nextInt(4) != 0 : random.nextInt(5) == 0;
            if (growing || expected.isEmpty()) {
                Uuid u = uuids.get(random.nextInt(uuids.size()));
                index.add("Pod", u);
                expected.add(u);
            } else {
                List<Uuid> held = new ArrayList<>(expected);
                Uuid u = random.nextInt(10) == 0 ? uuids.get(random.nextInt(uuids.size()))
                        : held.get(random.nextInt(held.size()));
                index.remove("Pod", u);
                expected.remove(u);
            }
            if (step % 499 == 0 || expected.size() <= 3) {
                assertThat(index.get("Pod")).containsExactlyElementsOf(expected);
            }
        }
        for (Uuid u : new ArrayList<>(expected)) {
            index.remove("Pod", u);
        }
        assertThat(index.get("Pod")).isEmpty();
        assertThat(index.isEmpty()).isTrue();
    }

    @Test
    void anEqualUuidIsOneRow() {
        UuidIndex<String> index = new UuidIndex<>();
        Uuid a = Uuid.of("00000000-0000-0000-0000-000000000001");
        Uuid b = Uuid.of("00000000-0000-0000-0000-000000000002");
        index.add("x", a);
        index.add("x", Uuid.of(a.value()));
        assertThat(index.get("x")).containsExactly(a);
        index.add("x", b);
        index.add("x", Uuid.of(b.value()));
        assertThat(index.get("x")).containsExactly(a, b);
        index.remove("x", Uuid.of(a.value()));
        assertThat(index.get("x")).containsExactly(b);
        List<Uuid> all = new ArrayList<>();
        index.forEach(all::add);
        assertThat(all).containsExactly(b);
    }
}
