package io.kovn.sandbox.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kovn.sandbox.Sandbox;
import io.kovn.sandbox.standins.RuntimePod;
import io.kovn.testing.Exec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BiPredicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * NetworkPolicy truth tables with real packets, after the upstream Kubernetes network-policy e2e suite: namespaces
 * x, y and z (labelled ns=NAME) with pods a, b and c (labelled pod=NAME) spread over the nodes, each serving TCP and
 * UDP 80 and 81. For each case the whole 9x9 reachability matrix of the ports the case is about is probed from the
 * pods' network namespaces and compared with the expected one, waiting for the (asynchronous) enforcement.
 */
@Tag("integration")
@Tag("e2e")
@ResourceLock("kovn-sandbox")
@ExtendWith(SharedSandbox.class)
class NetworkPolicyE2ETest {
    private static final List<String> NAMESPACES = List.of("x", "y", "z");
    private static final List<String> PODS = List.of("a", "b", "c");
    private static final Duration ENFORCE = Duration.ofSeconds(15);
    private static final Map<String, Pods> pods = new LinkedHashMap<>();
    /** x/a ... z/c, in matrix order. */
    private static final List<RuntimePod> all = new ArrayList<>();
    private static final Map<String, Double> enforcement = new LinkedHashMap<>();
    private static ExecutorService pool;
    private static KubernetesClient client;
    private static long classStart;

