package io.kovn.bench;

import io.kovn.testing.Exec;
import io.kovn.testing.OvnDaemons;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The ovn-nbctl variants: one process per port (baseline A) and all ports in one process (the floor). */
final class NbctlVariants {
    /** Baseline A runs at most this many ports; the rest is extrapolated. */
    static final int PER_PORT_SAMPLE = 500;
    /** Bytes of argv and environment left unused below ARG_MAX, for the pointer arrays' rounding and the like. */
    private static final long ARG_MARGIN = 64 * 1024;
    private static final Duration FLOOR_TIMEOUT = Duration.ofMinutes(10);

    private NbctlVariants() {
    }

    /** Adds {@code ports} ports with one {@code ovn-nbctl} process each, as the original approach did. */
    static Run perPort(OvnDaemons nb, int ports) {
        nb.nbctl("ls-add", BenchPorts.SWITCH);
        long t0 = System.nanoTime();
        for (int i = 0; i < ports; i++) {
            nb.nbctl(BenchPorts.nbctlCommands(i).toArray(String[]::new));
        }
        double ms = (System.nanoTime() - t0) / 1e6;
        return new Run(ms, ports, ports, NbVerifier.verify(nb, "nbctl-per-port", ports), Map.of("processes", ports));
    }

    /**
     * Adds all ports in one {@code ovn-nbctl} process, i.e. one transaction, unless the command line would
     * exceed ARG_MAX: then in as few processes as fit, each its own transaction (reported as "chunks").
     */
    static Run oneTransaction(OvnDaemons nb, int ports, long argMax) {
        nb.nbctl("ls-add", BenchPorts.SWITCH);
        List<String> prefix = List.of("ovn-nbctl", "--db=" + nb.nbUnix());
        long envBytes = argvBytes(nb.env().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList())
                + argvBytes(System.getenv().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList());
        List<List<String>> calls = chunk(prefix, ports, argMax - envBytes - ARG_MARGIN);
        long t0 = System.nanoTime();
        for (List<String> cmd : calls) {
            Exec.run(cmd, nb.env(), nb.dir(), FLOOR_TIMEOUT).check();
        }
        double ms = (System.nanoTime() - t0) / 1e6;
        return new Run(ms, ports, calls.size(), NbVerifier.verify(nb, "nbctl-one-txn", ports),
                Map.of("processes", calls.size(), "chunks", calls.size(), "argv_bytes_max",
                        calls.stream().mapToLong(NbctlVariants::argvBytes).max().orElse(0), "arg_max", argMax));
    }

    /** Command lines adding ports 0..ports-1, each {@code prefix} plus as many ports as fit in {@code budget} bytes. */
    static List<List<String>> chunk(List<String> prefix, int ports, long budget) {
        List<List<String>> calls = new ArrayList<>();
        List<String> cmd = new ArrayList<>(prefix);
        long bytes = argvBytes(prefix);
        for (int i = 0; i < ports; i++) {
            List<String> port = new ArrayList<>(BenchPorts.nbctlCommands(i));
            if (cmd.size() > prefix.size()) {
                port.add(0, "--");
            }
            long more = argvBytes(port);
            if (cmd.size() > prefix.size() && bytes + more > budget) {
                calls.add(cmd);
                cmd = new ArrayList<>(prefix);
                bytes = argvBytes(prefix);
                port.remove(0);
                more = argvBytes(port);
            }
            if (bytes + more > budget) {
                throw new IllegalStateException("ARG_MAX budget of " + budget + " bytes is too small for one port");
            }
            cmd.addAll(port);
            bytes += more;
        }
        calls.add(cmd);
        return calls;
    }

    /** What strings take on the new process's stack: their bytes, a NUL each, and a pointer each. */
    static long argvBytes(List<String> args) {
        long n = 0;
        for (String a : args) {
            n += a.getBytes(StandardCharsets.UTF_8).length + 1 + Long.BYTES;
        }
        return n;
    }

    /** {@code getconf ARG_MAX}, or the 128 KiB every Linux allows if that cannot be read. */
    static long argMax() {
        try {
            Exec.Result r = Exec.run(Duration.ofSeconds(10), "getconf", "ARG_MAX");
            return r.ok() ? Long.parseLong(r.out()) : 128 * 1024;
        } catch (RuntimeException e) {
            return 128 * 1024;
        }
    }
}
