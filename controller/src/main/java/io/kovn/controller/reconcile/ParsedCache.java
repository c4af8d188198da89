package io.kovn.controller.reconcile;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Values parsed from annotation texts, by the text, for annotations read far more often than they change. Bounded
 * both ways, since the texts come from the API: at most {@code maxEntries} (least recently used dropped first), and a
 * text longer than {@code maxTextLength} is parsed every time instead of kept. The parser must be a pure function
 * of the text and its values immutable: one value is shared by every reader.
 */
final class ParsedCache<V> {
    private final int maxTextLength;
    private final Function<String, V> parser;
    private final Map<String, V> byText;

    ParsedCache(int maxEntries, int maxTextLength, Function<String, V> parser) {
        this.maxTextLength = maxTextLength;
        this.parser = parser;
        this.byText = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
                return size() > maxEntries;
            }
        };
    }

    V get(String text) {
        if (text.length() > maxTextLength) {
            return parser.apply(text);
        }
        synchronized (byText) {
            V v = byText.get(text);
            if (v != null) {
                return v;
            }
        }
        V parsed = parser.apply(text);
        synchronized (byText) {
            byText.put(text, parsed);
        }
        return parsed;
    }
}
