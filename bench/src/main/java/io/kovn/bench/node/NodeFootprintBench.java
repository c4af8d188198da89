package io.kovn.bench.node;

import io.kovn.bench.BenchResult;
import io.kovn.node.NodeOptions;
import io.kovn.node.cni.CniInstaller;
import io.kovn.node.lab.CniExec;
import io.kovn.node.lab.FakeControllerForTests;
import io.kovn.node.lab.NodeLab;
import io.kovn.ovn.config.ConfigFile;
import io.kovn.ovn.config.ConfigSources;
import io.kovn.ovn.config.Option;
import io.kovn.ovn.net.Ipv4Cidr;
import io.kovn.sandbox.api.SandboxApiServer;
import io.kovn.sandbox.proc.JavaCommand;
import io.kovn.testing.Cleanup;
import io.kovn.testing.Exec;
import io.kovn.testing.Netns;
import io.kovn.testing.OvnDaemons;
import io.kovn.testing.OvnNode;
import io.kovn.testing.k8s.MockApiServer;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The node agent's own footprint: {@code kovn node} started in a JVM of its own exactly as the sandbox starts it
 * ({@link JavaCommand#nodeAgent}: its flags, the agent's own JVM options, heap cap and class path, with a config
 * file), on a node of its own (central OVN, a node namespace with OVS and ovn-controller, the mock API with the
 * node's subnet), with /metrics served as in a real deployment. Measured once it is ready and has idled: resident memory and threads
 * from /proc, then through jcmd the heap after a full GC, metaspace, the threads by name and the largest classes
 * on the heap; optionally the JVM's native memory by category (NMT, which costs a little memory itself). Then
 * some pods are added through bin/kovn-cni and the resident memory read again. Every run is a fresh JVM.
 *
 * <p>Run: {@code kovn bench node-footprint [--runs 3] [--idle 15] [--pods 20] [--nmt] [--as-deployed]
 * [--jvm-option OPT]...}.
 */
public final class NodeFootprintBench {
    private static final String NODE = "fp1";
    private static final Pattern HEAP_USED = Pattern.compile("total (\\d+)K, used (\\d+)K");
    private static final Pattern META_USED = Pattern.compile("Metaspace\\s+used (\\d+)K, committed (\\d+)K");
    private static final Pattern CLASS_USED = Pattern.compile("class space\\s+used (\\d+)K, committed (\\d+)K");
    private static final Pattern CLASSES =
            Pattern.compile("Total Usage - \\d+ loaders, (\\d+) classes \\((\\d+) shared\\)");
    private static final Pattern THREAD_NAME = Pattern.compile("^\"([^\"]*)\"", Pattern.MULTILINE);
    private static final Pattern NMT_LINE = Pattern.compile("^-\\s+([A-Za-z ]+?) \\(reserved=\\d+KB, committed=(\\d+)KB\\)",
            Pattern.MULTILINE);

    /**
     * What to run: {@code jvmOptions} come after the sandbox's own; with {@code kovnMain} (the CLI's main class) the
     * agent is started as {@code kovn node}, as the DaemonSet and the systemd unit start it, else through the agent's
     * own main class, as the sandbox starts it.
     */
    public record Options(int runs, Duration idle, int pods, boolean nmt, List<String> jvmOptions, Class<?> kovnMain) {
        public static final int DEFAULT_RUNS = 3;
        public static final int DEFAULT_PODS = 20;
    }

    /** One agent JVM's figures; memory in KiB, -1 where not measured. */
    public record Run(double startSeconds, long rssKb, long rssAnonKb, long rssFileKb, int threads,
                      long heapUsedAfterGcKb, long heapCommittedKb, long metaspaceUsedKb, long classSpaceUsedKb,
                      long classes, long sharedClasses, long rssAfterPodsKb, int threadsAfterPods, Map<String, Integer> threadsByName,
                      Map<String, Long> nativeCommittedKb, List<String> histogramTop) {
    }

    /** Every run, with medians and spreads. */
    public record Result(Options options, List<String> command, List<Run> runs) implements BenchResult {
        public double medianRssMb() {
            return median(runs.stream().map(r -> r.rssKb() / 1024.0).toList());
        }

        @Override
        public void printTable(PrintStream out) {
            out.println(table());
        }

        public String table() {
            StringBuilder b = new StringBuilder();
            b.append(String.format(Locale.ROOT, "kovn bench node-footprint: the idle node agent in its own JVM, as the"
                    + " sandbox starts it; %d runs, each a fresh JVM, idle %d s, then %d pods added%n", runs.size(),
                    options.idle().toSeconds(), options.pods()));
            b.append("agent command: ").append(String.join(" ", abbreviate(command))).append("\n\n");
            b.append(String.format(Locale.ROOT, "%-38s %10s %22s%n", "", "median", "runs"));
            row(b, "start-up to CNI config (s)", r -> r.startSeconds(), "%.2f");
            row(b, "RSS idle (MiB)", r -> r.rssKb() / 1024.0, "%.1f");
            row(b, "  anonymous (MiB)", r -> r.rssAnonKb() / 1024.0, "%.1f");
            row(b, "  file-backed (MiB)", r -> r.rssFileKb() / 1024.0, "%.1f");
            row(b, "threads idle", r -> (double) r.threads(), "%.0f");
            row(b, "heap used after full GC (MiB)", r -> r.heapUsedAfterGcKb() / 1024.0, "%.1f");
            row(b, "heap committed (MiB)", r -> r.heapCommittedKb() / 1024.0, "%.1f");
            row(b, "metaspace used (MiB)", r -> r.metaspaceUsedKb() / 1024.0, "%.1f");
            row(b, "  of it class space (MiB)", r -> r.classSpaceUsedKb() / 1024.0, "%.1f");
            row(b, "classes loaded", r -> (double) r.classes(), "%.0f");
            row(b, "  of them from a CDS archive", r -> (double) r.sharedClasses(), "%.0f");
            if (options.pods() > 0) {
                row(b, "RSS after " + options.pods() + " pods (MiB)", r -> r.rssAfterPodsKb() / 1024.0, "%.1f");
                row(b, "threads after " + options.pods() + " pods", r -> (double) r.threadsAfterPods(), "%.0f");
            }
            Run last = runs.get(runs.size() - 1);
            if (!last.nativeCommittedKb().isEmpty()) {
                b.append("\nnative memory committed by category (last run, NMT), MiB:\n");
                last.nativeCommittedKb().forEach((k, v) -> b.append(String.format(Locale.ROOT, "  %-28s %8.1f%n", k,
                        v / 1024.0)));
            }
            b.append("\nthreads by name (last run, idle): ");
            List<String> names = new ArrayList<>();
            last.threadsByName().forEach((k, v) -> names.add(k + " " + v));
            b.append(String.join(", ", names)).append('\n');
            b.append("\nlargest on the heap after GC (last run):\n");
            last.histogramTop().forEach(l -> b.append("  ").append(l).append('\n'));
            return b.toString();
        }

        private void row(StringBuilder b, String label, java.util.function.ToDoubleFunction<Run> f, String fmt) {
            List<Double> v = runs.stream().map(f::applyAsDouble).toList();
            List<String> each = v.stream().map(x -> String.format(Locale.ROOT, fmt, x)).toList();
            b.append(String.format(Locale.ROOT, "%-38s %10s %22s%n", label, String.format(Locale.ROOT, fmt, median(v)),
                    String.join(" ", each)));
        }

        @Override
        public String toJson() {
            StringBuilder b = new StringBuilder("{");
            b.append(String.format(Locale.ROOT, "\"runs\":%d,\"idle_seconds\":%d,\"pods\":%d", runs.size(),
                    options.idle().toSeconds(), options.pods()));
            field(b, "start_seconds", runs.stream().map(Run::startSeconds).toList());
            field(b, "rss_mb", runs.stream().map(r -> r.rssKb() / 1024.0).toList());
            field(b, "threads", runs.stream().map(r -> (double) r.threads()).toList());
            field(b, "heap_used_after_gc_mb", runs.stream().map(r -> r.heapUsedAfterGcKb() / 1024.0).toList());
            field(b, "metaspace_used_mb", runs.stream().map(r -> r.metaspaceUsedKb() / 1024.0).toList());
            field(b, "classes", runs.stream().map(r -> (double) r.classes()).toList());
            field(b, "rss_after_pods_mb", runs.stream().map(r -> r.rssAfterPodsKb() / 1024.0).toList());
            return b.append('}').toString();
        }

        private static void field(StringBuilder b, String name, List<Double> v) {
            b.append(String.format(Locale.ROOT, ",\"%s\":{\"median\":%.2f,\"min\":%.2f,\"max\":%.2f}", name, median(v),
                    v.stream().mapToDouble(Double::doubleValue).min().orElse(0),
                    v.stream().mapToDouble(Double::doubleValue).max().orElse(0)));
        }

        /** The class path is long: its entries are left out. */
        private static List<String> abbreviate(List<String> cmd) {
            List<String> out = new ArrayList<>();
            for (int i = 0; i < cmd.size(); i++) {
                out.add(i > 0 && "-cp".equals(cmd.get(i - 1)) ? "<class path>" : cmd.get(i));
            }
            return out;
        }
    }

    private final Options options;
    private final PrintStream progress;
    private final Path dir;
    private final OvnDaemons central;
    private final OvnNode node;
    private final MockApiServer api;
    private final FakeControllerForTests controller;
    private final Path config;
    private final Path confDir;
    private final Path binDir;
    private final Path socket;
    private int seq;

    private NodeFootprintBench(Options options, PrintStream progress, Path dir, OvnDaemons central, OvnNode node,
                               MockApiServer api) {
        this.options = options;
        this.progress = progress;
        this.dir = dir;
        this.central = central;
        this.node = node;
        this.api = api;
        this.controller = new FakeControllerForTests(central, api.client());
        this.config = dir.resolve("node.yaml");
        this.confDir = dir.resolve("net.d");
        this.binDir = dir.resolve("bin");
        this.socket = dir.resolve("run/cni-server.sock");
    }

    /** Starts the node's daemons and the mock API, runs the agent {@code runs} times and stops everything. */
    public static Result run(Options options, PrintStream progress) {
        Path dir;
        try {
            dir = Files.createTempDirectory("kovn-footprint-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        OvnDaemons central = null;
        OvnNode node = null;
        MockApiServer api = null;
        try {
            central = OvnDaemons.builder().northd().start();
            node = OvnNode.builder(NODE).start();
            api = new MockApiServer();
            NodeFootprintBench b = new NodeFootprintBench(options, progress, dir, central, node, api);
            return b.measure();
        } finally {
            Cleanup.closeAll(api, node, central);
            Cleanup.deleteTree(dir);
        }
    }

    private Result measure() {
        controller.addNode(NODE, "127.0.0.1", Ipv4Cidr.parse("10.244.1.0/24"));
        writeConfig();
        List<String> command = command();
        List<Run> runs = new ArrayList<>();
        for (int i = 1; i <= options.runs(); i++) {
            progress.printf("run %d of %d%n", i, options.runs());
            runs.add(once(command, i));
        }
        return new Result(options, command, runs);
    }

    private List<String> command() {
        List<String> jvm = new ArrayList<>(options.jvmOptions());
        if (options.nmt()) {
            jvm.add("-XX:NativeMemoryTracking=summary");
        }
        List<String> args = List.of(ConfigSources.CONFIG.flag(), config.toString());
        if (options.kovnMain() == null) {
            return JavaCommand.nodeAgent(jvm, args);
        }
        List<String> kovnArgs = new ArrayList<>(List.of("node"));
        kovnArgs.addAll(args);
        return JavaCommand.nodeAgent(jvm, options.kovnMain(), kovnArgs);
    }

    private void writeConfig() {
        Path kubeconfig = SandboxApiServer.writeKubeconfig(dir.resolve("kubeconfig"),
                api.client().getMasterUrl().toString());
        Map<Option<?>, String> values = new LinkedHashMap<>();
        values.put(NodeOptions.NODE_NAME, NODE);
        values.put(NodeOptions.KUBECONFIG, kubeconfig.toString());
        values.put(NodeOptions.OVSDB, node.ovsdbRemote());
        values.put(NodeOptions.SB_ADDRESS, central.sbUnix());
        values.put(NodeOptions.AGENT_SB_ADDRESS, central.sbUnix());
        values.put(NodeOptions.NB_ADDRESS, central.nbUnix());
        values.put(NodeOptions.ENCAP_IP, "127.0.0.1");
        values.put(NodeOptions.DATAPATH_TYPE, "netdev");
        values.put(NodeOptions.HOST_NETNS, node.netns().path().toString());
        values.put(NodeOptions.SYSTEM_ID_FILE, dir.resolve("system-id.conf").toString());
        values.put(NodeOptions.CLUSTER_SUBNET, NodeLab.CLUSTER.toString());
        values.put(NodeOptions.SERVICE_CIDR, NodeLab.SERVICES.toString());
        values.put(NodeOptions.CNI_SOCKET, socket.toString());
        values.put(NodeOptions.CNI_CONF_DIR, confDir.toString());
        values.put(NodeOptions.CNI_BIN_DIR, binDir.toString());
        values.put(NodeOptions.CNI_PLUGIN_SOURCE, NodeLab.checkoutRoot().toString());
        values.put(NodeOptions.METRICS_PORT, Integer.toString(freePort()));
        values.put(NodeOptions.METRICS_BIND_ADDRESS, "127.0.0.1");
        ConfigFile.write(config, NodeOptions.SET, values);
    }

    private Run once(List<String> command, int run) {
        Path conflist = confDir.resolve(CniInstaller.CONFLIST);
        try {
            Files.deleteIfExists(conflist);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Path log = dir.resolve("agent-" + run + ".log");
        long t0 = System.nanoTime();
        Process agent;
        try {
            agent = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the agent", e);
        }
        try {
            awaitReady(agent, conflist, log);
            double start = (System.nanoTime() - t0) / 1e9;
            progress.printf("  ready in %.2f s; idle %d s%n", start, options.idle().toSeconds());
            sleep(options.idle());
            long pid = agent.pid();
            Map<String, Long> idle = status(pid);
            long rssAfterPods = -1;
            int threadsAfterPods = -1;
            if (options.pods() > 0) {
                addPods(options.pods());
                Map<String, Long> after = status(pid);
                rssAfterPods = after.get("VmRSS");
                threadsAfterPods = after.get("Threads").intValue();
            }
            Map<String, Integer> threadNames = threadsByName(jcmd(pid, "Thread.print"));
            Map<String, Long> nmt = options.nmt() ? nativeMemory(jcmd(pid, "VM.native_memory", "summary")) : Map.of();
            jcmd(pid, "GC.run");
            String heap = jcmd(pid, "GC.heap_info");
            List<String> histogram = jcmd(pid, "GC.class_histogram").lines().skip(3).limit(12).map(String::strip)
                    .toList();
            long[] heapKb = heapTotals(heap);
            long[] meta = find(META_USED, heap);
            long[] cls = find(CLASS_USED, heap);
            long[] classes = classes(jcmd(pid, "VM.metaspace"));
            return new Run(start, idle.get("VmRSS"), idle.get("RssAnon"), idle.get("RssFile"),
                    idle.get("Threads").intValue(), heapKb[1], heapKb[0], meta[0], cls[0], classes[0], classes[1],
                    rssAfterPods, threadsAfterPods, threadNames, nmt, histogram);
        } finally {
            agent.destroy();
            try {
                if (!agent.waitFor(30, TimeUnit.SECONDS)) {
                    agent.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void awaitReady(Process agent, Path conflist, Path log) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!Files.exists(conflist)) {
            if (!agent.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("the agent did not install its CNI config" + (agent.isAlive()
                        ? " within 120 s" : " (exited with " + agent.exitValue() + ")") + "; its log: " + tail(log));
            }
            sleep(Duration.ofMillis(20));
        }
    }

    /** Adds pods one after another through the installed plugin, as a runtime would, and removes them again. */
    private void addPods(int n) {
        CniExec plugin = new CniExec(binDir.resolve(CniInstaller.PLUGIN));
        String conf = "{\"cniVersion\":\"1.0.0\",\"name\":\"kovn\",\"type\":\"kovn-cni\",\"serverSocket\":\""
                + socket + "\"}";
        List<Runnable> undo = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                String name = "fp" + (++seq);
                controller.addPod(NODE, "bench", name, true);
                Netns netns = node.createPod(name);
                String containerId = "footprint-" + name;
                CniExec.Outcome o = plugin.run(plugin.env("ADD", containerId, netns.path(), "eth0", "bench", name), conf);
                undo.add(() -> {
                    plugin.run(plugin.env("DEL", containerId, netns.path(), "eth0", "bench", name), conf);
                    controller.deletePod("bench", name);
                    netns.close();
                });
                if (!o.ok()) {
                    throw new IllegalStateException("ADD of " + name + " failed: " + o.stdout() + o.stderr());
                }
            }
        } finally {
            undo.forEach(Runnable::run);
        }
    }

    /** The kB figures and the thread count of /proc/PID/status. */
    private static Map<String, Long> status(long pid) {
        Map<String, Long> m = new TreeMap<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                String[] f = line.split(":\\s+", 2);
                if (f.length == 2 && f[1].matches("\\d+( kB)?")) {
                    m.put(f[0], Long.parseLong(f[1].replace(" kB", "")));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the agent's /proc status", e);
        }
        return m;
    }

    private static String jcmd(long pid, String... command) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                Long.toString(pid)));
        cmd.addAll(List.of(command));
        Exec.Result r = Exec.run(cmd, Map.of(), null, Duration.ofSeconds(60));
        if (!r.ok()) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed: " + r.stdout() + r.stderr());
        }
        return r.stdout();
    }

    /** Thread names with their trailing numbers cut ("cni-12" counts as "cni-"), by count. */
    static Map<String, Integer> threadsByName(String dump) {
        Map<String, Integer> m = new TreeMap<>();
        Matcher x = THREAD_NAME.matcher(dump);
        while (x.find()) {
            m.merge(x.group(1).replaceAll("\\d+$", "#"), 1, Integer::sum);
        }
        Map<String, Integer> sorted = new LinkedHashMap<>();
        m.entrySet().stream().sorted((a, b) -> b.getValue() - a.getValue())
                .forEach(e -> sorted.put(e.getKey(), e.getValue()));
        return sorted;
    }

    static Map<String, Long> nativeMemory(String summary) {
        Map<String, Long> m = new LinkedHashMap<>();
        Matcher x = NMT_LINE.matcher(summary);
        while (x.find()) {
            m.put(x.group(1).strip(), Long.parseLong(x.group(2)));
        }
        return m;
    }

    /** From {@code jcmd VM.metaspace}: the classes loaded, and how many of them came from a CDS archive. */
    static long[] classes(String metaspace) {
        return find(CLASSES, metaspace);
    }

    /** The heap's generations (or G1's one heap) summed: total, used. */
    private static long[] heapTotals(String heapInfo) {
        Matcher m = HEAP_USED.matcher(heapInfo);
        long[] sum = {0, 0};
        while (m.find()) {
            sum[0] += Long.parseLong(m.group(1));
            sum[1] += Long.parseLong(m.group(2));
        }
        return sum;
    }

    private static long[] find(Pattern p, String text) {
        Matcher m = p.matcher(text);
        if (!m.find()) {
            return new long[] {-1, -1};
        }
        return new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))};
    }

    static double median(List<Double> v) {
        List<Double> s = new ArrayList<>(v);
        s.sort(Double::compare);
        int n = s.size();
        return n == 0 ? Double.NaN : n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
