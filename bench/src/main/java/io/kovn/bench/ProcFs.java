package io.kovn.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

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
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        // after the command in parentheses: state is field 3, utime 14, stime 15
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 1000 / TICKS_PER_SECOND;
    }

    /** This JVM's pid. */
    public static long self() {
        return ProcessHandle.current().pid();
    }
}
