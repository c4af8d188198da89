package io.kovn.ovsdb.client;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Reconnect delays that double from a minimum to a maximum, each drawn from the upper half of its step ("equal
 * jitter"), so the clients of one restarted server do not all come back in the same millisecond.
 */
final class Backoff {
    private final long minMs;
    private final long maxMs;
    private long stepMs;

    Backoff(long minMs, long maxMs) {
        this.minMs = Math.max(1, minMs);
        this.maxMs = Math.max(this.minMs, maxMs);
    }

    /** The next delay: the step doubles (from the minimum, up to the maximum) and a random half of it is taken off. */
    long next() {
        stepMs = stepMs == 0 ? minMs : Math.min(maxMs, stepMs * 2);
        long half = stepMs / 2;
        return stepMs - half + ThreadLocalRandom.current().nextLong(half + 1);
    }

    /** The current step: how long a connection has to prove itself before the back-off starts over. */
    long stepMs() {
        return stepMs;
    }

    void reset() {
        stepMs = 0;
    }
}
