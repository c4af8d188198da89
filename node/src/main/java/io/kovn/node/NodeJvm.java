package io.kovn.node;

import java.util.List;

/**
 * The node agent's JVM options, declared once: the sandbox starts the agent's JVM with them, and the node
 * DaemonSet and the systemd unit hand them to {@code bin/kovn} through {@code KOVN_JAVA_OPTS}. The agent runs on
 * every node, so its memory is multiplied by the cluster's size; {@code kovn bench node-footprint} measures it.
 *
 * <p>Why each: the heap starts at 8 MiB and keeps little free room (at most a tenth of it after a collection, at least
 * a twentieth: 1.4 MiB less heap than a fifth and a tenth), growing for a burst of pods and given back after it, where
 * by default it would start at 1/64 of the machine's memory (the whole 192 MiB cap on a 24 GiB host) for about 14 MiB
 * of live objects (starting at 16 MiB, more than it needs, left 1.4 MiB more of it resident idle); a 2 MiB young
 * generation, collected more often but each time in little time, where the default third
 * of the heap stays touched (4 MiB: 1.5 MiB more resident); C1 only (no C2 compiler thread, its arenas and a larger
 * code cache: the agent's hot paths are short and mostly wait on processes and OVSDB), and a method compiled after 4
 * times the invocations and loops C1 waits for by default (code run only at start-up, most of it, stays interpreted: 2
 * MiB less compiled code, start-up within its noise); the serial collector (no parallel or concurrent GC threads; a
 * heap this small collects in milliseconds); 512 KiB thread stacks; Netty's Flight Recorder events off (Netty otherwise
 * sets up JFR's event metadata in every JVM it runs in, about a hundred classes, for recordings nobody takes on a
 * node); Netty's buffers unpooled (the agent's OVSDB and API messages are few and small: a pool's chunks and per-thread
 * caches kept 0.8 MiB more resident); the C heap trimmed every 5 s (class parsing and the compiler free much of what they malloc at start-up, and
 * glibc keeps it resident otherwise: 8 MiB; a flag of recent JDK 17 updates, 17.0.15 here and in the image: an early 17
 * update refuses to start with it); the JDK's class-data archive mapped where it was made instead of at a random
 * address (relocating it writes to every page of it, 10 MiB of private memory; mapped in place its pages stay clean,
 * are read only where touched and are shared with the host's other JVMs; what is given up is the randomized address of
 * that archive, which this JDK's default, ArchiveRelocationMode=1, picks at every start); processes (the {@code ip},
 * {@code nsenter} and {@code ethtool} of every CNI ADD and DEL) started by vfork and exec instead of posix_spawn
 * through the JDK's {@code jspawnhelper}, which is one exec more per process (about 1 ms of CPU and 1-2 ms of the
 * ADD's time each here; {@code bin/kovn} sets it for every kovn JVM, the sandbox's agents get it from here).
 */
public final class NodeJvm {
    public static final List<String> OPTIONS = List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k",
            "-Xms8m", "-Xmn2m", "-XX:MinHeapFreeRatio=5", "-XX:MaxHeapFreeRatio=10", "-XX:CompileThresholdScaling=4",
            "-Dio.netty.jfr.enabled=false", "-Dio.netty.allocator.type=unpooled", "-XX:TrimNativeHeapInterval=5000",
            "-XX:+UnlockDiagnosticVMOptions", "-XX:ArchiveRelocationMode=0", "-Djdk.lang.Process.launchMechanism=VFORK");

    private NodeJvm() {
    }

    /** {@link #OPTIONS} as one {@code KOVN_JAVA_OPTS} value. */
    public static String javaOpts() {
        return String.join(" ", OPTIONS);
    }
}
