package io.kovn.testing;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A named network namespace created for a test ({@code ip netns add}), named
 * {@code kovn-<jvm pid>-<n>-<role>} so that parallel tests and JVMs never collide and a later JVM can tell an
 * orphan (its JVM is dead) and remove it. Nothing here touches the host's own interfaces, routes or firewall:
 * every command runs inside a namespace this class created.
 *
 * <p>{@link #close()} ends the processes still inside the namespace (all started by the test, since nothing
 * else can enter a namespace nobody else knows) and deletes it.
 */
public final class Netns implements AutoCloseable {
    private static final Path RUN_DIR = Path.of("/var/run/netns");
    private static final Pattern OURS = Pattern.compile("kovn-(\\d+)-\\d+-.*");
    private static final Duration CMD_TIMEOUT = Duration.ofSeconds(30);
    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static final Set<Netns> LIVE = ConcurrentHashMap.newKeySet();

    static {
        reapOrphans();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> List.copyOf(LIVE).forEach(Netns::close),
                "kovn-netns-cleanup"));
    }

    private final String name;
    private boolean closed;

    private Netns(String name) {
        this.name = name;
    }

    /** Creates a namespace with its loopback up; {@code role} (letters, digits, '-') only helps humans. */
    public static Netns create(String role) {
        String name = "kovn-" + ProcessHandle.current().pid() + "-" + COUNTER.incrementAndGet() + "-" + role;
        Exec.run(CMD_TIMEOUT, "ip", "netns", "add", name).check();
        Netns ns = new Netns(name);
        LIVE.add(ns);
        try {
            ns.ip("link", "set", "lo", "up");
        } catch (RuntimeException e) {
            ns.close();
            throw e;
        }
        return ns;
    }

    public String name() {
        return name;
    }

    /** The namespace's bind mount, what CNI_NETNS and {@code nsenter --net=} take. */
    public Path path() {
        return RUN_DIR.resolve(name);
    }

    /** Runs {@code command} inside the namespace and fails on a non-zero exit. */
    public Exec.Result exec(String... command) {
        return run(Arrays.asList(command)).check();
    }

    /** Runs {@code command} inside the namespace; the caller looks at the exit code. */
    public Exec.Result run(List<String> command) {
        return run(command, Map.of(), CMD_TIMEOUT);
    }

    public Exec.Result run(List<String> command, Map<String, String> env, Duration timeout) {
        return Exec.run(inside(command), env, null, timeout);
    }

    /** {@code ip <args>} inside the namespace. */
    public String ip(String... args) {
        List<String> cmd = new ArrayList<>(List.of("ip"));
        cmd.addAll(Arrays.asList(args));
        return run(cmd).check().out();
    }

    /** The command line that runs {@code command} inside the namespace ({@code ip netns exec} execs it: same pid). */
    public List<String> inside(List<String> command) {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", name));
        cmd.addAll(command);
        return cmd;
    }

    /** Pids of the processes inside the namespace. */
    public List<Long> pids() {
        Exec.Result r = Exec.run(CMD_TIMEOUT, "ip", "netns", "pids", name);
        List<Long> pids = new ArrayList<>();
        if (r.ok()) {
            r.out().lines().filter(l -> !l.isBlank()).forEach(l -> pids.add(Long.parseLong(l.trim())));
        }
        return pids;
    }

    /** Ends what still runs inside (TERM, then KILL) and deletes the namespace. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        killAll(name);
        Exec.run(CMD_TIMEOUT, "ip", "netns", "del", name);
        LIVE.remove(this);
    }

    @Override
    public String toString() {
        return name;
    }

    private static void killAll(String ns) {
        for (int round = 0; round < 2; round++) {
            Exec.Result r = Exec.run(CMD_TIMEOUT, "ip", "netns", "pids", ns);
            if (!r.ok() || r.out().isBlank()) {
                return;
            }
            boolean force = round == 1;
            List<ProcessHandle> procs = new ArrayList<>();
            r.out().lines().filter(l -> !l.isBlank())
                    .forEach(l -> ProcessHandle.of(Long.parseLong(l.trim())).ifPresent(procs::add));
            procs.forEach(p -> {
                if (force) {
                    p.destroyForcibly();
                } else {
                    p.destroy();
                }
            });
            for (ProcessHandle p : procs) {
                try {
                    p.onExit().get(force ? 5 : 3, java.util.concurrent.TimeUnit.SECONDS);
                } catch (Exception e) {
                    // KILLed in the next round
                }
            }
        }
    }

    /** Namespaces of JVMs that died without running their shutdown hooks. */
    private static void reapOrphans() {
        if (!Files.isDirectory(RUN_DIR)) {
            return;
        }
        try (DirectoryStream<Path> all = Files.newDirectoryStream(RUN_DIR, "kovn-*")) {
            for (Path p : all) {
                Matcher m = OURS.matcher(p.getFileName().toString());
                if (m.matches() && ProcessHandle.of(Long.parseLong(m.group(1))).isEmpty()) {
                    killAll(p.getFileName().toString());
                    Exec.run(CMD_TIMEOUT, "ip", "netns", "del", p.getFileName().toString());
                }
            }
        } catch (IOException | RuntimeException e) {
            // best effort
        }
    }
}
