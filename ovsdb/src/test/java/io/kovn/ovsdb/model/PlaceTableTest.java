package io.kovn.ovsdb.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Keys put and deleted at random (colliding ones included) are found where a hash map finds them. */
class PlaceTableTest {

    @Test
    void findsWhatAHashMapFindsThroughInsertsAndDeletes() {
        Random random = new Random(5);
        String[] keys = new String[64];
        PlaceTable table = new PlaceTable(128);
        Map<String, Integer> expected = new HashMap<>();
        List<Integer> free = new ArrayList<>();
        for (int i = 0; i < keys.length; i++) {
            free.add(i);
        }
        for (int step = 0; step < 20_000; step++) {
            // few distinct keys, so that inserts collide with deleted ones' probe chains
            String key = "k" + random.nextInt(96);
            int slot = table.find(key, i -> keys[i]);
            assertThat(slot >= 0).isEqualTo(expected.containsKey(key));
            if (slot >= 0) {
                assertThat(table.place(slot)).isEqualTo(expected.get(key));
                if (random.nextBoolean()) {
                    int place = table.place(slot);
                    table.delete(slot, i -> keys[i]);
                    keys[place] = null;
                    free.add(place);
                    expected.remove(key);
                }
            } else if (!free.isEmpty()) {
                int place = free.remove(free.size() - 1);
                keys[place] = key;
                table.put(slot, place);
                expected.put(key, place);
            }
        }
        expected.forEach((key, place) -> assertThat(table.place(table.find(key, i -> keys[i]))).isEqualTo(place));
    }
}
