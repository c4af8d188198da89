package io.kovn.controller.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ParsedCacheTest {
    private final List<String> parsed = new ArrayList<>();
    private final ParsedCache<Integer> cache = new ParsedCache<>(2, 8, text -> {
        parsed.add(text);
        return text.length();
    });

    @Test
    void parsesATextOnceWhileKept() {
        assertThat(cache.get("abc")).isEqualTo(3);
        assertThat(cache.get("abc")).isEqualTo(3);
        assertThat(parsed).containsExactly("abc");
    }

    @Test
    void dropsTheLeastRecentlyUsedBeyondItsSize() {
        cache.get("a");
        cache.get("bb");
        cache.get("a");
        cache.get("ccc"); // drops "bb", used before "a"
        cache.get("a");
        cache.get("bb");
        assertThat(parsed).containsExactly("a", "bb", "ccc", "bb");
    }

    @Test
    void keepsNoTextLongerThanItsBound() {
        cache.get("123456789");
        cache.get("123456789");
        assertThat(parsed).containsExactly("123456789", "123456789");
    }
}
