package io.kovn.bench.cni;

import io.kovn.bench.BenchResult;
import io.kovn.node.lab.CniExec;
import io.kovn.node.lab.NodeLab;
import io.kovn.ovn.Names;
import io.kovn.ovn.annotations.PodNetwork;
import io.kovn.ovn.net.Ipv4Cidr;
import io.kovn.testing.Exec;
import io.kovn.testing.Netns;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.IntFunction;
import java.util.function.ToDoubleFunction;

/**
 * CNI ADD, from exec of bin/kovn-cni to its result, next to the baseline: the same plumbing (veth, addresses, route,
 * offload, OVS port bound by iface-id and iface-id-ver, wait for ovn-installed) by a plain shell script of ip /
 * ethtool / ovs-vsctl commands ({@code floor-add.sh}), on the same node in the same run. The logical switch ports
 * exist before each ADD (the controller makes them first); a second script also creates them with ovn-nbctl.
 * A fourth variant is kovn-cni ADD against a second agent in underlay mode on the same node ({@link UnderlayAgent}):
 * the pod's port comes from the local pool cache, with no annotation to wait for and no ovn-controller to bind it,
 * and is compared with the overlay's ADD of the same run.
 *
 * <p>Variants are interleaved so that a machine whose load drifts treats them alike: sequential trials run in
 * turn (kovn, kovn underlay, script, script + ovn-nbctl, then the next turn starts with the next variant), and bursts
 * (all pods of a burst at once; kovn, kovn underlay and the script) rotate which variant goes first. Sequential figures are the median (with p25-p75 and p99)
 * of n trials each; burst figures are each burst's p50 and p99, given as the median over the rounds with their
 * range, and the ratio kovn / script is taken per round (same moment, same load) and given the same way. CPU per
 * ADD is read from /proc: this JVM (the agent runs in it) and its finished children (the plugin's JVM, the
 * script's commands, the agent's ip / ethtool), and the node's and central OVS/OVN daemons.
 *
 * <p>Run: {@code kovn bench cni [--sequential 200] [--burst 50] [--rounds 5] [--json]}.
 */
public final class CniBench {
    /** The goal for bursts: kovn's p50 and p99 at most this many times the script's. */
    public static final double BURST_GOAL = 1.3;
    static final String KOVN = "kovn-cni ADD";
    static final String FLOOR = "script (ip / ethtool / ovs-vsctl)";
    static final String FLOOR_NBCTL = "script + ovn-nbctl lsp-add";
    static final String UNDERLAY = "kovn-cni ADD, underlay mode (pool cache)";
    /** Trials of each variant made ready in the API and in namespaces before they run. */
    private static final int CHUNK = 10;

    private final NodeLab lab;
    private final Options options;
    private final PrintStream progress;
    private final Path floorScript;
    private final CpuClock cpu;
    private final UnderlayAgent underlay;
    private int seq;

    /** How many ADDs: {@code sequential} per variant one after another, {@code rounds} bursts of {@code burst}. */
    public record Options(int sequential, int burst, int rounds) {
        public static final int DEFAULT_SEQUENTIAL = 200;
        public static final int DEFAULT_BURST = 50;
        public static final int DEFAULT_ROUNDS = 5;
    }

    /** Latencies of one series, in milliseconds. */
    public record Stats(String name, int n, double p25, double p50, double p75, double p99, double max) {
        static Stats of(String name, List<Double> ms) {
            List<Double> s = new ArrayList<>(ms);
            s.sort(Double::compare);
            return new Stats(name, s.size(), pct(s, 25), pct(s, 50), pct(s, 75), pct(s, 99), s.get(s.size() - 1));
        }

        private static double pct(List<Double> sorted, int p) {
            int i = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
            return sorted.get(Math.max(0, Math.min(i, sorted.size() - 1)));
        }
    }

    /** A median over rounds with the rounds' range. */
    public record Spread(double median, double min, double max) {
        static Spread of(Collection<Double> v) {
            List<Double> s = new ArrayList<>(v);
            s.sort(Double::compare);
            int n = s.size();
            double median = n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
            return new Spread(median, s.get(0), s.get(n - 1));
        }

        String format(String unit) {
            return String.format(Locale.ROOT, "%.2f%s [%.2f-%.2f]", median, unit, min, max);
        }

        String json() {
            return String.format(Locale.ROOT, "{\"median\":%.3f,\"min\":%.3f,\"max\":%.3f}", median, min, max);
        }
    }

    /** One variant's bursts: each round's latencies. */
    public record Bursts(String name, List<Stats> rounds) {
        public Spread p50() {
            return Spread.of(rounds.stream().map(Stats::p50).toList());
        }

