package io.kovn.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Real OVS/OVN daemons for integration tests, each instance in its own temp directory with its own
 * databases, sockets, logs and kernel-chosen TCP ports, so any number can run side by side.
 *
 * <pre>{@code
 * try (OvnDaemons ovn = OvnDaemons.builder().northd().start()) {
 *     ovn.nbctl("ls-add", "sw0");
 * }
 * }</pre>
 *
 * Daemons run in the foreground as children of this JVM; {@link #close()} (or the JVM shutdown hook) stops
 * exactly those processes and deletes the directory.
 */
public final class OvnDaemons implements AutoCloseable {

    /** Paths of the PEM files made for {@link Builder#ssl()}; one CA signed both certificates. */
    public record Pki(Path caCert, Path serverKey, Path serverCert, Path clientKey, Path clientCert) {
    }

    static final Path NB_SCHEMA = Path.of("/usr/share/ovn/ovn-nb.ovsschema");
    static final Path SB_SCHEMA = Path.of("/usr/share/ovn/ovn-sb.ovsschema");
    static final Path VSWITCH_SCHEMA = Path.of("/usr/share/openvswitch/vswitch.ovsschema");
    /** Debian package that ships each binary or schema, for the "not installed" message. */
    private static final Map<String, String> PACKAGE_OF = Map.ofEntries(
            Map.entry("ovsdb-server", "openvswitch-common"), Map.entry("ovsdb-tool", "openvswitch-common"),
            Map.entry("ovsdb-client", "openvswitch-common"), Map.entry("ovs-appctl", "openvswitch-common"),
            Map.entry("ovs-pki", "openvswitch-common"), Map.entry("ovs-vsctl", "openvswitch-switch"),
            Map.entry("openssl", "openssl"), Map.entry("ovn-northd", "ovn-central"),
            Map.entry("ovn-nbctl", "ovn-common"), Map.entry("ovn-sbctl", "ovn-common"),
            Map.entry(NB_SCHEMA.toString(), "ovn-central"), Map.entry(SB_SCHEMA.toString(), "ovn-central"),
            Map.entry(VSWITCH_SCHEMA.toString(), "openvswitch-switch"));
    private static final Duration CMD_TIMEOUT = Duration.ofSeconds(30);
    private static final Pattern LISTENING = Pattern.compile("listening on port (\\d+)");
    private static final Map<String, String> BINARIES = new ConcurrentHashMap<>();
    private static final Set<OvnDaemons> LIVE = ConcurrentHashMap.newKeySet();

    static {
        reapOrphans();
        // Child processes outlive the JVM unless someone stops them: do it on exit, Ctrl-C or SIGTERM.
        Runtime.getRuntime().addShutdownHook(
                new Thread(() -> List.copyOf(LIVE).forEach(OvnDaemons::close), "kovn-ovn-daemons-cleanup"));
    }

    private final boolean nb;
    private final boolean sb;
    private final boolean northd;
    /** The NB ovn-northd reads when it is another instance's, else null (this instance's own NB). */
    private final String northdNb;
    private final boolean vswitch;
    private final boolean ssl;
    private final Duration timeout;
    private final Path dir;
    private final Map<String, String> env;
    private final Map<String, Daemon> daemons = new LinkedHashMap<>(); // in start order
    private int nbTcpPort;
    private int nbSslPort;
    private int sbTcpPort;
    private Pki pki;
    private boolean closed;

    private static final class Daemon {
        final String name;
        final String program;
        final Path log;
        final Process process;

        Daemon(String name, String program, Path log, Process process) {
            this.name = name;
            this.program = program;
            this.log = log;
            this.process = process;
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Chooses the daemons; each part is optional. */
    public static final class Builder {
        private boolean nb;
        private boolean sb;
        private boolean northd;
        private String northdNb;
        private boolean vswitch;
        private boolean ssl;
        private Duration timeout = Duration.ofSeconds(30);

        private Builder() {
        }

        /** OVN Northbound ovsdb-server: unix socket and TCP on 127.0.0.1. */
        public Builder nb() {
            nb = true;
            return this;
        }

        /** OVN Southbound ovsdb-server: unix socket and TCP on 127.0.0.1. */
        public Builder sb() {
            sb = true;
            return this;
        }

        /** ovn-northd between NB and SB; implies both. */
        public Builder northd() {
            northd = nb = sb = true;
            return this;
        }

        /**
         * A Southbound and an ovn-northd that reads the Northbound at {@code nbRemote} (e.g. another instance's
         * {@link #nbUnix()}): SB added to an NB that already holds a cluster.
         */
        public Builder northdFor(String nbRemote) {
            northdNb = nbRemote;
            northd = sb = true;
            return this;
        }

        /** An ovsdb-server with the Open_vSwitch schema (no ovs-vswitchd); unix socket only. */
        public Builder vswitchDb() {
            vswitch = true;
            return this;
        }

        /** A mutual-TLS listener on the NB server with a fresh PKI; implies nb. */
        public Builder ssl() {
            ssl = nb = true;
            return this;
        }

        /** How long each daemon may take to become ready (default 30 s). */
        public Builder timeout(Duration timeout) {
            this.timeout = timeout;
            return this;
        }

        /** Starts the daemons and waits until each answers; on failure everything started is stopped. */
        public OvnDaemons start() {
            OvnDaemons d = new OvnDaemons(this);
            try {
                d.startAll();
                return d;
            } catch (RuntimeException | Error e) {
                d.close();
                throw e;
            }
        }
    }

    private OvnDaemons(Builder b) {
        nb = b.nb;
        sb = b.sb;
        northd = b.northd;
        northdNb = b.northdNb;
        vswitch = b.vswitch;
        ssl = b.ssl;
        timeout = b.timeout;
        // Fail on a missing package before anything is created.
        List<String> needed = new ArrayList<>(List.of("ovsdb-server", "ovsdb-tool", "ovsdb-client", "ovs-appctl"));
        if (northd) {
            needed.add("ovn-northd");
        }
        if (vswitch) {
            needed.add("ovs-vsctl");
        }
        if (ssl) {
            needed.addAll(List.of("ovs-pki", "openssl"));
        }
        needed.forEach(OvnDaemons::bin);
        dir = ownedTempDir("kovn-it-");
        env = toolEnv(dir);
        LIVE.add(this);
    }

    private void startAll() {
        if (ssl) {
            pki = makePki();
        }
        if (nb) {
            createDb("nb.db", NB_SCHEMA);
            startNb();
        }
        if (sb) {
            createDb("sb.db", SB_SCHEMA);
            Daemon d = startOvsdb("sb", "sb.db", List.of("ptcp:0:127.0.0.1"), List.of());
            sbTcpPort = awaitListeningPort(d, 1);
        }
        if (northd) {
            startNorthd();
        }
        if (vswitch) {
            createDb("conf.db", VSWITCH_SCHEMA);
            startOvsdb("vswitch", "conf.db", List.of(), List.of());
            vsctl("init"); // creates the Open_vSwitch row that ovs-vsctl commands expect
        }
    }

    // ---- accessors ----

    public Path dir() {
        return dir;
    }

    /** Environment (OVS_RUNDIR etc.) that points OVS/OVN tools at this instance's directory. */
    public Map<String, String> env() {
        return env;
    }

    public String nbUnix() {
        require(nb, "nb");
        return "unix:" + dir.resolve("nb.sock");
    }

    public String nbTcp() {
        require(nb, "nb");
        return "tcp:127.0.0.1:" + nbTcpPort;
    }

    public String nbSsl() {
        require(ssl, "ssl");
        return "ssl:127.0.0.1:" + nbSslPort;
    }

    public String sbUnix() {
        require(sb, "sb");
        return "unix:" + dir.resolve("sb.sock");
    }

    public String sbTcp() {
        require(sb, "sb");
        return "tcp:127.0.0.1:" + sbTcpPort;
    }

    public String vswitchUnix() {
        require(vswitch, "vswitchDb");
        return "unix:" + dir.resolve("vswitch.sock");
    }

    public Pki pki() {
        require(ssl, "ssl");
        return pki;
    }

    /** Pid of the running NB ovsdb-server. */
    public synchronized long nbPid() {
        require(nb, "nb");
        Daemon d = daemons.get("nb");
        if (d == null || !d.process.isAlive()) {
            throw new IllegalStateException("NB ovsdb-server is not running");
        }
        return d.process.pid();
    }

    /** Pids of the daemons still running, by name (nb, sb, northd, vswitch). */
    public synchronized Map<String, Long> pids() {
        Map<String, Long> pids = new LinkedHashMap<>();
        daemons.forEach((name, d) -> {
            if (d.process.isAlive()) {
                pids.put(name, d.process.pid());
            }
        });
        return pids;
    }

    // ---- ctl tools ----

    /** {@code ovn-nbctl --db=<nbUnix> args...}; returns trimmed stdout, throws with stderr on failure. */
    public String nbctl(String... args) {
        return runCtl("ovn-nbctl", List.of("--db=" + nbUnix()), args);
    }

    /** {@code ovn-sbctl --db=<sbUnix> args...}. */
    public String sbctl(String... args) {
        return runCtl("ovn-sbctl", List.of("--db=" + sbUnix()), args);
    }

    /** {@code ovs-vsctl --db=<vswitchUnix> --no-wait args...} (there is no ovs-vswitchd to wait for). */
    public String vsctl(String... args) {
        return runCtl("ovs-vsctl", List.of("--db=" + vswitchUnix(), "--no-wait"), args);
    }

    private String runCtl(String tool, List<String> fixed, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(bin(tool));
        cmd.addAll(fixed);
        cmd.addAll(Arrays.asList(args));
        return Exec.run(cmd, env, dir, CMD_TIMEOUT).check().out();
    }

    // ---- NB restart, for reconnect tests ----

    /** SIGKILLs the NB ovsdb-server and waits until it is gone. */
    public synchronized void killNb() {
        long pid = nbPid();
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        waitExit(daemons.get("nb").process, timeout);
    }

    /** Starts NB on the same db file, unix socket path and TCP/SSL ports (it must not be running). */
    public synchronized void startNb() {
        require(nb, "nb");
        Daemon old = daemons.get("nb");
        if (old != null && old.process.isAlive()) {
            throw new IllegalStateException("NB ovsdb-server is already running, pid " + old.process.pid());
        }
        List<String> remotes = new ArrayList<>(List.of("ptcp:" + nbTcpPort + ":127.0.0.1"));
        List<String> extra = new ArrayList<>();
        if (ssl) {
            if (nbSslPort != 0) {
                remotes.add("pssl:" + nbSslPort + ":127.0.0.1");
            }
            extra.addAll(List.of("--private-key=" + pki.serverKey(), "--certificate=" + pki.serverCert(),
                    "--ca-cert=" + pki.caCert()));
        }
        int logBefore = readLog(dir.resolve("nb.log")).length();
        Daemon d = startOvsdb("nb", "nb.db", remotes, extra);
        if (nbTcpPort == 0) {
            // First start: the kernel chose the port (no collisions between parallel fixtures). Two ports
            // in one log would be ambiguous, so the SSL remote is added only once the TCP port is known.
            nbTcpPort = awaitListeningPort(d, 1);
            if (ssl) {
                appctl("nb", "ovsdb-server/add-remote", "pssl:0:127.0.0.1");
                nbSslPort = awaitListeningPort(d, 2);
            }
        } else {
            // Remotes are bound before the unix socket answers, so a lost port is already in the log.
            String fresh = readLog(d.log).substring(logBefore);
            if (fresh.contains("listen failed")) {
                throw failure(d, "could not listen on its previous TCP/SSL port again");
            }
        }
    }

    // ---- lifecycle ----

    /** Stops every daemon this instance started (TERM, then KILL) and deletes the directory. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<Daemon> reverse = new ArrayList<>(daemons.values());
        Collections.reverse(reverse);
        reverse.forEach(d -> d.process.destroy()); // SIGTERM lets ovsdb-server unlink its sockets
        for (Daemon d : reverse) {
            if (!waitExit(d.process, Duration.ofSeconds(3))) {
                d.process.destroyForcibly();
                waitExit(d.process, Duration.ofSeconds(5));
            }
        }
        Cleanup.deleteTree(dir);
        LIVE.remove(this);
    }

    // ---- internals ----

    private Daemon startOvsdb(String name, String db, List<String> remotes, List<String> extraArgs) {
        List<String> cmd = new ArrayList<>(List.of(bin("ovsdb-server"), "--remote=punix:" + dir.resolve(name + ".sock")));
        remotes.forEach(r -> cmd.add("--remote=" + r));
        cmd.add("--unixctl=" + dir.resolve(name + ".ctl"));
        cmd.addAll(extraArgs);
        cmd.add(dir.resolve(db).toString());
        Daemon d = spawn(name, cmd);
        String unix = "unix:" + dir.resolve(name + ".sock");
        await(d, unix + " answering list-dbs",
                () -> Exec.run(List.of(bin("ovsdb-client"), "list-dbs", unix), env, dir, CMD_TIMEOUT).ok());
        return d;
    }

    private void startNorthd() {
        Daemon d = spawn("northd", List.of(bin("ovn-northd"), "--ovnnb-db=" + (northdNb != null ? northdNb : nbUnix()), "--ovnsb-db=" + sbUnix(),
                "--unixctl=" + dir.resolve("northd.ctl")));
        // "active" means it is connected to both databases and holds the SB lock.
        await(d, "status active", () -> {
            Exec.Result r = Exec.run(List.of(bin("ovs-appctl"), "-t", dir.resolve("northd.ctl").toString(), "status"),
                    env, dir, CMD_TIMEOUT);
            return r.ok() && r.out().equals("Status: active");
        });
    }

    private synchronized Daemon spawn(String name, List<String> cmd) {
        if (closed) {
            throw new IllegalStateException("closed");
        }
        Path log = dir.resolve(name + ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile())
                .redirectInput(new File("/dev/null"))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())); // restarts append
        pb.environment().putAll(env);
        try {
            Daemon d = new Daemon(name, Path.of(cmd.get(0)).getFileName().toString(), log, pb.start());
            daemons.put(name, d);
            return d;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + cmd.get(0), e);
        }
    }

    private void await(Daemon d, String what, BooleanSupplier ready) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!ready.getAsBoolean()) {
            if (!d.process.isAlive()) {
                throw failure(d, "exited with code " + d.process.exitValue() + " before " + what);
            }
            if (System.nanoTime() > deadline) {
                throw failure(d, "not ready (" + what + ") within " + timeout.toSeconds() + " s");
            }
            sleep(20);
        }
    }

    /** The n-th "listening on port N" line that ovsdb-server logs when it binds a port-0 remote. */
    private int awaitListeningPort(Daemon d, int n) {
        int[] port = new int[1];
        await(d, "listening port #" + n + " in " + d.log, () -> {
            Matcher m = LISTENING.matcher(readLog(d.log));
            for (int i = 0; i < n; i++) {
                if (!m.find()) {
                    return false;
                }
            }
            port[0] = Integer.parseInt(m.group(1));
            return true;
        });
        return port[0];
    }

    private IllegalStateException failure(Daemon d, String problem) {
        List<String> lines = readLog(d.log).lines().toList();
        String tail = String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        return new IllegalStateException(d.name + " " + d.program + " (pid " + d.process.pid() + ") " + problem
                + "; last lines of " + d.log + ":\n" + tail);
    }

    private String appctl(String target, String... args) {
        List<String> cmd = new ArrayList<>(List.of(bin("ovs-appctl"), "-t", dir.resolve(target + ".ctl").toString()));
        cmd.addAll(Arrays.asList(args));
        return Exec.run(cmd, env, dir, CMD_TIMEOUT).check().out();
    }

    private void createDb(String file, Path schema) {
        if (!Files.isReadable(schema)) {
            throw new IllegalStateException(schema + " is missing: " + installHint(schema.toString()));
        }
        Exec.run(List.of(bin("ovsdb-tool"), "create", dir.resolve(file).toString(), schema.toString()),
                env, dir, CMD_TIMEOUT).check();
    }

    /**
     * Both certificates are signed by the switch CA, so one CA file verifies either side: OVS SSL always
     * demands and verifies the peer's certificate, which makes the NB listener mutual TLS.
     */
    private Pki makePki() {
        Path pkiDir = dir.resolve("pki");
        for (List<String> step : List.of(List.of("init"), List.of("req+sign", "server", "switch"),
                List.of("req+sign", "client", "switch"))) {
            List<String> cmd = new ArrayList<>(List.of(bin("ovs-pki"), "--dir=" + pkiDir,
                    "--log=" + dir.resolve("ovs-pki.log")));
            cmd.addAll(step);
            Exec.run(cmd, env, dir, CMD_TIMEOUT).check(); // req+sign writes NAME-*.pem into the working dir
        }
        return new Pki(pkiDir.resolve("switchca/cacert.pem"), dir.resolve("server-privkey.pem"),
                dir.resolve("server-cert.pem"), dir.resolve("client-privkey.pem"), dir.resolve("client-cert.pem"));
    }

    private void require(boolean started, String part) {
        if (!started) {
            throw new IllegalStateException("this OvnDaemons was built without " + part + "()");
        }
    }

    /** Absolute path of an OVS/OVN binary; /usr/sbin is searched too since ovsdb-server lives there. */
    static String bin(String name) {
        return BINARIES.computeIfAbsent(name, n -> {
            String path = System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/usr/bin:/sbin:/bin";
            for (String p : path.split(":")) {
                if (!p.isEmpty() && Files.isExecutable(Path.of(p, n))) {
                    return Path.of(p, n).toString();
                }
            }
            throw new IllegalStateException(n + " not found on PATH: " + installHint(n));
        });
    }

    static String installHint(String what) {
        return "install the Debian package " + PACKAGE_OF.getOrDefault(what, "openvswitch-switch")
                + " (apt-get install openvswitch-switch ovn-central ovn-host; scripts/install-deps.sh does it all)";
    }

    private static boolean waitExit(Process p, Duration max) {
        try {
            return p.waitFor(max.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !p.isAlive();
        }
    }

    private static String readLog(Path log) {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "";
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /**
     * A fresh temp directory with an owner.pid file: with a prefix starting "kovn-it-", {@link #reapOrphans} of a
     * later JVM ends its daemons if this JVM dies without running shutdown hooks.
     */
    static Path ownedTempDir(String prefix) {
        try {
            Path d = Files.createTempDirectory(prefix);
            Files.writeString(d.resolve("owner.pid"), Long.toString(ProcessHandle.current().pid()));
            return d;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Environment keeping every default path of the OVS/OVN tools inside dir, away from a system installation. */
    static Map<String, String> toolEnv(Path dir) {
        Map<String, String> e = new LinkedHashMap<>();
        for (String v : List.of("OVS_RUNDIR", "OVS_DBDIR", "OVS_LOGDIR", "OVS_SYSCONFDIR",
                "OVN_RUNDIR", "OVN_DBDIR", "OVN_LOGDIR", "OVN_SYSCONFDIR")) {
            e.put(v, dir.toString());
        }
        return Collections.unmodifiableMap(e);
    }

    /**
     * A JVM killed with SIGKILL runs no shutdown hook, leaving its daemons behind. On first use, end the
     * processes of such orphaned directories: only those whose command line names that directory, i.e. the
     * ones an OvnDaemons, OvnCluster or TlsOvsdbServer started (their directories come from {@link #ownedTempDir}).
     */
    private static void reapOrphans() {
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(Path.of(System.getProperty("java.io.tmpdir")),
                "kovn-it-*")) {
            for (Path d : dirs) {
                try {
                    long owner = Long.parseLong(Files.readString(d.resolve("owner.pid")).trim());
                    if (ProcessHandle.of(owner).isPresent()) {
                        continue;
                    }
                    String marker = d + File.separator;
                    ProcessHandle.allProcesses()
                            .filter(ph -> ph.info().arguments().stream().flatMap(Arrays::stream)
                                    .anyMatch(a -> a.contains(marker)))
                            .forEach(ProcessHandle::destroyForcibly);
                    Cleanup.deleteTree(d);
                } catch (IOException | RuntimeException e) {
                    // not ours, unreadable or just being created: leave it alone
                }
            }
        } catch (IOException e) {
            // best effort
        }
    }
}
