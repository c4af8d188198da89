package io.kovn.ovsdb.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BackoffTest {

    @Test
    void delaysDoubleUpToTheMaximumEachInTheUpperHalfOfItsStep() {
        Backoff b = new Backoff(100, 1000);
        long[] steps = {100, 200, 400, 800, 1000, 1000};
        for (long step : steps) {
            assertThat(b.next()).isBetween(step / 2, step);
            assertThat(b.stepMs()).isEqualTo(step);
        }
        b.reset();
        assertThat(b.stepMs()).isZero();
        assertThat(b.next()).isBetween(50L, 100L);
    }

    @Test
    void delaysAreJittered() {
        Set<Long> firsts = new HashSet<>();
        for (int i = 0; i < 50; i++) {
            firsts.add(new Backoff(1000, 8000).next());
        }
        assertThat(firsts).as("50 clients' first delays").hasSizeGreaterThan(10);
    }
}
