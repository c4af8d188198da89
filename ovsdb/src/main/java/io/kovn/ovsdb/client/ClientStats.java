package io.kovn.ovsdb.client;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Counters of what an {@link OvsdbClient}'s connection went through, for metrics (read them, e.g. as Prometheus
 * counters; this module depends on no metrics library).
 */
public final class ClientStats {
    final AtomicLong reconnects = new AtomicLong();
    final AtomicLong leaderChanges = new AtomicLong();
    final AtomicLong resumedResyncs = new AtomicLong();
    final AtomicLong fullResyncs = new AtomicLong();
    final AtomicLong serversSkipped = new AtomicLong();

    ClientStats() {
    }

    /** Connections made ready after the first one. */
    public long reconnects() {
        return reconnects.get();
    }

    /** Times the client went on with a clustered database's leader other than the one it used before. */
    public long leaderChanges() {
        return leaderChanges.get();
    }

    /** Monitors restarted after a reconnect from the last transaction id, the server sending only what changed. */
    public long resumedResyncs() {
        return resumedResyncs.get();
    }

    /** Monitors restarted after a reconnect with the whole of their tables sent again. */
    public long fullResyncs() {
        return fullResyncs.get();
    }

    /**
     * Connections given up because the server was not usable: not the leader (with
     * {@link OvsdbClient.Options#leaderOnly()}), cut off from its cluster, or behind what the client already saw.
     */
    public long serversSkipped() {
        return serversSkipped.get();
    }
}
