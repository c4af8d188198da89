package io.kovn.sandbox.standins;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodIP;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.kovn.sandbox.proc.JavaCommand;
import io.kovn.sandbox.proc.ManagedProcess;
import io.kovn.sandbox.workload.EchoServer;
import io.kovn.testing.Netns;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

/**
 * One pod on a sandbox node: its network namespace, its CNI ADD result and its containers. A container runs
 * its {@code command} + {@code args} if it has any (with {@code nsenter --net} into the pod's namespace, on
 * the host's file system), else the default workload: an {@link EchoServer} on its declared TCP and UDP
 * container ports; a container with neither stands for a pause container and runs nothing. Containers are
 * restarted per the pod's restartPolicy with a growing back-off, as kubelet does.
 */
public final class RuntimePod {
    private static final Logger log = LoggerFactory.getLogger(RuntimePod.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Duration BACKOFF_FIRST = Duration.ofSeconds(2);
    private static final Duration BACKOFF_MAX = Duration.ofSeconds(30);
    /** A status report whose pod changed between read and write is read and written again, this many times. */
    private static final int STATUS_ATTEMPTS = 5;
    private static final List<String> ECHO_JVM = List.of("-Xss256k", "-XX:CICompilerCount=1",
            "-XX:ReservedCodeCacheSize=8m", "-XX:MaxMetaspaceSize=32m", "-Xms4m");

    private final KubernetesClient client;
    private final PodRuntime.NodeContext node;
    private final CniExec cni;
    private final ScheduledExecutorService timers;
    private final String namespace;
    private final String name;
    private final String uid;
    private final String containerId;
    private final Path dir;
    private final Instant startTime = Instant.now();
    private volatile Pod pod;
    private volatile boolean stopping;
    private boolean stopMarked;
    private Netns netns;
    private JsonNode cniResult;
    private volatile String ip;
    private volatile String lastError;
    private final List<ContainerRun> containers = new ArrayList<>();
    private ScheduledFuture<?> logBound;

    /** One container and the process that runs it now, if any. */
    private final class ContainerRun {
        final Container spec;
        ManagedProcess process;
        int restarts;
        boolean ready;
        Instant startedAt;
        Integer lastExit;
        boolean finished;
        ScheduledFuture<?> restart;

        ContainerRun(Container spec) {
            this.spec = spec;
        }
    }

    RuntimePod(KubernetesClient client, PodRuntime.NodeContext node, CniExec cni, Pod pod,
               ScheduledExecutorService timers) {
        this.client = client;
        this.node = node;
        this.cni = cni;
        this.timers = timers;
        this.pod = pod;
        this.namespace = pod.getMetadata().getNamespace();
        this.name = pod.getMetadata().getName();
        this.uid = pod.getMetadata().getUid();
        byte[] id = new byte[32];
        RANDOM.nextBytes(id);
        this.containerId = HexFormat.of().formatHex(id);
        this.dir = node.podsDir().resolve(namespace + "_" + name + "_" + uid.substring(0, Math.min(8, uid.length())));
        pod.getSpec().getContainers().forEach(c -> containers.add(new ContainerRun(c)));
    }

    public String namespace() {
        return namespace;
    }

    public String name() {
        return name;
    }

    public String uid() {
        return uid;
    }

    public String ip() {
        return ip;
    }

    /** The pod's network namespace (what CNI_NETNS was), or null before it exists. */
    public synchronized Path netnsPath() {
        return netns == null ? null : netns.path();
    }

    /**
     * The file the process of {@code container} (null: the first) writes its output to; empty for an unknown
     * container.
     */
    public Optional<Path> log(String container) {
        return containers.stream().map(c -> c.spec.getName()).filter(n -> container == null || n.equals(container))
                .findFirst().map(n -> dir.resolve(n + ".log"));
    }

    /** Whether the pod is being torn down (deleted, replaced, or its node going). */
    public boolean stopping() {
        return stopping;
    }

    /** Why the pod is not running yet, if something failed. */
    public String lastError() {
        return lastError;
    }

    void updated(Pod p) {
        pod = p;
    }

    synchronized boolean markStopping() {
        if (stopMarked) {
            return false;
        }
        stopMarked = true;
        stopping = true;
        return true;
    }

    /** Sandbox, network, containers, status; retried with back-off until it works or the pod goes. */
    void setUp() {
        try {
            Files.createDirectories(dir);
            while (!cni.networkReady()) {
                if (!pause(Duration.ofMillis(200))) {
                    return;
                }
            }
            synchronized (this) {
                if (stopping) {
                    return;
                }
                netns = Netns.create(role());
            }
            CniExec.Target target = target();
            for (int attempt = 0; ; attempt++) {
                try {
                    JsonNode result = cni.add(target);
                    synchronized (this) {
                        cniResult = result;
                    }
                    ip = CniExec.podIp(result);
                    lastError = null;
                    break;
                } catch (CniExec.CniException e) {
                    lastError = "CNI " + e.getMessage();
                    log.info("pod {}/{} on {}: {} (attempt {})", namespace, name, node.nodeName(), lastError, attempt + 1);
                    delQuietly(target);
                    reportStatus();
                    if (!pause(PodRuntime.backoff(attempt, Duration.ofMillis(500), Duration.ofSeconds(5)))) {
                        return;
                    }
                }
            }
            annotate();
            synchronized (this) {
                if (stopping) {
                    return;
                }
                for (ContainerRun c : containers) {
                    start(c);
                }
            }
            synchronized (this) {
                logBound = timers.scheduleWithFixedDelay(() -> containers.forEach(c -> ContainerLogs.bound(
                        dir.resolve(c.spec.getName() + ".log"))), 10, 10, TimeUnit.SECONDS);
            }
            awaitListening();
            reportStatus();
            log.info("pod {}/{} running on {} with IP {}", namespace, name, node.nodeName(), ip);
        } catch (RuntimeException | IOException e) {
            lastError = e.toString();
            log.warn("pod {}/{} on {} could not be set up", namespace, name, node.nodeName(), e);
        }
    }

    private String role() {
        String r = (namespace + "-" + name).toLowerCase().replaceAll("[^a-z0-9-]", "-");
        return "pod-" + (r.length() > 40 ? r.substring(0, 40) : r);
    }

    private CniExec.Target target() {
        return new CniExec.Target(containerId, netns.path(), "eth0", namespace, name, uid);
    }

    private void delQuietly(CniExec.Target target) {
        try {
            cni.del(target, null);
        } catch (CniExec.CniException e) {
            log.info("pod {}/{}: DEL after a failed ADD: {}", namespace, name, e.getMessage());
        }
    }

    /** Sleeps unless the pod is being stopped; false if it is. */
    private boolean pause(Duration d) {
        long end = System.nanoTime() + d.toNanos();
        while (System.nanoTime() < end) {
            if (stopping) {
                return false;
            }
            try {
                Thread.sleep(Math.min(50, Math.max(1, (end - System.nanoTime()) / 1_000_000)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return !stopping;
    }

    private void annotate() {
        String patch = "{\"metadata\":{\"annotations\":{\"" + PodRuntime.NETNS_ANNOTATION + "\":\"" + netns.path() + "\"}}}";
        try {
            client.pods().inNamespace(namespace).withName(name).patch(PatchContext.of(PatchType.JSON_MERGE), patch);
        } catch (KubernetesClientException e) {
            log.info("pod {}/{}: cannot annotate its netns: {}", namespace, name, e.getMessage());
        }
    }

    // ---- containers ----

    /** The command a container runs, or null for a pause-like container that runs nothing. */
    private List<String> command(Container c) {
        List<String> cmd = new ArrayList<>();
        if (c.getCommand() != null) {
            cmd.addAll(c.getCommand());
        }
        if (c.getArgs() != null) {
            cmd.addAll(c.getArgs());
        }
        if (!cmd.isEmpty()) {
            return cmd;
        }
        List<String> ports = c.getPorts() == null ? List.of() : c.getPorts().stream()
                .filter(p -> p.getContainerPort() != null)
                .filter(p -> p.getProtocol() == null || p.getProtocol().equals("TCP") || p.getProtocol().equals("UDP"))
                .map(p -> (p.getProtocol() == null ? "tcp" : p.getProtocol().toLowerCase()) + ":" + p.getContainerPort())
                .distinct().toList();
        if (ports.isEmpty()) {
            return null;
        }
        List<String> args = new ArrayList<>();
        args.add(namespace + "/" + name);
        args.addAll(ports);
        return JavaCommand.of("16m", ECHO_JVM, JavaCommand.codeSourceOf(EchoServer.class), EchoServer.class, args);
    }

    /** Starts a container's process (lock held). */
    private void start(ContainerRun c) {
        c.restart = null;
        c.startedAt = Instant.now();
        List<String> cmd = command(c.spec);
        if (cmd == null) {
            c.ready = true;
            return;
        }
        List<String> full = new ArrayList<>(List.of("nsenter", "--net=" + netns.path(), "--"));
        full.addAll(cmd);
        Map<String, String> env = new LinkedHashMap<>();
        env.put("POD_NAME", name);
        env.put("POD_NAMESPACE", namespace);
        env.put("POD_IP", ip == null ? "" : ip);
        env.put("NODE_NAME", node.nodeName());
        if (c.spec.getEnv() != null) {
            for (EnvVar v : c.spec.getEnv()) {
                if (v.getValue() != null) {
                    env.put(v.getName(), v.getValue());
                }
            }
        }
        Path logFile = dir.resolve(c.spec.getName() + ".log");
        ManagedProcess p = ManagedProcess.start(namespace + "/" + name + "/" + c.spec.getName(), full, env, logFile);
        c.process = p;
        c.ready = !isEcho(c.spec);
        p.process().onExit().thenRunAsync(() -> exited(c, p), timers).exceptionally(e -> {
            log.warn("pod {}/{}: handling the exit of {} failed", namespace, name, c.spec.getName(), e);
            return null;
        });
    }

    private static boolean isEcho(Container c) {
        return (c.getCommand() == null || c.getCommand().isEmpty()) && (c.getArgs() == null || c.getArgs().isEmpty());
    }

    /** An echo server is ready once it has bound its ports (it says "listening"). */
    private void awaitListening() {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        for (ContainerRun c : containers) {
            while (true) {
                ManagedProcess p;
                synchronized (this) {
                    p = c.process;
                    if (stopping || p == null || c.ready || !p.alive()) {
                        break;
                    }
                    if (logSays(p.log(), "listening")) {
                        c.ready = true;
                        break;
                    }
                }
                if (System.nanoTime() > deadline || !pause(Duration.ofMillis(20))) {
                    break;
                }
            }
        }
    }

    private static boolean logSays(Path log, String word) {
        try {
            return Files.readString(log).contains(word);
        } catch (IOException e) {
            return false;
        }
    }

    private void exited(ContainerRun c, ManagedProcess p) {
        synchronized (this) {
            if (stopping || c.process != p) {
                return;
            }
            c.process = null;
            c.ready = false;
            c.lastExit = p.process().exitValue();
            String policy = pod.getSpec().getRestartPolicy() == null ? "Always" : pod.getSpec().getRestartPolicy();
            boolean again = policy.equals("Always") || (policy.equals("OnFailure") && c.lastExit != 0);
            log.info("pod {}/{} container {} exited with {}{}", namespace, name, c.spec.getName(), c.lastExit,
                    again ? ", restarting" : "");
            if (again) {
                Duration wait = PodRuntime.backoff(c.restarts, BACKOFF_FIRST, BACKOFF_MAX);
                c.restart = timers.schedule(() -> restart(c), wait.toMillis(), TimeUnit.MILLISECONDS);
            } else {
                c.finished = true;
            }
        }
        reportStatus();
    }

    private void restart(ContainerRun c) {
        synchronized (this) {
            if (stopping) {
                return;
            }
            c.restarts++;
            start(c);
        }
        awaitListening();
        reportStatus();
    }

    // ---- status ----

    private synchronized PodStatus status() {
        boolean allReady = containers.stream().allMatch(c -> c.ready);
        boolean anyRunning = containers.stream().anyMatch(c -> !c.finished);
        String phase;
        if (ip == null || containers.stream().allMatch(c -> c.startedAt == null)) {
            phase = "Pending";
        } else if (anyRunning) {
            phase = "Running";
        } else {
            phase = containers.stream().allMatch(c -> c.lastExit != null && c.lastExit == 0) ? "Succeeded" : "Failed";
        }
        String now = Instant.now().toString();
        List<PodCondition> conditions = new ArrayList<>();
        conditions.add(condition("PodScheduled", true, now, null));
        conditions.add(condition("Initialized", true, now, null));
        conditions.add(condition("ContainersReady", allReady && ip != null, now, null));
        conditions.add(condition("Ready", allReady && ip != null, now, ip == null ? lastError : null));
        List<ContainerStatus> statuses = new ArrayList<>();
        for (ContainerRun c : containers) {
            ContainerStatusBuilder b = new ContainerStatusBuilder().withName(c.spec.getName())
                    .withImage(c.spec.getImage() == null ? "" : c.spec.getImage()).withImageID("")
                    .withContainerID("sandbox://" + containerId.substring(0, 12) + "-" + c.spec.getName())
                    .withReady(c.ready).withRestartCount(c.restarts);
            boolean running = c.startedAt != null && !c.finished && c.restart == null
                    && (c.process != null || command(c.spec) == null);
            b.withStarted(running);
            if (running) {
                b.withNewState().withNewRunning(c.startedAt.toString()).endState();
            } else if (c.finished) {
                b.withNewState().withNewTerminated().withExitCode(c.lastExit).withReason(c.lastExit == 0 ? "Completed" : "Error")
                        .endTerminated().endState();
            } else {
                b.withNewState().withNewWaiting().withReason(c.restart != null ? "CrashLoopBackOff" : "ContainerCreating")
                        .endWaiting().endState();
            }
            if (c.lastExit != null && !c.finished) {
                b.withNewLastState().withNewTerminated().withExitCode(c.lastExit).endTerminated().endLastState();
            }
            statuses.add(b.build());
        }
        PodStatusBuilder s = new PodStatusBuilder().withPhase(phase).withConditions(conditions)
                .withHostIP(node.hostIp()).withStartTime(startTime.toString()).withContainerStatuses(statuses);
        if (ip != null) {
            s.withPodIP(ip).withPodIPs(new PodIP(ip));
        }
        return s.build();
    }

    private static PodCondition condition(String type, boolean status, String now, String message) {
        PodConditionBuilder b = new PodConditionBuilder().withType(type).withStatus(status ? "True" : "False")
                .withLastTransitionTime(now);
        if (message != null) {
            b.withMessage(message);
        }
        return b.build();
    }

    void reportStatus() {
        // a JSON patch replacing the whole status (the mock API merges lists of a merge patch instead of
        // replacing them), keeping the conditions others own (kovn.io/NetworkReady), as kubelet keeps them; behind
        // a test of the resourceVersion read, so a condition written meanwhile is not lost: read again and retry
        for (int attempt = 0; attempt < STATUS_ATTEMPTS && !stopping; attempt++) {
            try {
                PodStatus status = status();
                Pod current = client.pods().inNamespace(namespace).withName(name).get();
                if (current == null) {
                    return;
                }
                if (current.getStatus() != null && current.getStatus().getConditions() != null) {
                    Set<String> own = status.getConditions().stream().map(PodCondition::getType).collect(Collectors.toSet());
                    current.getStatus().getConditions().stream().filter(c -> !own.contains(c.getType()))
                            .forEach(status.getConditions()::add);
                }
                String patch = "[{\"op\":\"test\",\"path\":\"/metadata/resourceVersion\",\"value\":"
                        + Serialization.asJson(current.getMetadata().getResourceVersion()) + "},"
                        + "{\"op\":\"add\",\"path\":\"/status\",\"value\":" + Serialization.asJson(status) + "}]";
                client.pods().inNamespace(namespace).withName(name).subresource("status")
                        .patch(PatchContext.of(PatchType.JSON), patch);
                return;
            } catch (KubernetesClientException e) {
                log.info("pod {}/{}: status not reported (attempt {}): {}", namespace, name, attempt + 1, e.getMessage());
            }
        }
    }

    /** Deletes the pod object once its containers are gone (the end of a graceful deletion). */
    void deleteObject() {
        Pod current = client.pods().inNamespace(namespace).withName(name).get();
        if (current != null && uid.equals(current.getMetadata().getUid())) {
            client.pods().inNamespace(namespace).withName(name).withGracePeriod(0).delete();
        }
    }

    // ---- tear-down ----

    /** Stops the containers, runs CNI DEL if {@code cniDel}, removes the namespace and the pod's directory. */
    void tearDown(boolean cniDel) {
        List<ManagedProcess> running = new ArrayList<>();
        Netns ns;
        JsonNode prev;
        synchronized (this) {
            stopping = true;
            if (logBound != null) {
                logBound.cancel(false);
            }
            for (ContainerRun c : containers) {
                if (c.restart != null) {
                    c.restart.cancel(false);
                }
                if (c.process != null) {
                    running.add(c.process);
                }
            }
            ns = netns;
            prev = cniResult;
        }
        running.forEach(p -> p.stop(Duration.ofSeconds(2)));
        if (ns != null) {
            if (cniDel) {
                for (int attempt = 0; attempt < 3; attempt++) {
                    try {
                        cni.del(target(), prev);
                        break;
                    } catch (CniExec.CniException e) {
                        log.info("pod {}/{}: CNI DEL failed (attempt {}): {}", namespace, name, attempt + 1, e.getMessage());
                        sleep(1000);
                    }
                }
            }
            ns.close();
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | RuntimeException e) {
            // logs of a gone pod: harmless if left
        }
        log.info("pod {}/{} stopped on {}", namespace, name, node.nodeName());
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return namespace + "/" + name + " (" + uid + ")";
    }
}