        public Spread p99() {
            return Spread.of(rounds.stream().map(Stats::p99).toList());
        }
    }

    /** Every series of one run. */
    public record Result(Options options, Stats version, Stats kovnSequential, Stats underlaySequential,
                         Stats floorSequential, Stats floorNbctlSequential, Bursts kovnBursts, Bursts underlayBursts,
                         Bursts floorBursts, Map<String, CpuClock.PerAdd> sequentialCpu,
                         Map<String, CpuClock.PerAdd> burstCpu) implements BenchResult {
        /** kovn / script p50 of each round's burst. */
        public Spread burstP50Ratio() {
            return ratio(kovnBursts, floorBursts, Stats::p50);
        }

        public Spread burstP99Ratio() {
            return ratio(kovnBursts, floorBursts, Stats::p99);
        }

        /** Underlay / overlay kovn p50 of each round's burst. */
        public Spread underlayBurstP50Ratio() {
            return ratio(underlayBursts, kovnBursts, Stats::p50);
        }

        public Spread underlayBurstP99Ratio() {
            return ratio(underlayBursts, kovnBursts, Stats::p99);
        }

        private static Spread ratio(Bursts a, Bursts b, ToDoubleFunction<Stats> f) {
            List<Double> r = new ArrayList<>();
            for (int i = 0; i < a.rounds().size(); i++) {
                r.add(f.applyAsDouble(a.rounds().get(i)) / f.applyAsDouble(b.rounds().get(i)));
            }
            return Spread.of(r);
        }

        /** Underlay / overlay kovn, sequential p50: below 1 when underlay mode's ADD is faster. */
        public double underlaySequentialRatio() {
            return underlaySequential.p50() / kovnSequential.p50();
        }

        public double underlaySequentialP99Ratio() {
            return underlaySequential.p99() / kovnSequential.p99();
        }

        public double sequentialRatio() {
            return kovnSequential.p50() / floorSequential.p50();
        }

        public double sequentialP99Ratio() {
            return kovnSequential.p99() / floorSequential.p99();
        }

        public double sequentialRatioWithNbctl() {
            return kovnSequential.p50() / floorNbctlSequential.p50();
        }

        @Override
        public void printTable(PrintStream out) {
            out.println(table());
        }

        public String table() {
            StringBuilder b = new StringBuilder();
            b.append(String.format(Locale.ROOT, "kovn bench cni: one node, real OVS/OVN; baseline: the %s%n",
                    FLOOR));
            b.append(String.format(Locale.ROOT, "%nsequential, variants interleaved, exec to result (ms)%n"
                    + "%-50s %5s %8s %17s %8s %8s%n", "", "n", "median", "p25-p75", "p99", "max"));
            for (Stats s : List.of(version, kovnSequential, underlaySequential, floorSequential,
                    floorNbctlSequential)) {
                b.append(String.format(Locale.ROOT, "%-50s %5d %8.1f %8.1f-%-8.1f %8.1f %8.1f%n", s.name(), s.n(),
                        s.p50(), s.p25(), s.p75(), s.p99(), s.max()));
            }
            b.append(String.format(Locale.ROOT, "%n%d bursts of %d ADDs at once per variant, first variant"
                    + " rotating (ms; median over bursts [range])%n%-50s %26s %26s%n", options.rounds(),
                    options.burst(), "", "p50", "p99"));
            for (Bursts x : List.of(kovnBursts, underlayBursts, floorBursts)) {
                b.append(String.format(Locale.ROOT, "%-50s %26s %26s%n", x.name(), x.p50().format(""),
                        x.p99().format("")));
            }
            b.append(String.format(Locale.ROOT, "%nCPU per ADD (ms; /proc)%n%-52s %10s %16s %10s %10s%n", "",
                    "this JVM*", "child processes", "OVS/OVN", "total"));
            sequentialCpu.forEach((k, v) -> b.append(v.row(k + ", sequential")));
            burstCpu.forEach((k, v) -> b.append(v.row(k + ", bursts")));
            b.append("  * the bench JVM, in which the agent runs; child processes: the plugin's JVM and the script's"
                    + " and the agent's commands\n");
            b.append(String.format(Locale.ROOT, "%nratio kovn / script (the baseline):%n"
                    + "  sequential p50 %.2fx, p99 %.2fx; against the script + ovn-nbctl: p50 %.2fx%n"
                    + "  bursts of %d, per round: p50 %s, p99 %s (goal <= %.1fx at p50 and p99)%n",
                    sequentialRatio(), sequentialP99Ratio(), sequentialRatioWithNbctl(), options.burst(),
                    burstP50Ratio().format("x"), burstP99Ratio().format("x"), BURST_GOAL));
            b.append(String.format(Locale.ROOT, "%nratio underlay / overlay kovn-cni ADD (same node, same run):%n"
                    + "  sequential p50 %.2fx, p99 %.2fx; against the script: p50 %.2fx%n"
                    + "  bursts of %d, per round: p50 %s, p99 %s%n", underlaySequentialRatio(),
                    underlaySequentialP99Ratio(), underlaySequential.p50() / floorSequential.p50(), options.burst(),
                    underlayBurstP50Ratio().format("x"), underlayBurstP99Ratio().format("x")));
            return b.toString();
        }

        @Override
        public String toJson() {
            StringBuilder b = new StringBuilder("{");
            b.append(String.format(Locale.ROOT, "\"sequential_n\":%d,\"burst\":%d,\"rounds\":%d,"
                            + "\"version_p50_ms\":%.2f,\"kovn_sequential_p50_ms\":%.2f,\"kovn_sequential_p99_ms\":%.2f,"
                            + "\"floor_sequential_p50_ms\":%.2f,\"floor_sequential_p99_ms\":%.2f,"
                            + "\"floor_nbctl_sequential_p50_ms\":%.2f,\"sequential_ratio_p50\":%.3f,"
                            + "\"sequential_ratio_p99\":%.3f,", options.sequential(), options.burst(),
                    options.rounds(), version.p50(), kovnSequential.p50(), kovnSequential.p99(), floorSequential.p50(),
                    floorSequential.p99(), floorNbctlSequential.p50(), sequentialRatio(), sequentialP99Ratio()));
            b.append("\"kovn_burst_p50_ms\":").append(kovnBursts.p50().json())
                    .append(",\"kovn_burst_p99_ms\":").append(kovnBursts.p99().json())
                    .append(",\"floor_burst_p50_ms\":").append(floorBursts.p50().json())
                    .append(",\"floor_burst_p99_ms\":").append(floorBursts.p99().json())
                    .append(",\"burst_ratio_p50\":").append(burstP50Ratio().json())
                    .append(",\"burst_ratio_p99\":").append(burstP99Ratio().json())
                    .append(String.format(Locale.ROOT, ",\"underlay_sequential_p50_ms\":%.2f,"
                            + "\"underlay_sequential_p99_ms\":%.2f,\"underlay_sequential_ratio_p50\":%.3f,"
                            + "\"underlay_sequential_ratio_p99\":%.3f", underlaySequential.p50(), underlaySequential.p99(),
                            underlaySequentialRatio(), underlaySequentialP99Ratio()))
                    .append(",\"underlay_burst_p50_ms\":").append(underlayBursts.p50().json())
                    .append(",\"underlay_burst_p99_ms\":").append(underlayBursts.p99().json())
                    .append(",\"underlay_burst_ratio_p50\":").append(underlayBurstP50Ratio().json())
                    .append(",\"underlay_burst_ratio_p99\":").append(underlayBurstP99Ratio().json());
            b.append(String.format(Locale.ROOT, ",\"burst_goal\":%.1f,\"burst_goal_met\":%b}", BURST_GOAL,
                    burstP50Ratio().median() <= BURST_GOAL && burstP99Ratio().median() <= BURST_GOAL));
            return b.toString();
        }
    }

