package io.kovn.sandbox.demo;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kovn.sandbox.Table;
import io.kovn.sandbox.Tools;
import io.kovn.sandbox.proc.JavaCommand;
import io.kovn.sandbox.proc.ManagedProcess;
import io.kovn.sandbox.standins.EndpointSliceMirror;
import io.kovn.sandbox.standins.PodRuntime;
import io.kovn.sandbox.state.SandboxState;
import io.kovn.sandbox.workload.EchoServer;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * {@code kovn sandbox demo}: a namespace, echo-server pods spread over the nodes by the scheduling stand-in, a
 * ClusterIP service in front of them, and a connectivity matrix in which every cell is real traffic with its
 * round-trip time: pod to pod on the same node and across nodes, pod to service, host (a node) to pod, and pod
 * to the external namespace through the node's gateway, with the source address the outside sees (only where kovn
 * has built a gateway; otherwise the cell says so).
 */
public final class Demo {
    static final int TCP_PORT = 8080;
    static final int UDP_PORT = 5353;
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(120);

    /** What to create. */
    public record Options(String namespace, int podsPerNode, boolean cleanup) {
    }

    /** One row of the summary: how many checks of a kind passed (null: the kind was not probed). */
    public record Check(String name, Counts icmp, Counts tcp, Counts udp, String note) {
        public boolean ok() {
            return Stream.of(icmp, tcp, udp).filter(java.util.Objects::nonNull).allMatch(c -> c.passed() == c.checked());
        }

        public boolean applies() {
            return icmp != null || tcp != null || udp != null;
        }
    }

    /** Passed and checked probes, with the median round trip of those that passed. */
    public record Counts(int passed, int checked, double medianMillis) {
        @Override
        public String toString() {
            return passed + "/" + checked + (passed > 0 ? String.format(" %.2f ms", medianMillis) : "");
        }
    }

    /** The demo's outcome: every summary row; {@link #ok()} if every check that applied passed. */
    public record Report(List<Check> checks) {
        public boolean ok() {
            return checks.stream().allMatch(Check::ok);
        }

        public Optional<Check> check(String prefix) {
            return checks.stream().filter(c -> c.name().startsWith(prefix)).findFirst();
        }
    }

    /** One source of traffic: a pod or a node's host namespace. */
    private record Source(String label, String node, Path netns, boolean host) {
    }

    /** One destination pod. */
    private record Target(String name, String node, String ip) {
    }

    /** The measurements of one category. */
    private static final class Category {
        final String name;
        final List<Probe.Result> icmp = new ArrayList<>();
        final List<Probe.Result> tcp = new ArrayList<>();
        final List<Probe.Result> udp = new ArrayList<>();
        String note;

        Category(String name) {
            this.name = name;
        }
    }

    private final KubernetesClient client;
    private final SandboxState state;
    private final Options o;
    private final PrintStream out;

    private Demo(KubernetesClient client, SandboxState state, Options o, PrintStream out) {
        this.client = client;
        this.state = state;
        this.o = o;
        this.out = out;
    }

    /** Runs the demo, printing as it goes. */
    public static Report run(KubernetesClient client, SandboxState state, Options o, PrintStream out) {
        return new Demo(client, state, o, out).run();
    }

