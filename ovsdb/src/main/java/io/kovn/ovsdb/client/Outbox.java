package io.kovn.ovsdb.client;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Requests waiting for a connection that is ready (its replicas resynced) and writable (its Netty write buffer
 * below the high water mark), oldest first. Bounded in bytes: a server that stops reading, or no server at all,
 * costs at most {@code maxBytes} here plus the write buffer, and further requests are refused instead of queued.
 */
final class Outbox {
    private final long maxBytes;
    private final Map<Long, byte[]> queued = new LinkedHashMap<>();
    private long bytes;

    Outbox(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    /**
     * Queues a request unless that would pass the bound; a request alone in the queue is always taken, so a
     * transaction larger than the bound can still be sent.
     */
    synchronized boolean offer(long id, byte[] message) {
        if (bytes > 0 && bytes + message.length > maxBytes) {
            return false;
        }
        queued.put(id, message);
        bytes += message.length;
        return true;
    }

    /** Forgets a request that was answered, timed out or cancelled before it was sent. */
    synchronized void remove(long id) {
        byte[] m = queued.remove(id);
        if (m != null) {
            bytes -= m.length;
        }
    }

    synchronized boolean contains(long id) {
        return queued.containsKey(id);
    }

    synchronized long bytes() {
        return bytes;
    }

    /** Writes queued requests, oldest first, while {@code ch} stays writable. */
    synchronized void drainTo(Channel ch) {
        boolean wrote = false;
        for (Iterator<byte[]> it = queued.values().iterator(); it.hasNext() && ch.isWritable(); ) {
            byte[] m = it.next();
            it.remove();
            bytes -= m.length;
            ch.write(Unpooled.wrappedBuffer(m));
            wrote = true;
        }
        if (wrote) {
            ch.flush();
        }
    }
}
