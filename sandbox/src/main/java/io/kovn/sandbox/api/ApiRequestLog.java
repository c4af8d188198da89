package io.kovn.sandbox.api;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Every distinct request the sandbox's API has answered, as the authorizer sees it ({@link RequestAttributes}):
 * what a test compares with the roles kovn's manifests grant. Distinct requests are few (no object names are
 * kept); past {@link #MAX_DISTINCT} new ones are only counted, so a long run cannot grow it without bound.
 */
public final class ApiRequestLog {
    static final int MAX_DISTINCT = 10_000;

    private final Set<RequestAttributes> seen = ConcurrentHashMap.newKeySet();
    private final AtomicLong dropped = new AtomicLong();

    void record(String method, String path, Map<String, List<String>> query, String authorization) {
        RequestAttributes a = RequestAttributes.of(method, path, query, authorization);
        if (seen.size() >= MAX_DISTINCT && !seen.contains(a)) {
            dropped.incrementAndGet();
            return;
        }
        seen.add(a);
    }

    /** The distinct requests so far. */
    public Set<RequestAttributes> requests() {
        return Set.copyOf(seen);
    }

    /** How many distinct requests were not kept because the log was full. */
    public long dropped() {
        return dropped.get();
    }
}
