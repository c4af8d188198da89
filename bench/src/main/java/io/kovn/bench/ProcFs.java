package io.kovn.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** A process's resident memory and CPU time as Linux's {@code /proc} reports them, for the benchmarks' figures. */
public final class ProcFs {
    /** USER_HZ: the unit of /proc/PID/stat's times on Linux, whatever the kernel's tick. */
    private static final int TICKS_PER_SECOND = 100;

    private ProcFs() {
    }

    /** VmRSS of {@code pid} in MiB, -1 if the process is gone. */
    public static long rssMb(long pid) throws IOException {
        Path status = Path.of("/proc", Long.toString(pid), "status");
        if (!Files.exists(status)) {
            return -1;
        }
        for (String line : Files.readAllLines(status)) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
            }
        }
        return -1;
    }

    /** User + system CPU time of {@code pid} in ms (its own, not its children's). */
    public static long cpuMs(long pid) throws IOException {
        return ms(Files.readString(Path.of("/proc", Long.toString(pid), "stat")));
    }

    /**
     * CPU time in ms of each live thread of {@code pid}, by thread id, with its name ({@code /proc/PID/task}): two
     * snapshots give what each thread used in between ({@link #byGroup}). A thread that ended in between is missed.
     */
    public static Map<Long, ThreadCpu> threads(long pid) throws IOException {
        Map<Long, ThreadCpu> out = new HashMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                    long ms = ms(stat);
                    out.put(Long.parseLong(task.getFileName().toString()), new ThreadCpu(name, ms));
                } catch (IOException e) {
                    // the thread ended while listed
                }
            }
        }
        return out;
    }

    /** A thread's name (as the kernel has it: 15 characters at most) and CPU time. */
    public record ThreadCpu(String name, long ms) {
    }

    /**
     * CPU ms used between two {@link #threads} snapshots, by the name of the threads with their trailing numbers
     * dropped ("C2 CompilerThre", "GC Thread", "ovsdb-io").
     */
    public static Map<String, Long> byGroup(Map<Long, ThreadCpu> before, Map<Long, ThreadCpu> after) {
        Map<String, Long> out = new TreeMap<>();
        after.forEach((tid, t) -> {
            ThreadCpu b = before.get(tid);
            long used = t.ms() - (b == null ? 0 : b.ms());
            if (used > 0) {
                out.merge(t.name().replaceAll("([-#]?[0-9]+)+$", ""), used, Long::sum);
            }
        });
        return out;
    }

    /** User + system time from a stat line: after the command in parentheses, utime is field 14, stime 15. */
    private static long ms(String stat) {
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 1000 / TICKS_PER_SECOND;
    }

    /** This JVM's pid. */
    public static long self() {
        return ProcessHandle.current().pid();
    }
}
