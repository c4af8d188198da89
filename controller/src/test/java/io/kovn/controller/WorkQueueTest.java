package io.kovn.controller;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class WorkQueueTest {
    @Test
    void deduplicatesBatchesAndRequeuesKeysChangedWhileBeingHandled() throws Exception {
        try (WorkQueue q = new WorkQueue(Duration.ofMillis(10), Duration.ofMillis(100))) {
            q.add(ObjectKey.pod("a", "p1"));
            q.add(ObjectKey.pod("a", "p1"));
            q.add(ObjectKey.node("n1"));
            assertThat(q.take(10, Duration.ZERO)).containsExactly(ObjectKey.pod("a", "p1"), ObjectKey.node("n1"));
            q.add(ObjectKey.node("n1")); // changed while being handled
            assertThat(q.take(10, Duration.ZERO)).isEmpty();
            q.done(ObjectKey.pod("a", "p1"));
            q.done(ObjectKey.node("n1"));
            assertThat(q.take(10, Duration.ZERO)).containsExactly(ObjectKey.node("n1"));
            q.done(ObjectKey.node("n1"));
            assertThat(q.idle()).isTrue();
        }
    }

    @Test
    void failedKeysComeBackAfterADoublingBackoff() throws Exception {
        try (WorkQueue q = new WorkQueue(Duration.ofMillis(20), Duration.ofMillis(70))) {
            ObjectKey k = ObjectKey.service("a", "s");
            assertThat(q.retry(k)).isEqualTo(Duration.ofMillis(20));
            assertThat(q.retry(k)).isEqualTo(Duration.ofMillis(40));
            assertThat(q.retry(k)).isEqualTo(Duration.ofMillis(70));
            assertThat(q.take(1, Duration.ofSeconds(2))).containsExactly(k);
            q.done(k);
            q.forget(k);
            assertThat(q.retry(k)).isEqualTo(Duration.ofMillis(20));
        }
    }
}