    @BeforeAll
    static void podsEverywhere() {
        classStart = System.nanoTime();
        Sandbox s = SharedSandbox.sandbox();
        client = s.client();
        pool = Executors.newFixedThreadPool(16);
        List<String> nodes = s.nodeNames();
        pods.clear(); // surefire's rerun of a failed case runs this again in the same JVM
        all.clear();
        for (String ns : NAMESPACES) { // a rerun after a failed start finds the first attempt's objects
            if (client.namespaces().withName(ns).get() != null) {
                client.network().v1().networkPolicies().inNamespace(ns).delete();
                new Pods(s, ns).deleteAll();
            }
        }
        for (int i = 0; i < NAMESPACES.size(); i++) {
            String ns = NAMESPACES.get(i);
            client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).addToLabels("ns", ns)
                    .endMetadata().build()).create();
            Pods p = new Pods(s, ns);
            pods.put(ns, p);
            for (int j = 0; j < PODS.size(); j++) {
                String name = PODS.get(j);
                client.pods().inNamespace(ns).resource(new PodBuilder().withNewMetadata().withName(name).withNamespace(ns)
                        .addToLabels("pod", name).endMetadata().withNewSpec()
                        .withNodeName(nodes.get((i + j) % nodes.size())).addNewContainer().withName("serve")
                        .addNewPort().withName("serve-80-tcp").withContainerPort(80).withProtocol("TCP").endPort()
                        .addNewPort().withName("serve-81-tcp").withContainerPort(81).withProtocol("TCP").endPort()
                        .addNewPort().withName("serve-80-udp").withContainerPort(80).withProtocol("UDP").endPort()
                        .addNewPort().withName("serve-81-udp").withContainerPort(81).withProtocol("UDP").endPort()
                        .endContainer().endSpec().build()).create();
            }
        }
        for (String ns : NAMESPACES) {
            for (String name : PODS) {
                all.add(pods.get(ns).awaitReady(name));
            }
        }
        // full reachability before any policy
        for (Port port : List.of(Port.TCP80, Port.TCP81, Port.UDP80)) {
            Reachability.expect(everything()).await(port, "no policy", ENFORCE);
        }
        System.out.printf("netpol: 9 pods ready and fully reachable after %.1f s%n", (System.nanoTime() - classStart) / 1e9);
    }

    @AfterEach
    void removePolicies() {
        for (String ns : NAMESPACES) {
            client.network().v1().networkPolicies().inNamespace(ns).delete();
        }
        Reachability.expect(everything()).await(Port.TCP80, "policies removed", ENFORCE);
    }

    @AfterAll
    static void cleanUp() {
        try {
            for (String ns : NAMESPACES) {
                client.network().v1().networkPolicies().inNamespace(ns).delete();
                pods.get(ns).deleteAll();
            }
        } finally {
            pool.shutdownNow();
        }
        System.out.println("netpol: enforcement times (policy change -> expected matrix observed):");
        enforcement.forEach((k, v) -> System.out.printf("netpol:   %-55s %.2f s%n", k, v));
        System.out.printf("netpol: whole class %.1f s%n", (System.nanoTime() - classStart) / 1e9);
    }

    // ---- cases ----

    @Test
    void denyAllIngress(TestInfo t) {
        long start = apply(policy("x", "deny-all").withNewSpec().withNewPodSelector().endPodSelector()
                .withPolicyTypes("Ingress").endSpec().build());
        Reachability r = Reachability.expect((from, to) -> !ns(to).equals("x"));
        enforced(t, r, Port.TCP80, start);
        r.await(Port.UDP80, "deny all ingress in x (UDP)", ENFORCE);
        // the node itself (kubelet probes, through the management port) still reaches an isolated pod
        Sandbox s = SharedSandbox.sandbox();
        RuntimePod xa = pod("x/a");
        Pods.await("x/a reachable from a node", Duration.ofSeconds(5), () -> s.nodeNames().stream()
                .allMatch(n -> probe(s.nodeNetns(n).path(), xa, Port.TCP80)));
    }

    @Test
    void denyAllEgress(TestInfo t) {
        long start = apply(policy("x", "deny-all-egress").withNewSpec().withNewPodSelector().endPodSelector()
                .withPolicyTypes("Egress").endSpec().build());
        // x's pods open nothing; the others still reach x (the replies are allowed)
        enforced(t, Reachability.expect((from, to) -> !ns(from).equals("x")), Port.TCP80, start);
    }

    @Test
    void allowFromNamespaceByLabel(TestInfo t) {
        long start = apply(policy("x", "from-y").withNewSpec().withNewPodSelector().endPodSelector()
                .addNewIngress().addNewFrom().withNewNamespaceSelector().addToMatchLabels("ns", "y")
                .endNamespaceSelector().endFrom().endIngress().endSpec().build());
        enforced(t, Reachability.expect((from, to) -> !ns(to).equals("x") || ns(from).equals("y")), Port.TCP80, start);
    }

    @Test
    void podSelectorAndNamespaceSelectorInOnePeer(TestInfo t) {
        long start = apply(policy("x", "and").withNewSpec().withNewPodSelector().addToMatchLabels("pod", "a")
                .endPodSelector().addNewIngress().addNewFrom().withNewNamespaceSelector().addToMatchLabels("ns", "y")
                .endNamespaceSelector().withNewPodSelector().addToMatchLabels("pod", "b").endPodSelector().endFrom()
                .endIngress().endSpec().build());
        enforced(t, Reachability.expect((from, to) -> !to.equals("x/a") || from.equals("y/b")), Port.TCP80, start);
    }

    @Test
    void podSelectorOrNamespaceSelectorAsTwoPeers(TestInfo t) {
        long start = apply(policy("x", "or").withNewSpec().withNewPodSelector().addToMatchLabels("pod", "a")
                .endPodSelector().addNewIngress().addNewFrom().withNewNamespaceSelector().addToMatchLabels("ns", "y")
                .endNamespaceSelector().endFrom().addNewFrom().withNewPodSelector().addToMatchLabels("pod", "b")
                .endPodSelector().endFrom().endIngress().endSpec().build());
        enforced(t, Reachability.expect((from, to) -> !to.equals("x/a") || ns(from).equals("y") || from.equals("x/b")),
                Port.TCP80, start);
    }

    @Test
    void namedPorts(TestInfo t) {
        long start = apply(policy("x", "named").withNewSpec().withNewPodSelector().endPodSelector()
                .addNewIngress().addNewPort().withProtocol("TCP").withPort(new IntOrString("serve-81-tcp")).endPort()
                .addNewPort().withProtocol("UDP").withPort(new IntOrString("serve-80-udp")).endPort()
                .endIngress().endSpec().build());
        enforced(t, Reachability.expect((from, to) -> !ns(to).equals("x")), Port.TCP80, start);
        Reachability.expect(everything()).await(Port.TCP81, "named ports: serve-81-tcp", ENFORCE);
        Reachability.expect(everything()).await(Port.UDP80, "named ports: serve-80-udp", ENFORCE);
    }

    /** An egress rule's named port is resolved on the destinations (y's pods): x/a opens TCP 81 to y only. */
    @Test
    void egressNamedPortResolvedOnTheDestinations(TestInfo t) {
        long start = apply(policy("x", "egress-named").withNewSpec().withNewPodSelector().addToMatchLabels("pod", "a")
                .endPodSelector().withPolicyTypes("Egress").addNewEgress().addNewTo().withNewNamespaceSelector()
                .addToMatchLabels("ns", "y").endNamespaceSelector().endTo().addNewPort().withProtocol("TCP")
                .withPort(new IntOrString("serve-81-tcp")).endPort().endEgress().endSpec().build());
        enforced(t, Reachability.expect((from, to) -> !from.equals("x/a")), Port.TCP80, start);
        Reachability.expect((from, to) -> !from.equals("x/a") || ns(to).equals("y"))
                .await(Port.TCP81, "egress named port serve-81-tcp to ns y", ENFORCE);
    }

    @Test
    void portRange(TestInfo t) {
        long start = apply(policy("x", "range").withNewSpec().withNewPodSelector().endPodSelector()
                .addNewIngress().addNewPort().withProtocol("TCP").withPort(new IntOrString(75)).withEndPort(80).endPort()
                .endIngress().endSpec().build());
        enforced(t, Reachability.expect((from, to) -> !ns(to).equals("x")), Port.TCP81, start);
        Reachability.expect(everything()).await(Port.TCP80, "port range 75-80: 80 inside", ENFORCE);
        // widened to 80-81: both allowed
        long update = apply(policy("x", "range").withNewSpec().withNewPodSelector().endPodSelector()
                .addNewIngress().addNewPort().withProtocol("TCP").withPort(new IntOrString(80)).withEndPort(81).endPort()
                .endIngress().endSpec().build());
        record("portRange: widened to 80-81", Reachability.expect(everything()).await(Port.TCP81, "range 80-81", ENFORCE),
                update);
    }

    @Test
    void ipBlockWithExcept(TestInfo t) {
        String yc = pod("y/c").ip();
        long start = apply(policy("x", "ipblock").withNewSpec().withNewPodSelector().addToMatchLabels("pod", "a")
                .endPodSelector().withPolicyTypes("Egress").addNewEgress().addNewTo().withNewIpBlock()
                .withCidr(Sandbox.CLUSTER_SUBNET).withExcept(yc + "/32").endIpBlock().endTo().endEgress().endSpec()
                .build());
        enforced(t, Reachability.expect((from, to) -> !(from.equals("x/a") && to.equals("y/c"))), Port.TCP80, start);
    }

    @Test
    void ingressIpBlockWithExcept(TestInfo t) {
        String zb = pod("z/b").ip();
        long start = apply(policy("x", "ipblock-in").withNewSpec().withNewPodSelector().endPodSelector()
                .addNewIngress().addNewFrom().withNewIpBlock().withCidr(Sandbox.CLUSTER_SUBNET).withExcept(zb + "/32")
                .endIpBlock().endFrom().endIngress().endSpec().build());
        enforced(t, Reachability.expect((from, to) -> !(from.equals("z/b") && ns(to).equals("x"))), Port.TCP80, start);
    }

    @Test
    void egressOnlyToSomePods(TestInfo t) {
        long start = apply(policy("x", "egress-to-yb").withNewSpec().withNewPodSelector().addToMatchLabels("pod", "a")
                .endPodSelector().withPolicyTypes("Egress").addNewEgress().addNewTo().withNewNamespaceSelector()
                .addToMatchLabels("ns", "y").endNamespaceSelector().withNewPodSelector().addToMatchLabels("pod", "b")
                .endPodSelector().endTo().endEgress().endSpec().build());
        enforced(t, Reachability.expect((from, to) -> !from.equals("x/a") || to.equals("y/b")), Port.TCP80, start);
    }

    @Test
    void updateThenDeleteRestoresReachability(TestInfo t) {
        long start = apply(policy("x", "evolving").withNewSpec().withNewPodSelector().endPodSelector()
                .withPolicyTypes("Ingress").endSpec().build());
        enforced(t, Reachability.expect((from, to) -> !ns(to).equals("x")), Port.TCP80, start);
        long update = apply(policy("x", "evolving").withNewSpec().withNewPodSelector().endPodSelector()
                .addNewIngress().addNewFrom().withNewNamespaceSelector().addToMatchLabels("ns", "z")
                .endNamespaceSelector().endFrom().endIngress().endSpec().build());
        record("update: deny-all -> allow from ns=z", Reachability.expect((from, to) -> !ns(to).equals("x")
                || ns(from).equals("z")).await(Port.TCP80, "updated to allow from ns=z", ENFORCE), update);
        long delete = System.nanoTime();
        client.network().v1().networkPolicies().inNamespace("x").withName("evolving").delete();
        record("delete: full reachability back", Reachability.expect(everything())
                .await(Port.TCP80, "policy deleted", ENFORCE), delete);
    }

    // ---- helpers ----

    private static BiPredicate<String, String> everything() {
        return (from, to) -> true;
    }

    private static String ns(String pod) {
        return pod.substring(0, pod.indexOf('/'));
    }

    private static RuntimePod pod(String key) {
        return all.stream().filter(p -> key(p).equals(key)).findFirst().orElseThrow();
    }

    private static String key(RuntimePod p) {
        return p.namespace() + "/" + p.name();
    }

    private static NetworkPolicyBuilder policy(String ns, String name) {
        return new NetworkPolicyBuilder().withNewMetadata().withNamespace(ns).withName(name).endMetadata();
    }

    /** Creates or replaces the policy; returns when it was accepted (System.nanoTime). */
    private static long apply(NetworkPolicy np) {
        client.network().v1().networkPolicies().inNamespace(np.getMetadata().getNamespace()).resource(np)
                .createOr(x -> x.update());
        return System.nanoTime();
    }

    private static void enforced(TestInfo t, Reachability r, Port port, long since) {
        record(t.getTestMethod().orElseThrow().getName() + " (" + port + ")", r.await(port,
                t.getDisplayName(), ENFORCE), since);
    }

    /** Records the time from the change at {@code since} to {@code observedAt}, when the matching round ended. */
    private static void record(String what, long observedAt, long since) {
        double s = (observedAt - since) / 1e9;
        enforcement.put(what, s);
        System.out.printf("netpol: %s enforced after %.2f s%n", what, s);
    }

    /** A port and protocol to probe. */
    enum Port {
        TCP80("tcp", 80), TCP81("tcp", 81), UDP80("udp", 80), UDP81("udp", 81);

        final String protocol;
        final int number;

        Port(String protocol, int number) {
            this.protocol = protocol;
            this.number = number;
        }

        @Override
        public String toString() {
            return protocol.toUpperCase() + " " + number;
        }
    }

    private static final String TCP_PROBE = """
            exec 3<>"/dev/tcp/$1/$2" || exit 3
            printf 'whoami\\n' >&3
            IFS= read -r -t 1 line <&3 || exit 4
            echo "$line"
            """;
    private static final String UDP_PROBE = """
            exec 3<>"/dev/udp/$1/$2" || exit 3
            printf 'whoami\\n' >&3
            line=$(timeout 1 dd bs=65536 count=1 <&3 2>/dev/null)
            [ -n "$line" ] || exit 4
            echo "$line"
            """;

    /**
     * One connection (TCP connect, a request and its echo) or one UDP request and reply from a network namespace,
     * answered by the expected pod within about a second (a dropped SYN or datagram just times out). A UDP probe
     * waits a second for the reply once it sent its request, within 3 s for the whole probe: on a loaded machine
     * starting its three processes (bash, timeout, dd) can take longer than the reply, and a 1 s budget for all of
     * it once read a reachable pod, even a pod probing itself, as unreachable.
     */
    static boolean probe(java.nio.file.Path netns, RuntimePod to, Port port) {
        boolean tcp = port.protocol.equals("tcp");
        List<String> cmd = List.of("nsenter", "--net=" + netns, "--", "timeout", tcp ? "1" : "3", "bash", "-c",
                tcp ? TCP_PROBE : UDP_PROBE, "probe", to.ip(), Integer.toString(port.number));
        try {
            Exec.Result r = Exec.run(cmd, Map.of(), null, Duration.ofSeconds(5));
            return r.ok() && r.out().equals(key(to));
        } catch (Exec.ExecException e) {
            return false;
        }
    }

    /** An expected 9x9 matrix (from x rows, to x columns) of x/a ... z/c; a pod always reaches itself (loopback). */
    static final class Reachability {
        private final boolean[][] expected;

        private Reachability(boolean[][] expected) {
            this.expected = expected;
        }

        static Reachability expect(BiPredicate<String, String> allowed) {
            boolean[][] m = new boolean[all.size()][all.size()];
            for (int i = 0; i < all.size(); i++) {
                for (int j = 0; j < all.size(); j++) {
                    m[i][j] = i == j || allowed.test(key(all.get(i)), key(all.get(j)));
                }
            }
            return new Reachability(m);
        }

        /** Probes every pair in parallel. */
        static boolean[][] observe(Port port) {
            int n = all.size();
            List<Future<Boolean>> futures = new ArrayList<>();
            for (RuntimePod from : all) {
                for (RuntimePod to : all) {
                    futures.add(pool.submit(() -> probe(from.netnsPath(), to, port)));
                }
            }
            boolean[][] m = new boolean[n][n];
            for (int k = 0; k < futures.size(); k++) {
                try {
                    m[k / n][k % n] = futures.get(k).get();
                } catch (Exception e) {
                    throw new AssertionError("probe failed", e);
                }
            }
            return m;
        }

        /**
         * Probes until the observed matrix equals the expected one twice in a row (the second round confirms it);
         * returns when the first of the two matching rounds ended (System.nanoTime).
         */
        long await(Port port, String what, Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            boolean[][] observed;
            Long firstMatch = null;
            int rounds = 0;
            while (true) {
                observed = observe(port);
                rounds++;
                long now = System.nanoTime();
                if (java.util.Arrays.deepEquals(observed, expected)) {
                    if (firstMatch != null) {
                        return firstMatch;
                    }
                    firstMatch = now;
                    continue;
                }
                firstMatch = null;
                if (now > deadline) {
                    break;
                }
            }
            throw new AssertionError(what + ": " + port + " reachability not as expected within "
                    + timeout.toSeconds() + " s (" + rounds + " rounds)\nexpected:\n" + render(expected)
                    + "observed:\n" + render(observed) + "mismatches (X):\n" + render(observed, expected) + "ACLs:\n"
                    + SharedSandbox.sandbox().nbctl("--format=table", "--columns=direction,priority,match,action,options",
                    "list", "acl"));
        }

        private static String render(boolean[][] m) {
            return render(m, null);
        }

        /** A truth table like the upstream netpol e2e prints; with {@code other}, X marks where the two differ. */
        private static String render(boolean[][] m, boolean[][] other) {
            StringBuilder sb = new StringBuilder("-\t");
            all.forEach(p -> sb.append(key(p)).append('\t'));
            sb.append('\n');
            for (int i = 0; i < m.length; i++) {
                sb.append(key(all.get(i))).append('\t');
                for (int j = 0; j < m.length; j++) {
                    sb.append(other == null ? (m[i][j] ? "." : "X") : (m[i][j] == other[i][j] ? "." : "X")).append('\t');
                }
                sb.append('\n');
            }
            return sb.toString();
        }
    }
}
