package io.kovn.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * OVN's Northbound (and optionally Southbound) database as RAFT clusters for integration tests: each member its
 * own ovsdb-server, a child of this JVM known by its pid, on unix sockets in a temp directory (clients and RAFT
 * alike, so nothing collides with a parallel fixture), created with {@code ovsdb-tool create-cluster} /
 * {@code join-cluster}; optionally ovn-northd pointed at the member lists.
 *
 * <pre>{@code
 * try (OvnCluster c = OvnCluster.builder().members(3).start()) {
 *     int leader = c.leader(OvnCluster.Db.NB);
 *     c.kill(OvnCluster.Db.NB, leader);
 * }
 * }</pre>
 *
 * Members are numbered from 1. {@link #close()} (or the JVM shutdown hook) stops exactly the processes it started
 * and deletes the directory.
 */
public final class OvnCluster implements AutoCloseable {

    /** A clustered database: its short name (file and socket prefix), its name and its schema. */
    public enum Db {
        NB("nb", "OVN_Northbound", OvnDaemons.NB_SCHEMA),
        SB("sb", "OVN_Southbound", OvnDaemons.SB_SCHEMA);

        final String prefix;
        final String dbName;
        final Path schema;

        Db(String prefix, String dbName, Path schema) {
            this.prefix = prefix;
            this.dbName = dbName;
            this.schema = schema;
        }

        public String dbName() {
            return dbName;
        }
    }

    /** One member's role and term, as {@code cluster/status} reports them. */
    public record MemberStatus(int member, String role, long term, String leader, boolean clusterMember) {
    }

    private static final Duration CMD_TIMEOUT = Duration.ofSeconds(30);
    private static final Pattern ROLE = Pattern.compile("(?m)^Role: (\\S+)");
    private static final Pattern TERM = Pattern.compile("(?m)^Term: (\\d+)");
    private static final Pattern LEADER = Pattern.compile("(?m)^Leader: (\\S+)");
    private static final Set<OvnCluster> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(
                new Thread(() -> List.copyOf(LIVE).forEach(OvnCluster::close), "kovn-ovn-cluster-cleanup"));
    }

    private final int members;
    private final List<Db> dbs;
    private final boolean northd;
    private final Duration timeout;
    private final Path dir;
    private final Map<String, String> env;
    private final Map<String, ChildDaemon> daemons = new LinkedHashMap<>();
    /** Members stopped with SIGSTOP: they would not answer ovs-appctl either. */
    private final Set<String> paused = ConcurrentHashMap.newKeySet();
    private boolean closed;

    public static Builder builder() {
        return new Builder();
    }

    /** Chooses the cluster size and the parts. */
    public static final class Builder {
        private int members = 3;
        private boolean sb;
        private boolean northd;
        private Duration timeout = Duration.ofSeconds(30);

        private Builder() {
        }

        /** Members per database (default 3). */
        public Builder members(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("a cluster needs at least one member");
            }
            members = n;
            return this;
        }

        /** A Southbound cluster too. */
        public Builder sb() {
            sb = true;
            return this;
        }

        /** ovn-northd with the NB and SB member lists; implies sb. */
        public Builder northd() {
            northd = sb = true;
            return this;
        }

        /** How long each step may take (default 30 s). */
        public Builder timeout(Duration timeout) {
            this.timeout = timeout;
            return this;
        }

        /** Creates and starts the clusters, waits until each has a leader; on failure stops what it started. */
        public OvnCluster start() {
            OvnCluster c = new OvnCluster(this);
            try {
                c.startAll();
                return c;
            } catch (RuntimeException | Error e) {
                c.close();
                throw e;
            }
        }
    }

    private OvnCluster(Builder b) {
        members = b.members;
        dbs = b.sb ? List.of(Db.NB, Db.SB) : List.of(Db.NB);
        northd = b.northd;
        timeout = b.timeout;
        List<String> needed = new ArrayList<>(List.of("ovsdb-server", "ovsdb-tool", "ovsdb-client", "ovs-appctl"));
        if (northd) {
            needed.add("ovn-northd");
        }
        needed.forEach(OvnDaemons::bin); // fails on a missing package first; also reaps orphaned fixtures
        dir = OvnDaemons.ownedTempDir("kovn-it-");
        env = OvnDaemons.toolEnv(dir);
        LIVE.add(this);
    }

    private void startAll() {
        for (Db db : dbs) {
            for (int i = 1; i <= members; i++) {
                List<String> cmd = i == 1
                        ? List.of(OvnDaemons.bin("ovsdb-tool"), "create-cluster", file(db, i).toString(),
                                schema(db).toString(), raft(db, i))
                        : List.of(OvnDaemons.bin("ovsdb-tool"), "join-cluster", file(db, i).toString(), db.dbName,
                                raft(db, i), raft(db, 1));
                Exec.run(cmd, env, dir, CMD_TIMEOUT).check();
            }
            for (int i = 1; i <= members; i++) {
                start(db, i);
            }
            awaitLeader(db);
        }
        if (northd) {
            ChildDaemon d = spawn("northd", List.of(OvnDaemons.bin("ovn-northd"), "--ovnnb-db=" + remotes(Db.NB),
                    "--ovnsb-db=" + remotes(Db.SB), "--unixctl=" + dir.resolve("northd.ctl"),
                    "--log-file=" + dir.resolve("northd.log")));
            d.await("status active", timeout, () -> {
                Exec.Result r = Exec.run(List.of(OvnDaemons.bin("ovs-appctl"), "-t", dir.resolve("northd.ctl").toString(),
                        "status"), env, dir, CMD_TIMEOUT);
                return r.ok() && r.out().equals("Status: active");
            });
        }
    }

    private static Path schema(Db db) {
        if (!Files.isReadable(db.schema)) {
            throw new IllegalStateException(db.schema + " is missing: " + OvnDaemons.installHint(db.schema.toString()));
        }
        return db.schema;
    }

    // ---- addresses ----

    public Path dir() {
        return dir;
    }

    public int members() {
        return members;
    }

    /** Member {@code i}'s client socket, {@code unix:PATH}. */
    public String remote(Db db, int i) {
        return "unix:" + dir.resolve(db.prefix + i + ".sock");
    }

    /** Every member's client socket, comma-separated, as clients and ovn-northd take them. */
    public String remotes(Db db) {
        return IntStream.rangeClosed(1, members).mapToObj(i -> remote(db, i)).collect(Collectors.joining(","));
    }

    /** Some members' client sockets, comma-separated. */
    public String remotes(Db db, int... which) {
        return Arrays.stream(which).mapToObj(i -> remote(db, i)).collect(Collectors.joining(","));
    }

    private String raft(Db db, int i) {
        return "unix:" + dir.resolve(db.prefix + i + ".raft");
    }

    private Path file(Db db, int i) {
        return dir.resolve(db.prefix + i + ".db");
    }

    private Path ctl(Db db, int i) {
        return dir.resolve(db.prefix + i + ".ctl");
    }

    private static String name(Db db, int i) {
        return db.prefix + i;
    }

    // ---- members ----

    /** Starts member {@code i} on its database file (it must not be running) and waits until it answers. */
    public synchronized void start(Db db, int i) {
        ChildDaemon old = daemons.get(name(db, i));
        if (old != null && old.process.isAlive()) {
            throw new IllegalStateException(name(db, i) + " is already running, pid " + old.process.pid());
        }
        ChildDaemon d = spawn(name(db, i), List.of(OvnDaemons.bin("ovsdb-server"),
                "--remote=punix:" + dir.resolve(db.prefix + i + ".sock"), "--unixctl=" + ctl(db, i),
                "--log-file=" + dir.resolve(name(db, i) + ".log"), file(db, i).toString()));
        d.await(remote(db, i) + " answering list-dbs", timeout, () -> Exec.run(List.of(OvnDaemons.bin("ovsdb-client"),
                "list-dbs", remote(db, i)), env, dir, CMD_TIMEOUT).ok());
    }

    /** SIGKILLs member {@code i} and waits until it is gone. */
    public synchronized void kill(Db db, int i) {
        ChildDaemon d = running(db, i);
        d.process.destroyForcibly();
        try {
            d.process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * SIGSTOPs member {@code i}: it keeps its connections but answers nothing, as a hung or partitioned server;
     * the others elect a new leader. {@link #resume} lets it go on.
     */
    public synchronized void pause(Db db, int i) {
        signal("-STOP", running(db, i));
        paused.add(name(db, i));
    }

    /** SIGCONTs a paused member: a leader that was outvoted meanwhile steps down as soon as it hears the others. */
    public synchronized void resume(Db db, int i) {
        signal("-CONT", running(db, i));
        paused.remove(name(db, i));
    }

    private void signal(String signal, ChildDaemon d) {
        Exec.run(List.of("kill", signal, Long.toString(d.process.pid())), Map.of(), dir, CMD_TIMEOUT).check();
    }

    /** Stops member {@code i} (SIGTERM, then SIGKILL after 3 s). */
    public synchronized void stop(Db db, int i) {
        running(db, i).stop();
    }

    public synchronized boolean isRunning(Db db, int i) {
        ChildDaemon d = daemons.get(name(db, i));
        return d != null && d.process.isAlive();
    }

    public synchronized long pid(Db db, int i) {
        return running(db, i).process.pid();
    }

    public synchronized long northdPid() {
        ChildDaemon d = daemons.get("northd");
        if (d == null || !d.process.isAlive()) {
            throw new IllegalStateException("ovn-northd is not running");
        }
        return d.process.pid();
    }

    private ChildDaemon running(Db db, int i) {
        ChildDaemon d = daemons.get(name(db, i));
        if (d == null || !d.process.isAlive()) {
            throw new IllegalStateException(name(db, i) + " is not running");
        }
        return d;
    }

    // ---- cluster state ----

    /** {@code ovs-appctl cluster/status} of member {@code i}, as printed. */
    public String clusterStatus(Db db, int i) {
        return Exec.run(List.of(OvnDaemons.bin("ovs-appctl"), "-t", ctl(db, i).toString(), "cluster/status", db.dbName),
                env, dir, CMD_TIMEOUT).check().out();
    }

    /** Member {@code i}'s role, term and leader; empty if it does not answer. */
    public Optional<MemberStatus> status(Db db, int i) {
        if (!isRunning(db, i) || paused.contains(name(db, i))) {
            return Optional.empty();
        }
        Exec.Result r = Exec.run(List.of(OvnDaemons.bin("ovs-appctl"), "-t", ctl(db, i).toString(), "cluster/status",
                db.dbName), env, dir, CMD_TIMEOUT);
        if (!r.ok()) {
            return Optional.empty();
        }
        String out = r.out();
        return Optional.of(new MemberStatus(i, group(ROLE, out, "unknown"), Long.parseLong(group(TERM, out, "0")),
                group(LEADER, out, "unknown"), out.contains("Status: cluster member")));
    }

    private static String group(Pattern p, String text, String otherwise) {
        Matcher m = p.matcher(text);
        return m.find() ? m.group(1) : otherwise;
    }

    /** The member that is leader now, if one is. */
    public Optional<Integer> currentLeader(Db db) {
        for (int i = 1; i <= members; i++) {
            Optional<MemberStatus> s = status(db, i);
            if (s.isPresent() && s.get().role().equals("leader")) {
                return Optional.of(i);
            }
        }
        return Optional.empty();
    }

    /** Starts every member of {@code db} a test stopped or killed, and waits for a leader (a test's clean slate). */
    public int restoreAll(Db db) {
        for (int i = 1; i <= members; i++) {
            if (!isRunning(db, i)) {
                start(db, i);
            }
        }
        return awaitLeader(db);
    }

    /**
     * Waits until a leader is elected and every running member is a cluster member that knows it; returns the
     * leader.
     */
    public int awaitLeader(Db db) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Optional<Integer> leader = currentLeader(db);
            if (leader.isPresent() && IntStream.rangeClosed(1, members)
                    .filter(i -> isRunning(db, i) && !paused.contains(name(db, i)))
                    .allMatch(i -> status(db, i).filter(s -> s.clusterMember() && !s.leader().equals("unknown"))
                            .isPresent())) {
                return leader.get();
            }
            if (System.nanoTime() > deadline) {
                StringBuilder why = new StringBuilder(db.dbName + ": no leader known to every running member within "
                        + timeout.toSeconds() + " s");
                for (int i = 1; i <= members; i++) {
                    why.append("\n").append(name(db, i)).append(": ").append(status(db, i).map(Object::toString)
                            .orElse("not answering"));
                }
                throw new IllegalStateException(why.toString());
            }
            sleep(50);
        }
    }

    /** The current leader, waiting for an election if need be. */
    public int leader(Db db) {
        return awaitLeader(db);
    }

    /** Running members other than the leader (paused ones included). */
    public List<Integer> followers(Db db) {
        int leader = leader(db);
        return IntStream.rangeClosed(1, members).filter(i -> i != leader && isRunning(db, i)).boxed().toList();
    }

    // ---- ctl tools ----

    /** {@code ovn-nbctl --db=<every member>} (ovn-nbctl talks to the leader); trimmed stdout, throws on failure. */
    public String nbctl(String... args) {
        List<String> cmd = new ArrayList<>(List.of(OvnDaemons.bin("ovn-nbctl"), "--db=" + remotes(Db.NB)));
        cmd.addAll(Arrays.asList(args));
        return Exec.run(cmd, env, dir, CMD_TIMEOUT).check().out();
    }

    // ---- lifecycle ----

    /** Stops every daemon this instance started (TERM, then KILL) and deletes the directory. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<ChildDaemon> reverse = new ArrayList<>(daemons.values());
        Collections.reverse(reverse);
        for (String name : paused) { // a paused member would not act on SIGTERM
            ChildDaemon d = daemons.get(name);
            if (d != null && d.process.isAlive()) {
                signal("-CONT", d);
            }
        }
        paused.clear();
        reverse.forEach(d -> d.process.destroy());
        reverse.forEach(ChildDaemon::stop);
        Cleanup.deleteTree(dir);
        LIVE.remove(this);
    }

    private synchronized ChildDaemon spawn(String name, List<String> cmd) {
        if (closed) {
            throw new IllegalStateException("closed");
        }
        ChildDaemon d = ChildDaemon.start(name, cmd, env, dir, dir.resolve(name + ".log"));
        daemons.put(name, d);
        return d;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