    private CniBench(NodeLab lab, UnderlayAgent underlay, Options options, PrintStream progress) {
        this.lab = lab;
        this.underlay = underlay;
        this.options = options;
        this.progress = progress;
        this.cpu = new CpuClock(lab);
        try (InputStream in = CniBench.class.getResourceAsStream("floor-add.sh")) {
            floorScript = lab.node().dir().resolve("floor-add.sh");
            Files.write(floorScript, in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts a node lab, measures, and stops it. */
    public static Result run(Options options, PrintStream progress) {
        if (options.sequential() < 1 || options.burst() < 1 || options.rounds() < 1) {
            throw new IllegalArgumentException("--sequential, --burst and --rounds must be at least 1");
        }
        try (NodeLab lab = NodeLab.start("bench1", Ipv4Cidr.parse("10.244.0.0/20"), b -> { });
             UnderlayAgent underlay = UnderlayAgent.start(lab, Math.max(CHUNK, options.burst()))) {
            return new CniBench(lab, underlay, options, progress).measure();
        }
    }

    private Result measure() {
        progress.println("warming up");
        for (int i = 0; i < 5; i++) {
            once(List.of(kovnAdd(), underlayAdd(), floorAdd(false)));
        }
        Stats version = Stats.of("kovn-cni VERSION (JVM start-up)", version(50));
        progress.printf("sequential: %d ADDs per variant, interleaved%n", options.sequential());
        Map<String, List<Double>> seq = new LinkedHashMap<>();
        Map<String, CpuClock.Sum> seqCpu = new LinkedHashMap<>();
        List<String> names = List.of(KOVN, UNDERLAY, FLOOR, FLOOR_NBCTL);
        names.forEach(n -> {
            seq.put(n, new ArrayList<>());
            seqCpu.put(n, new CpuClock.Sum());
        });
        int turn = 0;
        for (int done = 0; done < options.sequential(); done += CHUNK) {
            int k = Math.min(CHUNK, options.sequential() - done);
            Map<String, List<Trial>> ready = new LinkedHashMap<>();
            ready.put(KOVN, prepare(k, i -> kovnAdd()));
            ready.put(UNDERLAY, prepare(k, i -> underlayAdd()));
            ready.put(FLOOR, prepare(k, i -> floorAdd(false)));
            ready.put(FLOOR_NBCTL, prepare(k, i -> floorAdd(true)));
            for (int i = 0; i < k; i++, turn++) {
                for (int v = 0; v < names.size(); v++) {
                    String name = names.get((turn + v) % names.size());
                    CpuClock.Reading before = cpu.read();
                    seq.get(name).add(ready.get(name).get(i).run());
                    seqCpu.get(name).add(before, cpu.read(), 1);
                }
            }
            ready.values().forEach(l -> l.forEach(Trial::undo));
            progress.printf("  %d of %d%n", done + k, options.sequential());
        }
        progress.printf("bursts: %d rounds of %d at once per variant%n", options.rounds(), options.burst());
        List<String> burstNames = List.of(KOVN, UNDERLAY, FLOOR);
        Map<String, List<Stats>> rounds = new LinkedHashMap<>();
        Map<String, CpuClock.Sum> burstCpu = new LinkedHashMap<>();
        burstNames.forEach(n -> {
            rounds.put(n, new ArrayList<>());
            burstCpu.put(n, new CpuClock.Sum());
        });
        for (int r = 0; r < options.rounds(); r++) {
            for (int v = 0; v < burstNames.size(); v++) {
                String name = burstNames.get((r + v) % burstNames.size());
                List<Trial> trials = prepare(options.burst(), i -> switch (name) {
                    case KOVN -> kovnAdd();
                    case UNDERLAY -> underlayAdd();
                    default -> floorAdd(false);
                });
                CpuClock.Reading before = cpu.read();
                List<Double> ms = burst(trials);
                burstCpu.get(name).add(before, cpu.read(), trials.size());
                trials.forEach(Trial::undo);
                Stats s = Stats.of(name, ms);
                rounds.get(name).add(s);
                progress.printf(Locale.ROOT, "  round %d, %s: p50 %.1f ms, p99 %.1f ms%n", r + 1, s.name(), s.p50(),
                        s.p99());
            }
        }
        Map<String, CpuClock.PerAdd> seqPerAdd = new LinkedHashMap<>();
        seqCpu.forEach((k, v) -> seqPerAdd.put(k, v.perAdd()));
        Map<String, CpuClock.PerAdd> burstPerAdd = new LinkedHashMap<>();
        burstCpu.forEach((k, v) -> burstPerAdd.put(k, v.perAdd()));
        return new Result(options, version, Stats.of(KOVN, seq.get(KOVN)), Stats.of(UNDERLAY, seq.get(UNDERLAY)),
                Stats.of(FLOOR, seq.get(FLOOR)), Stats.of(FLOOR_NBCTL, seq.get(FLOOR_NBCTL)),
                new Bursts(KOVN + ", burst", rounds.get(KOVN)), new Bursts(UNDERLAY + ", burst", rounds.get(UNDERLAY)),
                new Bursts(FLOOR + ", burst", rounds.get(FLOOR)), seqPerAdd, burstPerAdd);
    }

    /** A prepared pod: run() plumbs it and returns the milliseconds from exec to result; undo() removes it. */
    private interface Trial {
        double run();

        void undo();
    }

    private static List<Trial> prepare(int n, IntFunction<Trial> prepare) {
        List<Trial> trials = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            trials.add(prepare.apply(i));
        }
        return trials;
    }

    private static void once(List<Trial> trials) {
        trials.forEach(Trial::run);
        trials.forEach(Trial::undo);
    }

    /** Runs every trial at the same moment, as a runtime starting many pods does. */
    private static List<Double> burst(List<Trial> trials) {
        ExecutorService runtime = Executors.newFixedThreadPool(trials.size());
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<CompletableFuture<Double>> all = trials.stream().map(t -> CompletableFuture.supplyAsync(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return t.run();
            }, runtime)).toList();
            go.countDown();
            return all.stream().map(CompletableFuture::join).toList();
        } finally {
            runtime.shutdown();
        }
    }

