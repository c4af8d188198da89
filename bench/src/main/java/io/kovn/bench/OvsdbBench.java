package io.kovn.bench;

import io.kovn.testing.OvnDaemons;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * {@code kovn bench ovsdb}: how fast logical switch ports reach the NB database through kovn's OVSDB client,
 * compared with one ovn-nbctl process per port (baseline A), OVS's Python IDL (baseline B) and a single
 * ovn-nbctl transaction holding every port (the floor). Every variant writes the same ports onto one logical
 * switch of a fresh, empty NB ovsdb-server, and is verified through ovn-nbctl afterwards.
 *
 * <pre>{@code
 * OvsdbBench.Result r = OvsdbBench.run(new OvsdbBench.Options(2000, 500, false), System.err);
 * r.printTable(System.out);
 * }</pre>
 */
public final class OvsdbBench {
    /** speedup_vs_nbctl must be at least this. */
    public static final double SPEEDUP_TARGET = 10;
    /** batched_vs_floor must be at most this. */
    public static final double FLOOR_TARGET = 1.5;
    /** Variants other than baseline A run this many times, each on a fresh server; the median counts. */
    public static final int RUNS = 3;
    /**
     * Before anything is timed, {@link #WARMUP_ROUNDS} throwaway kovn runs of this many ports, one per transaction
     * and batched: on a small machine the JIT needs thousands of transactions before the client's times settle.
     */
    public static final int WARMUP_PORTS = 1000;
    public static final int WARMUP_ROUNDS = 5;

    public static final String NBCTL_PER_PORT = "nbctl_per_port";
    public static final String PYTHON_IDL_PER_PORT = "python_idl_per_port";
    public static final String PYTHON_IDL_BATCHED = "python_idl_batched";
    public static final String NBCTL_ONE_TXN = "nbctl_one_txn";
    public static final String KOVN_PER_PORT = "kovn_per_port";
    public static final String KOVN_BATCHED = "kovn_batched";
    /** Variant ids in the order of the table and the JSON: baselines, floor, then kovn. */
    public static final List<String> DISPLAY_ORDER = List.of(NBCTL_PER_PORT, PYTHON_IDL_PER_PORT, PYTHON_IDL_BATCHED,
            NBCTL_ONE_TXN, KOVN_PER_PORT, KOVN_BATCHED);

    private OvsdbBench() {
    }

    /** @param ports logical switch ports to add; @param batch ports per transaction of the batched variants */
    public record Options(int ports, int batch, boolean json) {
        public static final int DEFAULT_PORTS = 2000;
        public static final int DEFAULT_BATCH = 500;

        public Options {
            if (ports < 1 || ports > BenchPorts.MAX_PORTS) {
                throw new IllegalArgumentException("--ports must be between 1 and " + BenchPorts.MAX_PORTS + ", got " + ports);
            }
            if (batch < 1) {
                throw new IllegalArgumentException("--batch must be at least 1, got " + batch);
            }
        }

        public Options() {
            this(DEFAULT_PORTS, DEFAULT_BATCH, false);
        }
    }

    /**
     * One variant's figures. {@code totalMs} is for all {@link Result#ports()} ports: for baseline A it is
     * extrapolated from the first {@code measuredPorts}; NaN when the variant was skipped ({@code skipReason}).
     * {@code runsMs} are the measured runs, of which {@code totalMs} is the median (scaled when extrapolated).
     */
    public record Variant(String id, String label, double totalMs, double perPortUs, int measuredPorts,
                          boolean extrapolated, int transactions, int verifiedPorts, List<Double> runsMs,
                          Map<String, Object> details, String skipReason) {
        public Variant {
            runsMs = List.copyOf(runsMs);
            details = Collections.unmodifiableMap(new LinkedHashMap<>(details));
        }

        static Variant skipped(String id, String label, String reason) {
            return new Variant(id, label, Double.NaN, Double.NaN, 0, false, 0, 0, List.of(), Map.of(), reason);
        }

        public boolean skipped() {
            return skipReason != null;
        }

        Variant with(String detail, Object value) {
            Map<String, Object> more = new LinkedHashMap<>(details);
            more.put(detail, value);
            return new Variant(id, label, totalMs, perPortUs, measuredPorts, extrapolated, transactions, verifiedPorts,
                    runsMs, more, skipReason);
        }
    }

    /** All figures of one benchmark run; {@code variants} in {@link #DISPLAY_ORDER}. */
    public record Result(Options options, List<Variant> variants, Map<String, String> versions, int warmupPorts) implements BenchResult {
        public Result {
            variants = List.copyOf(variants);
            versions = Collections.unmodifiableMap(new LinkedHashMap<>(versions));
        }

        public int ports() {
            return options.ports();
        }

        public int batch() {
            return options.batch();
        }

        public Optional<Variant> variant(String id) {
            return variants.stream().filter(v -> v.id().equals(id)).findFirst();
        }

        /** Ports baseline A really ran; the rest of its total is extrapolated. */
        public int nbctlPerPortMeasuredPorts() {
            return require(NBCTL_PER_PORT).measuredPorts();
        }

        /** Baseline A's time for all ports (extrapolated) over kovn's one-transaction-per-port time. */
        public double speedupVsNbctl() {
            return require(NBCTL_PER_PORT).totalMs() / require(KOVN_PER_PORT).totalMs();
        }

