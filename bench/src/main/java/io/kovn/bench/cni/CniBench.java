package io.kovn.bench.cni;

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
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.IntFunction;

/**
 * CNI ADD, from exec of bin/kovn-cni to its result, for pods one after another and all at once, next to the
 * floor: the same plumbing (veth, addresses, route, offload, OVS port, wait for ovn-installed) by a plain shell
 * script of ip / ethtool / ovs-vsctl commands, in the same run on the same node. The logical switch ports exist
 * before each ADD (the controller makes them first); a second floor also creates them with ovn-nbctl.
 *
 * <p>Run: {@code kovn bench cni [--pods N]}.
 */
public final class CniBench {
    private final NodeLab lab;
    private final int pods;
    private final PrintStream progress;
    private final Path floorScript;
    private int seq;

    /** Latencies of one series, in milliseconds. */
    public record Stats(String name, int n, double p50, double p99, double max) {
        static Stats of(String name, List<Double> ms) {
            List<Double> s = new ArrayList<>(ms);
            Collections.sort(s);
            return new Stats(name, s.size(), pct(s, 50), pct(s, 99), s.get(s.size() - 1));
        }

        private static double pct(List<Double> sorted, int p) {
            int i = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
            return sorted.get(Math.max(0, Math.min(i, sorted.size() - 1)));
        }
    }

    /** Every series of one run; ratios are kovn's p50 over the floor's. */
    public record Result(Stats version, Stats kovnSequential, Stats floorSequential, Stats floorSequentialNbctl,
                         Stats kovnConcurrent, Stats floorConcurrent) {
        public double sequentialRatio() {
            return kovnSequential.p50() / floorSequential.p50();
        }

        /** Against the script that also creates the logical port with ovn-nbctl, as kovn's controller does. */
        public double sequentialRatioWithNbctl() {
            return kovnSequential.p50() / floorSequentialNbctl.p50();
        }

        public double concurrentRatio() {
            return kovnConcurrent.p50() / floorConcurrent.p50();
        }

        public String table() {
            StringBuilder b = new StringBuilder(String.format("%-44s %5s %8s %8s %8s%n", "exec to result (ms)", "n",
                    "p50", "p99", "max"));
            for (Stats s : List.of(version, kovnSequential, floorSequential, floorSequentialNbctl, kovnConcurrent,
                    floorConcurrent)) {
                b.append(String.format("%-44s %5d %8.1f %8.1f %8.1f%n", s.name(), s.n(), s.p50(), s.p99(), s.max()));
            }
            b.append(String.format("p50 ratio kovn / floor: sequential %.2fx, concurrent %.2fx (goal <= 1.5x)%n",
                    sequentialRatio(), concurrentRatio()));
            b.append(String.format("p50 ratio kovn / floor with ovn-nbctl lsp-add (ip / ovs-vsctl / ovn-nbctl): sequential %.2fx%n",
                    sequentialRatioWithNbctl()));
            return b.toString();
        }
    }

    private CniBench(NodeLab lab, int pods, PrintStream progress) {
        this.lab = lab;
        this.pods = pods;
        this.progress = progress;
        try (InputStream in = CniBench.class.getResourceAsStream("floor-add.sh")) {
            floorScript = lab.node().dir().resolve("floor-add.sh");
            Files.write(floorScript, in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts a node lab, measures {@code pods} pods per series, and stops it. */
    public static Result run(int pods, PrintStream progress) {
        try (NodeLab lab = NodeLab.start("bench1", Ipv4Cidr.parse("10.244.0.0/20"), b -> { })) {
            return new CniBench(lab, pods, progress).measure();
        }
    }

    private Result measure() {
        progress.println("warming up");
        series("warm-up", 5, this::kovnAdd, false);
        series("warm-up", 2, i -> floorAdd(false), false);
        Stats version = Stats.of("kovn-cni VERSION (JVM start-up)", version(pods));
        progress.println("sequential");
        Stats kovnSeq = series("kovn-cni ADD, sequential", pods, this::kovnAdd, false);
        Stats floorSeq = series("floor script, sequential", pods, i -> floorAdd(false), false);
        Stats floorNb = series("floor script + ovn-nbctl lsp-add, sequential", pods, i -> floorAdd(true), false);
        progress.println("concurrent");
        Stats kovnConc = series("kovn-cni ADD, " + pods + " at once", pods, this::kovnAdd, true);
        Stats floorConc = series("floor script, " + pods + " at once", pods, i -> floorAdd(false), true);
        return new Result(version, kovnSeq, floorSeq, floorNb, kovnConc, floorConc);
    }

    /** A prepared pod: run() plumbs it and returns the milliseconds from exec to result; undo() removes it. */
    private interface Trial {
        double run();

        void undo();
    }

    private Stats series(String name, int n, IntFunction<Trial> prepare, boolean concurrent) {
        List<Trial> trials = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            trials.add(prepare.apply(i));
        }
        List<Double> ms = new ArrayList<>();
        if (!concurrent) {
            trials.forEach(t -> ms.add(t.run()));
        } else {
            ExecutorService runtime = Executors.newFixedThreadPool(n);
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
                all.forEach(f -> ms.add(f.join()));
            } finally {
                runtime.shutdown();
            }
        }
        trials.forEach(Trial::undo);
        Stats s = Stats.of(name, ms);
        progress.printf("  %s: p50 %.1f ms%n", name, s.p50());
        return s;
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

    private Trial kovnAdd(int i) {
        String name = "k" + (++seq);
        lab.controller().addPod(lab.config().nodeName(), "bench", name, true);
        Netns netns = lab.node().createPod(name);
        CniExec plugin = lab.plugin();
        String containerId = "bench-" + name;
        String conf = lab.pluginConfig("1.0.0");
        return new Trial() {
            @Override
            public double run() {
                CniExec.Outcome o = plugin.run(plugin.env("ADD", containerId, netns.path(), "eth0", "bench", name), conf);
                check(o.ok(), "ADD of " + name + " failed: " + o.stdout() + o.stderr());
                return o.millis();
            }

            @Override
            public void undo() {
                CniExec.Outcome o = plugin.run(plugin.env("DEL", containerId, netns.path(), "eth0", "bench", name), conf);
                check(o.ok(), "DEL of " + name + " failed: " + o.stdout());
                lab.controller().deletePod("bench", name);
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