    private List<Double> version(int n) {
        CniExec plugin = lab.plugin();
        Map<String, String> env = new LinkedHashMap<>(Map.of("CNI_COMMAND", "VERSION"));
        List<Double> ms = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            CniExec.Outcome o = plugin.run(env, "{\"cniVersion\":\"1.0.0\"}");
            check(o.ok(), "VERSION failed: " + o.stdout());
            ms.add(o.millis());
        }
        return ms;
    }

    private Trial kovnAdd() {
        String name = "k" + (++seq);
        lab.controller().addPod(lab.config().nodeName(), "bench", name, true);
        return pluginTrial(name, lab.pluginConfig("1.0.0"), "", () -> lab.controller().deletePod("bench", name));
    }

    /** An ADD through the underlay agent: no pod in the API, the port comes from the pool cache. */
    private Trial underlayAdd() {
        return pluginTrial("u" + (++seq), underlay.pluginConfig("1.0.0"), "underlay ", () -> { });
    }

    /**
     * kovn-cni ADD of pod {@code name} in a new network namespace with {@code conf}, undone by its DEL and then
     * {@code afterDelete}; {@code mode} prefixes the failure messages.
     */
    private Trial pluginTrial(String name, String conf, String mode, Runnable afterDelete) {
        Netns netns = lab.node().createPod(name);
        CniExec plugin = lab.plugin();
        String containerId = "bench-" + name;
        return new Trial() {
            @Override
            public double run() {
                CniExec.Outcome o = plugin.run(plugin.env("ADD", containerId, netns.path(), "eth0", "bench", name), conf);
                check(o.ok(), mode + "ADD of " + name + " failed: " + o.stdout() + o.stderr());
                return o.millis();
            }

            @Override
            public void undo() {
                CniExec.Outcome o = plugin.run(plugin.env("DEL", containerId, netns.path(), "eth0", "bench", name), conf);
                check(o.ok(), mode + "DEL of " + name + " failed: " + o.stdout());
                afterDelete.run();
                netns.close();
            }
        };
    }

    private Trial floorAdd(boolean createLsp) {
        String name = "f" + (++seq);
        String node = lab.config().nodeName();
        String uid = lab.controller().addPod(node, "bench", name, false).getMetadata().getUid();
        PodNetwork net = lab.controller().connect(node, "bench", name, !createLsp);
        Netns netns = lab.node().createPod(name);
        String hostVeth = "fl" + seq;
        Map<String, String> env = new LinkedHashMap<>();
        env.put("NODE_NETNS", lab.node().netns().path().toString());
        env.put("POD_NETNS", netns.path().toString());
        env.put("HOST_VETH", hostVeth);
        env.put("IFNAME", "eth0");
        env.put("MTU", Integer.toString(lab.config().mtu()));
        env.put("MAC", net.macAddress().toString());
        env.put("IP", net.ipAddress().toString());
        env.put("GW", net.gatewayIp().toString());
        env.put("IFACE_ID", Names.podPort("bench", name));
        env.put("IFACE_ID_VER", uid);
        env.put("OVSDB", lab.node().ovsdbRemote());
        env.put("NB", lab.central().nbUnix());
        env.put("SWITCH", Names.nodeSwitch(node));
        env.put("CREATE_LSP", createLsp ? "1" : "0");
        return new Trial() {
            @Override
            public double run() {
                long t0 = System.nanoTime();
                Exec.Result r = Exec.run(List.of("bash", floorScript.toString()), env, null, Duration.ofSeconds(60));
                double ms = (System.nanoTime() - t0) / 1e6;
                check(r.ok(), "floor script for " + name + " failed: " + r.stderr());
                return ms;
            }

            @Override
            public void undo() {
                lab.node().vsctl("--if-exists", "del-port", "br-int", hostVeth);
                lab.node().netns().run(List.of("ip", "link", "del", hostVeth));
                lab.controller().deletePod("bench", name);
                netns.close();
            }
        };
    }

    private static void check(boolean ok, String failure) {
        if (!ok) {
            throw new IllegalStateException(failure);
        }
    }
}
