package io.kovn.bench.cni;

import com.sun.management.OperatingSystemMXBean;
import io.kovn.node.lab.NodeLab;
import io.kovn.testing.Exec;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * CPU time spent by the parts of a CNI ADD, from /proc: this JVM (the bench and the agent it hosts), its finished
 * child processes (the plugin's JVM and bash, the script's commands, the agent's ip / ethtool / nsenter: the kernel
 * adds a child's time to its parent once it is reaped) and the OVS/OVN daemons of the lab. On a machine of two cores
 * a burst of ADDs is bound by their CPU, so this says where a burst's time goes.
 */
final class CpuClock {
    private final long ticksPerSecond;
    private final List<Long> daemons = new ArrayList<>();

    CpuClock(NodeLab lab) {
        daemons.addAll(lab.node().pids().values());
        daemons.addAll(lab.central().pids().values());
        long hz = 100;
        Exec.Result r = Exec.run(Duration.ofSeconds(10), "getconf", "CLK_TCK");
        if (r.ok() && r.stdout().strip().matches("\\d+")) {
            hz = Long.parseLong(r.stdout().strip());
        }
        ticksPerSecond = hz;
    }

    /** CPU milliseconds used so far. */
    record Reading(double self, double children, double daemons) {
    }

    /** Average CPU milliseconds per ADD. */
    record PerAdd(double self, double children, double daemons) {
        String row(String label) {
            return String.format(Locale.ROOT, "%-52s %10.1f %16.1f %10.1f %10.1f%n", label, self, children, daemons,
                    self + children + daemons);
        }
    }

    /** Adds up readings around ADDs. */
    static final class Sum {
        private double self;
        private double children;
        private double daemons;
        private int adds;

        void add(Reading before, Reading after, int n) {
            self += after.self() - before.self();
            children += after.children() - before.children();
            daemons += after.daemons() - before.daemons();
            adds += n;
        }

        PerAdd perAdd() {
            return adds == 0 ? new PerAdd(0, 0, 0) : new PerAdd(self / adds, children / adds, daemons / adds);
        }
    }

    Reading read() {
        double self = ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime() / 1e6;
        long[] me = fields(Path.of("/proc/self/stat"));
        double children = (me[2] + me[3]) * 1000.0 / ticksPerSecond;
        double d = 0;
        for (long pid : daemons) {
            long[] f = fields(Path.of("/proc", Long.toString(pid), "stat"));
            d += (f[0] + f[1]) * 1000.0 / ticksPerSecond;
        }
        return new Reading(self, children, d);
    }

    /** utime, stime, cutime, cstime of a /proc/PID/stat (0s for a process that is gone). */
    private static long[] fields(Path stat) {
        try {
            String s = Files.readString(stat);
            String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
            // after the command: state is field 3, utime 14, stime 15, cutime 16, cstime 17
            return new long[] {Long.parseLong(f[11]), Long.parseLong(f[12]), Long.parseLong(f[13]),
                    Long.parseLong(f[14])};
        } catch (IOException | RuntimeException e) {
            return new long[4];
        }
    }
}
