package io.kovn.ovsdb.client;

import io.netty.util.internal.PlatformDependent;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Samples the direct memory of this JVM every few milliseconds
 * from its creation until closed, to bound what a client held at its peak; and the heap left after a GC.
 */
final class MemoryProbe implements AutoCloseable {
    private static final int MIB = 1 << 20;
    private final long directBefore = direct();
    private final long heapBefore = heapAfterGc();
    private final AtomicLong peakDirect = new AtomicLong(directBefore);
    private final Thread sampler;
    private volatile boolean running = true;

    MemoryProbe() {
        sampler = new Thread(() -> {
            while (running) {
                peakDirect.accumulateAndGet(direct(), Math::max);
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "memory-probe");
        sampler.setDaemon(true);
        sampler.start();
    }

    /** The JDK's direct buffers, plus Netty's own where it allocates them without the JDK (no cleaner). */
    static long direct() {
        long netty = Math.max(0, PlatformDependent.usedDirectMemory());
        long jdk = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(p -> p.getName().equals("direct")).mapToLong(BufferPoolMXBean::getMemoryUsed).sum();
        return netty + jdk;
    }

    static long heapAfterGc() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** The highest direct memory seen, in MiB above what was in use when the probe started. */
    long peakDirectGrowthMib() {
        return (peakDirect.get() - directBefore) / MIB;
    }

    /** The heap in use after a GC now, in MiB above the same figure when the probe started. */
    long heapGrowthMib() {
        return (heapAfterGc() - heapBefore) / MIB;
    }

    @Override
    public String toString() {
        return "direct memory peak +" + peakDirectGrowthMib() + " MiB";
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        sampler.join(1000);
    }
}
