package io.kovn.ovsdb.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Uuids held as two numbers read, compare and hash as their text. */
class UuidTest {

    @Test
    void canonicalUuidsRoundTripAndOrderAsTheirText() {
        Random random = new Random(3);
        List<Uuid> uuids = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            String text = new UUID(random.nextLong(), random.nextLong()).toString();
            Uuid u = Uuid.of(text);
            assertThat(u.value()).isEqualTo(text);
            assertThat(u.toString()).isEqualTo(text);
            assertThat(u).isEqualTo(Uuid.of(text)).hasSameHashCodeAs(Uuid.of(text));
            uuids.add(u);
        }
        uuids.add(Uuid.of("00000000-0000-0000-0000-000000000000"));
        uuids.add(Uuid.of("ffffffff-ffff-ffff-ffff-ffffffffffff"));
        List<Uuid> byText = new ArrayList<>(uuids);
        byText.sort(Comparator.comparing(Uuid::value));
        List<Uuid> natural = new ArrayList<>(uuids);
        natural.sort(null);
        assertThat(natural).isEqualTo(byText);
    }

    @Test
    void anythingElseKeepsItsText() {
        String upper = "ABCDEF01-2345-6789-ABCD-EF0123456789";
        assertThat(Uuid.of(upper).value()).isEqualTo(upper);
        assertThat(Uuid.of(upper)).isNotEqualTo(Uuid.of(upper.toLowerCase()));
        assertThat(Uuid.of("u1").value()).isEqualTo("u1");
        assertThat(Uuid.of("0000000-00000-0000-0000-000000000001").value()).isEqualTo("0000000-00000-0000-0000-000000000001");
        assertThat(Uuid.named("row1")).isNotEqualTo(Uuid.of("row1"));
        assertThat(Uuid.named("row1").toString()).isEqualTo("named-uuid:row1");
        assertThat(Uuid.of("u1").compareTo(Uuid.of("00000000-0000-0000-0000-000000000001"))).isPositive();
    }
}
