package io.kovn.sandbox.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.kovn.ovn.annotations.PodNetwork;
import io.kovn.sandbox.DbMember;
import io.kovn.sandbox.OvnDb;
import io.kovn.sandbox.Sandbox;
import io.kovn.sandbox.SandboxConfig;
import io.kovn.sandbox.Target;
import io.kovn.sandbox.Tools;
import io.kovn.sandbox.standins.RuntimePod;
import io.kovn.sandbox.state.SandboxState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.parallel.ResourceLock;
import tools.jackson.databind.JsonNode;

/**
 * Failover in an {@code --ha} sandbox (NB and SB as 3-member RAFT clusters, two ovn-northd, two controllers; one
 * sandbox for all cases, two nodes): a database leader, the active ovn-northd, the leading controller are SIGKILLed
 * in the middle of pod churn, the NB members are restarted one by one, NB loses its quorum. Each case asserts 0
 * pods lost, 0 duplicate IPs, 0 duplicate NB rows and traffic restored ({@link HaChecks}), and prints its figure on
 * a line starting with {@value #FIGURE}. After each case everything killed is started again.
 */
@Tag("integration")
@Tag("e2e")
@ResourceLock("kovn-sandbox")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HaFailoverE2ETest {
    static final String FIGURE = "HA figure:";
    private static Sandbox s;

    @BeforeAll
    static void up() throws Exception {
        s = Sandbox.start(SandboxConfig.builder(Files.createTempDirectory("kovn-sandbox-ha-")).nodes(2)
                .removeStateOnClose(!Boolean.getBoolean("kovn.e2e.keepState")).ha(true).build(),
                line -> System.out.println("ha sandbox " + line));
    }

    @AfterAll
    static void down() throws Exception {
        if (s == null) {
            return;
        }
        SandboxState state = s.state();
        s.close();
        List<String> left;
        try (Stream<Path> all = Files.list(Path.of("/var/run/netns"))) {
            Set<String> mine = new HashSet<>(state.dbMembers().stream().map(SandboxState.DbMemberState::netns).toList());
            state.nodes().forEach(n -> mine.add(n.netns()));
            left = all.map(p -> p.getFileName().toString()).filter(mine::contains).toList();
        }
        List<Long> alive = state.processes().stream().filter(p -> p.alive()).map(p -> p.pid()).toList();
        assertThat(left).as("namespaces left by the HA sandbox").isEmpty();
        assertThat(alive).as("processes left by the HA sandbox").isEmpty();
    }

    private static Pods namespace(String name) {
        return new Pods(s, name);
    }

    /** Starts again whatever a case killed or stopped, and waits for full health. */
    @AfterEach
    void restore() {
        SandboxState st = s.state();
        for (SandboxState.DbMemberState m : st.dbMembers()) {
            if (m.process() == null || !m.process().alive()) {
                s.restart(Target.parse(Arrays.asList(m.label().split(" "))));
            }
        }
        for (SandboxState.NorthdState n : st.northds()) {
            if (n.process() == null || !n.process().alive()) {
                s.restart(Target.parse(Arrays.asList(n.label().split(" "))));
            }
        }
        for (SandboxState.ControllerState c : st.controllers()) {
            if (c.process() == null || !c.process().alive()) {
                s.restart(Target.parse(Arrays.asList(c.label().split(" "))));
            }
        }
        Pods.await("NB and SB clusters healthy, a northd active, a controller leading", Duration.ofSeconds(60),
                () -> s.dbHealthy(OvnDb.NB) && s.dbHealthy(OvnDb.SB) && s.activeNorthd().isPresent()
                        && s.controllerLeaderIndex().isPresent());
        // the cases' pods stay (each case looks at its own namespace): tearing 100 down would cost a minute
    }

    private static double secondsSince(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    private static Set<String> names(String prefix, int n) {
        return IntStream.range(0, n).mapToObj(i -> prefix + "-" + i).collect(Collectors.toCollection(HashSet::new));
    }

    /**
     * Ports of {@code namespace} in one member's copy of NB: a read-only transaction straight to that member, which
     * answers from its own copy with or without a leader (ovn-nbctl refuses a member cut off from its cluster).
     */
    private static int nbPortsOn(DbMember member, String namespace) {
        String out = Tools.run("ovsdb-client", "--timeout=5", "transact", member.unixRemote(),
                "[\"OVN_Northbound\",{\"op\":\"select\",\"table\":\"Logical_Switch_Port\",\"where\":[],"
                        + "\"columns\":[\"name\"]}]");
        int n = 0;
        for (JsonNode row : SandboxState.json().readTree(out).path(0).path("rows")) {
            if (row.path("name").asString("").startsWith(namespace + "_")) {
                n++;
            }
        }
        return n;
    }

    private static DbMember runningMemberOtherThan(OvnDb db, String label) {
        return s.dbMembers(db).stream().filter(m -> !m.label().equals(label)).findFirst().orElseThrow();
    }

    @Test
    @Order(1)
    void nbLeaderKilledWhile100PodsAreCreated() throws Exception {
        Pods pods = namespace("ha-nb-leader");
        String leader = s.dbLeader(OvnDb.NB).orElseThrow();
        DbMember watched = runningMemberOtherThan(OvnDb.NB, leader);
        AtomicLong commitAt = new AtomicLong();
        long killedAt = 0;
        Thread watcher = null;
        for (int i = 0; i < 100; i++) {
            if (i == 30) {
                s.kill(new Target(Target.Kind.NB_LEADER, null));
                killedAt = System.nanoTime();
                int before = nbPortsOn(watched, pods.namespace());
                watcher = new Thread(() -> {
                    while (commitAt.get() == 0 && !Thread.currentThread().isInterrupted()) {
                        try {
                            if (nbPortsOn(watched, pods.namespace()) > before) {
                                commitAt.set(System.nanoTime());
                            }
                        } catch (RuntimeException e) {
                            // the member is busy with the election: ask again
                        }
                    }
                }, "nb-commit-watcher");
                watcher.setDaemon(true);
                watcher.start();
            }
            pods.pause("p-" + i, null);
        }
        Set<String> expected = names("p", 100);
        Map<String, RuntimePod> running = HaChecks.allReady(pods, expected);
        double lastReady = secondsSince(killedAt);
        watcher.join(30_000);
        assertThat(commitAt.get()).as("an NB commit after the kill").isPositive();
        assertThat(s.dbLeader(OvnDb.NB)).isPresent().get().isNotEqualTo(leader);
        HaChecks.consistent(s, pods, expected, running);
        System.out.printf("%s NB leader (%s) SIGKILLed while 100 pods were created: next NB commit %.2f s after the "
                        + "kill, last pod ready %.2f s after; 0 pods lost, 0 duplicate IPs, 0 duplicate NB rows%n", FIGURE,
                leader, (commitAt.get() - killedAt) / 1e9, lastReady);
    }

    @Test
    @Order(2)
    void sbLeaderKilledExistingPodsKeepTrafficNewPodsComeUp() throws Exception {
        Pods pods = namespace("ha-sb-leader");
        List<String> nodes = s.nodeNames();
        pods.pause("a", nodes.get(0));
        pods.pause("b", nodes.get(1));
        RuntimePod a = pods.awaitReady("a");
        RuntimePod b = pods.awaitReady("b");
        HaChecks.traffic(pods, List.of(a, b));
        double gap;
        double newReady;
        String leader = s.dbLeader(OvnDb.SB).orElseThrow();
        try (PingGap probe = PingGap.start(a.netnsPath(), b.ip())) {
            Pods.await("the probe's first replies", Duration.ofSeconds(10), () -> probe.replies().size() >= 5);
            s.kill(new Target(Target.Kind.SB_LEADER, null));
            long killedAt = System.nanoTime();
            Set<String> fresh = names("n", 4);
            fresh.forEach(n -> pods.pause(n, null));
            HaChecks.allReady(pods, fresh);
            newReady = secondsSince(killedAt);
            Pods.await("5 s of probing after the kill", Duration.ofSeconds(30), () -> secondsSince(killedAt) > 5);
            gap = probe.longestGapSeconds();
        }
        assertThat(s.dbLeader(OvnDb.SB)).isPresent().get().isNotEqualTo(leader);
        assertThat(gap).as("longest gap between replies (s)").isLessThan(2.0);
        Set<String> expected = new HashSet<>(names("n", 4));
        expected.addAll(List.of("a", "b"));
        HaChecks.converged(s, pods, expected);
        System.out.printf("%s SB leader (%s) SIGKILLed: longest gap in a 10/s ping between pods on two nodes %.2f s; "
                + "4 new pods ready %.2f s after the kill; 0 pods lost, 0 duplicate IPs, 0 duplicate NB rows%n", FIGURE,
                leader, gap, newReady);
    }

    @Test
    @Order(3)
    void activeNorthdKilledStandbyTakesOver() {
        Pods pods = namespace("ha-northd");
        int active = s.activeNorthd().orElseThrow();
        s.kill(new Target(Target.Kind.NORTHD_ACTIVE, null));
        long killedAt = System.nanoTime();
        // ovn-nbctl --wait=sb sync: bumps nb_cfg and returns once ovn-northd has copied it to sb_cfg
        s.nbctl("--wait=sb", "--timeout=25", "sync");
        double sbCfg = secondsSince(killedAt);
        assertThat(s.activeNorthd()).isPresent().get().isNotEqualTo(active);
        Set<String> expected = names("x", 4);
        expected.forEach(n -> pods.pause(n, null));
        HaChecks.converged(s, pods, expected);
        System.out.printf("%s active ovn-northd (northd %d) SIGKILLed: the standby took over, next sb_cfg change %.2f s "
                + "after the kill; 0 pods lost, 0 duplicate IPs, 0 duplicate NB rows%n", FIGURE, active, sbCfg);
    }

    @Test
    @Order(4)
    void controllerLeaderKilledDuringChurn() throws Exception {
        Pods pods = namespace("ha-controller");
        Set<String> expected;
        int leader = s.controllerLeaderIndex().orElseThrow();
        String holder = s.controllerLeaseHolder().orElseThrow();
        double leads;
        double nextReady;
        // creations and deletions: a deletion between the new leader's informer list and its watch reaches it
        // because the emulated API's watches resume from the list's resourceVersion (ResumedWatchDispatcher)
        try (Churn churn = new Churn(pods, "c", 150, true)) {
            Pods.await("10 pods created", Duration.ofSeconds(60), () -> churn.created() >= 10);
            s.kill(new Target(Target.Kind.CONTROLLER_LEADER, null));
            long killedAt = System.nanoTime();
            Pods.await("another controller holding the Lease", Duration.ofSeconds(40),
                    () -> s.controllerLeaseHolder().filter(h -> !h.equals(holder)).isPresent());
            leads = secondsSince(killedAt);
            pods.pause("after", null);
            pods.awaitReady("after");
            nextReady = secondsSince(killedAt);
            int createdAtTakeover = churn.created();
            Pods.await("5 more pods created", Duration.ofSeconds(60), () -> churn.created() >= createdAtTakeover + 5);
            expected = new HashSet<>(churn.stop());
            expected.add("after");
        }
        assertThat(s.controllerLeaderIndex()).isPresent().get().isNotEqualTo(leader);
        // the Lease lasts 15 s and is retried every 2 s: the standby must lead within 17 s, plus 5 s for a machine
        // whose load average is many times its cores
        assertThat(leads).as("seconds until the standby holds the Lease").isLessThan(22.0);
        HaChecks.converged(s, pods, expected);
        System.out.printf("%s leading controller (controller %d) SIGKILLed during churn: the standby held the Lease "
                + "%.2f s after the kill (Lease 15 s, retry 2 s), a pod created then was ready %.2f s after the kill; %d pods, 0 lost, 0 duplicate IPs, 0 duplicate NB rows%n", FIGURE, leader, leads,
                nextReady, expected.size());
    }

    @Test
    @Order(5)
    void rollingRestartOfTheNbMembersDuringChurn() throws Exception {
        Pods pods = namespace("ha-rolling");
        Set<String> expected;
        List<String> took = new ArrayList<>();
        long started = System.nanoTime();
        try (Churn churn = new Churn(pods, "r", 150, true)) {
            Pods.await("5 pods created", Duration.ofSeconds(60), () -> churn.created() >= 5);
            for (DbMember m : s.dbMembers(OvnDb.NB)) {
                long t0 = System.nanoTime();
                s.restart(new Target(Target.Kind.NB_MEMBER, Integer.toString(m.index())));
                Pods.await("NB healthy after restarting " + m.label(), Duration.ofSeconds(60),
                        () -> s.dbHealthy(OvnDb.NB));
                took.add(String.format("%s %.1f s", m.label(), secondsSince(t0)));
            }
            int after = churn.created();
            Pods.await("3 more pods created", Duration.ofSeconds(60), () -> churn.created() >= after + 3);
            expected = churn.stop();
        }
        HaChecks.converged(s, pods, expected);
        System.out.printf("%s rolling restart of the 3 NB members during churn (each back in the cluster: %s; %.1f s "
                + "in all): %d pods, 0 lost, 0 duplicate IPs, 0 duplicate NB rows%n", FIGURE, String.join(", ", took),
                secondsSince(started), expected.size());
    }

    @Test
    @Order(6)
    void nbQuorumLostThenBack() {
        Pods pods = namespace("ha-quorum");
        Set<String> before = names("q", 2);
        before.forEach(n -> pods.pause(n, null));
        HaChecks.allReady(pods, before);
        int controller = s.controllerLeaderIndex().orElseThrow();
        String leader = s.dbLeader(OvnDb.NB).orElseThrow();
        DbMember kept = runningMemberOtherThan(OvnDb.NB, leader);
        List<DbMember> stopped = s.dbMembers(OvnDb.NB).stream().filter(m -> m != kept).toList();
        stopped.forEach(m -> s.kill(new Target(Target.Kind.NB_MEMBER, Integer.toString(m.index()))));
        long lostAt = System.nanoTime();
        Pods.await("the leading controller's /healthz naming NB", Duration.ofSeconds(30),
                () -> s.controllerHealthz(controller).contains("NB"));
        double unhealthy = secondsSince(lostAt);
        String health = s.controllerHealthz(controller);
        Set<String> during = names("w", 3);
        during.forEach(n -> pods.pause(n, null));
        Pods.await("8 s without quorum", Duration.ofSeconds(30), () -> secondsSince(lostAt) > 8);
        assertThat(nbPortsOn(kept, pods.namespace())).as("NB ports of the namespace while NB has no quorum")
                .isEqualTo(before.size());
        for (String n : during) {
            Pod p = pods.client().pods().inNamespace(pods.namespace()).withName(n).get();
            assertThat(Optional.ofNullable(p.getMetadata().getAnnotations()).map(a -> a.get(PodNetwork.ANNOTATION)))
                    .as("%s annotated without NB", n).isEmpty();
        }
        long back = System.nanoTime();
        stopped.forEach(m -> s.restart(new Target(Target.Kind.NB_MEMBER, Integer.toString(m.index()))));
        Set<String> expected = new HashSet<>(before);
        expected.addAll(during);
        Map<String, RuntimePod> running = HaChecks.allReady(pods, expected);
        double converged = secondsSince(back);
        Pods.await("the controller's /healthz OK again", Duration.ofSeconds(30),
                () -> s.controllerHealthz(controller).isEmpty());
        HaChecks.consistent(s, pods, expected, running);
        System.out.printf("%s NB quorum lost (2 of 3 members SIGKILLed): /healthz 503 %.2f s after, naming it (%s); "
                + "nothing written meanwhile; all pods ready %.2f s after the members were restarted, no manual step%n",
                FIGURE, unhealthy, health.length() > 160 ? health.substring(0, 160) + "..." : health, converged);
    }

    @Test
    @Order(7)
    void nbWipedWithTheControllersStoppedIsRebuiltFromKubernetesWithTheSameAddresses() {
        wipeDrill("ha-dr", true);
    }

    @Test
    @Order(8)
    void nbWipedUnderTheRunningControllersIsRebuiltWithTheSameAddresses() {
        wipeDrill("ha-dr-live", false);
    }

    /**
     * Deletes every NB member's files and creates the cluster again, empty, with the controllers stopped first
     * (they rebuild their allocations from the pods' annotations when they start) or running (the leader's client
     * meets a new cluster id, resyncs in full, and the leader writes every row again from what it holds).
     */
    private static void wipeDrill(String namespace, boolean stopControllers) {
        Pods pods = namespace(namespace);
        Set<String> names = names("d", 6);
        names.forEach(n -> pods.pause(n, null));
        HaChecks.allReady(pods, names);
        Map<String, String> portsBefore = podPortAddresses(pods.namespace());
        Map<String, String> subnetsBefore = nodeSwitchSubnets();
        Map<String, String> ipsBefore = podIps(pods);
        assertThat(portsBefore).hasSize(names.size());

        if (stopControllers) {
            s.stopController();
        }
        long wipedAt = System.nanoTime();
        s.recreateDatabase(OvnDb.NB);
        if (stopControllers) {
            assertThat(podPortAddresses(pods.namespace())).as("pod ports in the recreated NB").isEmpty();
            s.startController();
        }
        Pods.await("every pod port back in NB", Duration.ofSeconds(120),
                () -> podPortAddresses(pods.namespace()).size() == names.size());
        double rebuilt = secondsSince(wipedAt);
        assertThat(podPortAddresses(pods.namespace())).as("pod ports (MAC IP) after the rebuild").isEqualTo(portsBefore);
        Pods.await("every node switch back in NB", Duration.ofSeconds(30),
                () -> nodeSwitchSubnets().equals(subnetsBefore));
        assertThat(podIps(pods)).as("pod IPs after the rebuild").isEqualTo(ipsBefore);
        Map<String, RuntimePod> running = HaChecks.allReady(pods, names);
        HaChecks.traffic(pods, running.values());
        double traffic = secondsSince(wipedAt);
        pods.pause("d-new", null);
        Set<String> expected = new HashSet<>(names);
        expected.add("d-new");
        HaChecks.converged(s, pods, expected);
        System.out.printf("%s NB wiped (3 members' files deleted, cluster recreated empty) %s: every row rebuilt from "
                + "Kubernetes %.2f s after the wipe, pods talking %.2f s after; %d pods kept their IPs and MACs, %d node "
                + "subnets kept; a new pod works%n", FIGURE, stopControllers
                        ? "with the controllers stopped (started again after the wipe)"
                        : "under the running controllers", rebuilt, traffic, names.size(), subnetsBefore.size());
    }

    /** Port name -> addresses ("MAC IP") of the namespace's pods in NB. */
    private static Map<String, String> podPortAddresses(String namespace) {
        Map<String, String> out = new TreeMap<>();
        JsonNode rows = SandboxState.json().readTree(s.nbctl("--format=json", "--columns=name,addresses", "list",
                "Logical_Switch_Port")).path("data");
        for (JsonNode r : rows) {
            String name = r.path(0).asString("");
            if (name.startsWith(namespace + "_")) {
                out.put(name, r.path(1).toString());
            }
        }
        return out;
    }

    /** Node switch name -> other_config:subnet, for every switch that has one. */
    private static Map<String, String> nodeSwitchSubnets() {
        Map<String, String> out = new TreeMap<>();
        JsonNode rows = SandboxState.json().readTree(s.nbctl("--format=json", "--columns=name,other_config", "list",
                "Logical_Switch")).path("data");
        for (JsonNode r : rows) {
            for (JsonNode kv : r.path(1).path(1)) {
                if (kv.path(0).asString("").equals("subnet")) {
                    out.put(r.path(0).asString(""), kv.path(1).asString(""));
                }
            }
        }
        return out;
    }

    private static Map<String, String> podIps(Pods pods) {
        return pods.client().pods().inNamespace(pods.namespace()).list().getItems().stream()
                .collect(Collectors.toMap(p -> p.getMetadata().getName(), p -> p.getStatus().getPodIP()));
    }
}