    private Report run() {
        String ns = o.namespace();
        int count = o.podsPerNode() * state.nodes().size();
        out.println("demo: namespace " + ns + ", " + count + " echo-server pods (TCP " + TCP_PORT + ", UDP " + UDP_PORT
                + ") spread over " + state.nodes().size() + " nodes, service web (ClusterIP, 80/TCP -> http, 53/UDP)");
        removeOld(ns);
        long t0 = System.nanoTime();
        create(ns, count);
        List<Pod> pods = awaitReady(ns, count);
        Service svc = awaitService(ns, count);
        out.printf("%d pods ready and service web at %s with %d ready endpoints after %.1f s%n%n", count,
                svc.getSpec().getClusterIP(), count, (System.nanoTime() - t0) / 1e9);

        List<Target> targets = new ArrayList<>();
        List<Source> sources = new ArrayList<>();
        Table legend = new Table("POD", "NODE", "IP", "NETNS");
        for (Pod p : pods) {
            String netns = p.getMetadata().getAnnotations().get(PodRuntime.NETNS_ANNOTATION);
            targets.add(new Target(p.getMetadata().getName(), p.getSpec().getNodeName(), p.getStatus().getPodIP()));
            sources.add(new Source(p.getMetadata().getName(), p.getSpec().getNodeName(), Path.of(netns), false));
            legend.row(p.getMetadata().getName(), p.getSpec().getNodeName(), p.getStatus().getPodIP(), netns);
        }
        for (SandboxState.NodeState n : state.nodes()) {
            sources.add(new Source(n.name() + " (host)", n.name(), Path.of("/var/run/netns", n.netns()), true));
        }
        out.print(legend);
        out.println();
        String clusterIp = svc.getSpec().getClusterIP();
        String gateway = gatewayRouter();

        Category same = new Category("pod -> pod, same node");
        Category cross = new Category("pod -> pod, across nodes");
        Category toSvc = new Category("pod -> service (ClusterIP " + clusterIp + ")");
        Category hostPod = new Category("host -> pod");
        Category hostSvc = new Category("host -> service");
        // the external host on the gateway network (the nodes' gateways' next hop); a state without one: the underlay
        String externalIp = state.external().gatewayIp() != null ? state.external().gatewayIp() : state.external().ip();
        Category external = new Category("pod -> external (" + externalIp + ")");
        TreeSet<String> seenAs = new TreeSet<>();
        ManagedProcess externalEcho = gateway == null ? null : startExternalEcho();
        try {
            // warm up: the first contact of each pair is not what the matrix is about
            sources.stream().filter(s -> !s.host())
                    .forEach(s -> Probe.until(() -> Probe.tcp(s.netns(), clusterIp, 80), Duration.ofSeconds(20)));

            List<String> headings = new ArrayList<>(List.of("FROM \\ TO (TCP round trip)"));
            targets.forEach(t -> headings.add(t.name()));
            headings.add("service web");
            headings.add("external");
            Table matrix = new Table(headings.toArray(String[]::new));
            TreeSet<String> backends = new TreeSet<>();
            for (Source s : sources) {
                List<Object> row = new ArrayList<>(List.of(s.label()));
                for (Target t : targets) {
                    if (!s.host() && s.label().equals(t.name())) {
                        row.add("·");
                        continue;
                    }
                    Category c = s.host() ? hostPod : s.node().equals(t.node()) ? same : cross;
                    c.icmp.add(Probe.ping(s.netns(), t.ip()));
                    Probe.Result tcp = Probe.tcp(s.netns(), t.ip(), TCP_PORT);
                    c.tcp.add(tcp);
                    if (!s.host()) {
                        c.udp.add(Probe.udp(s.netns(), t.ip(), UDP_PORT));
                    }
                    row.add(cell(tcp));
                }
                Category sc = s.host() ? hostSvc : toSvc;
                Probe.Result st = Probe.tcp(s.netns(), clusterIp, 80);
                sc.tcp.add(st);
                if (st.ok()) {
                    backends.add(st.answer());
                }
                Probe.Result su = Probe.udp(s.netns(), clusterIp, 53);
                sc.udp.add(su);
                row.add(cell(st) + (st.ok() ? " " + shortName(st.answer()) : ""));
                if (s.host()) {
                    row.add("");
                } else if (gateway == null) {
                    row.add("n/a");
                } else {
                    external.icmp.add(Probe.ping(s.netns(), externalIp));
                    // the external echo answers "peer" with the source address it sees: the node's gateway (SNAT)
                    Probe.Result et = Probe.tcp(s.netns(), externalIp, TCP_PORT, "peer");
                    external.tcp.add(et);
                    if (et.ok()) {
                        seenAs.add(et.answer());
                    }
                    row.add(cell(et) + (et.ok() ? " as " + et.answer() : ""));
                }
                matrix.row(row.toArray());
            }
            if (gateway == null) {
                external.note = "n/a: gateway not implemented (no gateway router in the Northbound database)";
            } else if (!seenAs.isEmpty()) {
                external.note = "seen outside as " + String.join(", ", seenAs) + " (the nodes' gateways, SNAT)";
            }
            toSvc.note = "answered by " + backends.size() + " of " + targets.size() + " backends";
            out.println("connectivity matrix: every cell is a TCP connection plus one request and reply, with its "
                    + "round-trip time in ms");
            out.print(matrix);
            out.println();
            Table summary = new Table("CHECK", "ICMP (ping)", "TCP", "UDP", "");
            List<Check> checks = new ArrayList<>();
            for (Category c : List.of(same, cross, toSvc, hostPod, hostSvc, external)) {
                Check k = new Check(c.name, counts(c.icmp), counts(c.tcp), counts(c.udp), c.note);
                checks.add(k);
                summary.row(c.name, dash(k.icmp()), dash(k.tcp()), dash(k.udp()), c.note == null ? "" : c.note);
            }
            Report report = new Report(checks);
            out.println("summary (passed/checked, median round trip):");
            out.print(summary);
            out.println();
            out.println(report.ok() ? "all checks passed" : "FAILED: " + String.join("; ", checks.stream()
                    .filter(k -> !k.ok()).map(Check::name).toList()));
            return report;
        } finally {
            if (externalEcho != null) {
                externalEcho.stop(Duration.ofSeconds(2));
            }
            if (o.cleanup()) {
                removeOld(ns);
                client.namespaces().withName(ns).delete();
                out.println("removed namespace " + ns);
            } else {
                out.println("the demo stays in namespace " + ns + " (kubectl -n " + ns + " get pods; "
                        + "`kovn sandbox demo --cleanup` removes it)");
            }
        }
    }

    private static String shortName(String answer) {
        return answer.contains("/") ? answer.substring(answer.indexOf('/') + 1) : answer;
    }