        /** kovn's batched time over the single-transaction ovn-nbctl time. */
        public double batchedVsFloor() {
            return require(KOVN_BATCHED).totalMs() / require(NBCTL_ONE_TXN).totalMs();
        }

        public boolean speedupTargetMet() {
            return speedupVsNbctl() >= SPEEDUP_TARGET;
        }

        public boolean floorTargetMet() {
            return batchedVsFloor() <= FLOOR_TARGET;
        }

        public boolean targetsMet() {
            return speedupTargetMet() && floorTargetMet();
        }

        /** A human-readable table of totals, per-port times, ratios and targets. */
        @Override
        public void printTable(PrintStream out) {
            ResultReport.printTable(this, out);
        }

        /** One JSON object with every figure (bench/README.md lists the fields). */
        @Override
        public String toJson() {
            return ResultReport.toJson(this);
        }

        private Variant require(String id) {
            return variant(id).orElseThrow(() -> new IllegalStateException("no variant " + id));
        }
    }

    /**
     * Runs every variant, each on fresh NB ovsdb-servers that are stopped before this returns; fails if a
     * variant did not create all its ports. {@code progress} (may be null) gets one line per step.
     */
    public static Result run(Options o, PrintStream progress) {
        PrintStream log = progress != null ? progress : new PrintStream(OutputStream.nullOutputStream());
        int n = o.ports();
        PythonIdlVariant.Interpreter python = PythonIdlVariant.find();
        Map<String, String> versions = Versions.collect(python);
        log.printf("kovn bench ovsdb: %d ports on one logical switch, batch %d; %s%n", n, o.batch(), versions);

        log.printf("warm-up: %d kovn runs of %d ports one per transaction, then batched (not timed)%n",
                WARMUP_ROUNDS, WARMUP_PORTS);
        for (int i = 0; i < WARMUP_ROUNDS; i++) {
            onFreshNb(nb -> KovnVariant.run(nb, WARMUP_PORTS, 1));
            onFreshNb(nb -> KovnVariant.run(nb, WARMUP_PORTS, Math.min(o.batch(), WARMUP_PORTS)));
        }

        // kovn first, while the warm-up's JIT state is freshest; the baselines are separate processes
        List<Variant> variants = new ArrayList<>();
        variants.add(measure(log, KOVN_PER_PORT, "kovn one-txn-per-port", n, RUNS,
                nb -> KovnVariant.run(nb, n, 1)).with("client_encode_ms", KovnVariant.encodeMs(n, 1)));
        variants.add(measure(log, KOVN_BATCHED, "kovn batched", n, RUNS,
                nb -> KovnVariant.run(nb, n, o.batch())).with("client_encode_ms", KovnVariant.encodeMs(n, o.batch())));
        int sample = Math.min(n, NbctlVariants.PER_PORT_SAMPLE);
        variants.add(measure(log, NBCTL_PER_PORT, "A nbctl-per-port", n, 1,
                nb -> NbctlVariants.perPort(nb, sample)));
        if (python.available()) {
            variants.add(measure(log, PYTHON_IDL_PER_PORT, "B python-idl-per-port", n, RUNS,
                    nb -> PythonIdlVariant.run(nb, python, n, 1)));
            variants.add(measure(log, PYTHON_IDL_BATCHED, "B python-idl-batched", n, RUNS,
                    nb -> PythonIdlVariant.run(nb, python, n, o.batch())));
        } else {
            log.println("python IDL baseline skipped: " + python.unavailableReason());
            variants.add(Variant.skipped(PYTHON_IDL_PER_PORT, "B python-idl-per-port", python.unavailableReason()));
            variants.add(Variant.skipped(PYTHON_IDL_BATCHED, "B python-idl-batched", python.unavailableReason()));
        }
        long argMax = NbctlVariants.argMax();
        variants.add(measure(log, NBCTL_ONE_TXN, "floor nbctl-one-txn", n, RUNS,
                nb -> NbctlVariants.oneTransaction(nb, n, argMax)));

        variants.sort(Comparator.comparing(v -> DISPLAY_ORDER.indexOf(v.id())));
        Result r = new Result(o, variants, versions, 2 * WARMUP_ROUNDS * WARMUP_PORTS);
        log.printf("speedup_vs_nbctl %.1f, batched_vs_floor %.2f%n", r.speedupVsNbctl(), r.batchedVsFloor());
        return r;
    }

    /** {@code runs} runs of one variant, each on a fresh server; the median run, extrapolated to {@code ports}. */
    private static Variant measure(PrintStream log, String id, String label, int ports, int runs,
                                   Function<OvnDaemons, Run> body) {
        List<Run> done = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            Run run = onFreshNb(body);
            log.printf("%-20s run %d/%d: %d ports in %d transactions, %.1f ms%n", id, i + 1, runs, run.ports(),
                    run.transactions(), run.ms());
            done.add(run);
        }
        List<Run> sorted = done.stream().sorted(Comparator.comparingDouble(Run::ms)).toList();
        Run median = sorted.get(sorted.size() / 2);
        double total = median.ms() * ports / median.ports();
        return new Variant(id, label, total, total * 1000 / ports, median.ports(), median.ports() != ports,
                median.transactions(), median.verifiedPorts(), done.stream().map(Run::ms).toList(), median.details(),
                null);
    }

    private static Run onFreshNb(Function<OvnDaemons, Run> body) {
        try (OvnDaemons nb = OvnDaemons.builder().nb().start()) {
            return body.apply(nb);
        }
    }
}