    private static String cell(Probe.Result r) {
        return r.ok() ? String.format("%.2f", r.millis()) : "FAIL";
    }

    private static Counts counts(List<Probe.Result> rs) {
        if (rs.isEmpty()) {
            return null;
        }
        double[] ms = rs.stream().filter(Probe.Result::ok).mapToDouble(Probe.Result::millis).sorted().toArray();
        return new Counts(ms.length, rs.size(), ms.length == 0 ? Double.NaN : ms[ms.length / 2]);
    }

    private static String dash(Counts c) {
        return c == null ? "-" : c.toString();
    }

    private void removeOld(String ns) {
        if (client.namespaces().withName(ns).get() == null) {
            return;
        }
        client.services().inNamespace(ns).delete();
        client.pods().inNamespace(ns).delete();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!client.pods().inNamespace(ns).list().getItems().isEmpty() && System.nanoTime() < deadline) {
            Tools.sleep(100);
        }
        // a pod's network goes with its sandbox, which the pod runtime removes after the object: give it a moment
        Tools.sleep(500);
    }

    private void create(String ns, int count) {
        if (client.namespaces().withName(ns).get() == null) {
            client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
                    .create();
        }
        for (int i = 1; i <= count; i++) {
            client.pods().inNamespace(ns).resource(new PodBuilder().withNewMetadata().withName("web-" + i)
                    .withNamespace(ns).addToLabels("app", "web").endMetadata()
                    .withNewSpec().addNewContainer().withName("echo").withImage("kovn-sandbox/echo")
                    .addNewPort().withName("http").withContainerPort(TCP_PORT).withProtocol("TCP").endPort()
                    .addNewPort().withName("dns").withContainerPort(UDP_PORT).withProtocol("UDP").endPort()
                    .endContainer().endSpec().build()).create();
        }
        client.services().inNamespace(ns).resource(new ServiceBuilder().withNewMetadata().withName("web")
                .withNamespace(ns).endMetadata().withNewSpec().withType("ClusterIP").addToSelector("app", "web")
                .addNewPort().withName("http").withProtocol("TCP").withPort(80).withTargetPort(new IntOrString("http"))
                .endPort()
                .addNewPort().withName("dns").withProtocol("UDP").withPort(53).withTargetPort(new IntOrString(UDP_PORT))
                .endPort().endSpec().build()).create();
    }

    private List<Pod> awaitReady(String ns, int count) {
        return await("pods ready", () -> {
            List<Pod> pods = client.pods().inNamespace(ns).list().getItems();
            boolean all = pods.size() == count && pods.stream().allMatch(Demo::ready);
            return all ? pods.stream().sorted(Comparator.comparing((Pod p) -> Integer.parseInt(
                    p.getMetadata().getName().substring(4)))).toList() : null;
        });
    }

    private Service awaitService(String ns, int count) {
        return await("service web with all endpoints ready", () -> {
            Service s = client.services().inNamespace(ns).withName("web").get();
            if (s == null || s.getSpec().getClusterIP() == null) {
                return null;
            }
            long ready = client.discovery().v1().endpointSlices().inNamespace(ns)
                    .withLabel(EndpointSliceMirror.SERVICE_NAME, "web").list().getItems().stream()
                    .map(EndpointSlice::getEndpoints).filter(java.util.Objects::nonNull).flatMap(List::stream)
                    .filter(e -> Boolean.TRUE.equals(e.getConditions().getReady())).count();
            return ready == count ? s : null;
        });
    }

    private <T> T await(String what, Supplier<T> check) {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            T t = check.get();
            if (t != null) {
                return t;
            }
            Tools.sleep(100);
        }
        throw new IllegalStateException("demo: not " + what + " within " + READY_TIMEOUT.toSeconds() + " s");
    }

    static boolean ready(Pod p) {
        return p.getStatus() != null && p.getStatus().getConditions() != null && p.getStatus().getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    /** The name of a gateway router (GR_<node>) if kovn has made one, else null. */
    private String gatewayRouter() {
        String routers = Tools.tryRun("ovn-nbctl", "--db=" + state.central().nbUnix(), "--bare", "--columns=name",
                "list", "Logical_Router");
        return routers == null ? null : routers.lines().map(String::trim).filter(n -> n.startsWith("GR_")).findFirst()
                .orElse(null);
    }

    private ManagedProcess startExternalEcho() {
        Path log = Path.of(state.stateDir(), "logs", "external-echo.log");
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", state.external().netns()));
        cmd.addAll(JavaCommand.of("16m", List.of(), JavaCommand.codeSourceOf(EchoServer.class), EchoServer.class,
                List.of("external", "tcp:" + TCP_PORT, "udp:" + UDP_PORT)));
        ManagedProcess p = ManagedProcess.start("external-echo", cmd, Map.of(), log);
        p.await("listening", Duration.ofSeconds(20), () -> {
            try {
                return Files.readString(log).contains("listening");
            } catch (java.io.IOException e) {
                return false;
            }
        });
        return p;
    }
}
