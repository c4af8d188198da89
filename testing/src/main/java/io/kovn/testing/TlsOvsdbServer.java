package io.kovn.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An OVN NB or SB ovsdb-server configured as a real deployment configures it (ovn-ctl): TLS files given by the
 * caller (e.g. made by {@code kovn pki}, unlike {@link OvnDaemons#pki()}'s ovs-pki), and listeners taken from
 * the database's Connection table, which is where a listener gets its RBAC {@code role}. Local tools and
 * ovn-northd use the unix socket, which has no role and so full access.
 *
 * <pre>{@code
 * try (TlsOvsdbServer sb = TlsOvsdbServer.start(TlsOvsdbServer.Database.SB, key, cert, ca)) {
 *     String remote = sb.listenSsl("ovn-controller"); // ssl:127.0.0.1:PORT
 * }
 * }</pre>
 */
public final class TlsOvsdbServer implements AutoCloseable {
    private static final Duration CMD_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    private static final Pattern LISTENING = Pattern.compile("listening on port (\\d+)");
    private static final Set<TlsOvsdbServer> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(
                new Thread(() -> List.copyOf(LIVE).forEach(TlsOvsdbServer::close), "kovn-tls-ovsdb-cleanup"));
    }

    /** The two OVN databases, with the table holding their connections and their ctl tool. */
    public enum Database {
        NB("OVN_Northbound", "NB_Global", OvnDaemons.NB_SCHEMA, "ovn-nbctl"),
        SB("OVN_Southbound", "SB_Global", OvnDaemons.SB_SCHEMA, "ovn-sbctl");

        final String name;
        final String globalTable;
        final Path schema;
        final String ctl;

        Database(String name, String globalTable, Path schema, String ctl) {
            this.name = name;
            this.globalTable = globalTable;
            this.schema = schema;
            this.ctl = ctl;
        }
    }

    private final Database db;
    /** Where ovsdb-server runs (its listeners' addresses are that namespace's), or null: this one. */
    private final Netns netns;
    private final Path dir;
    private final Map<String, String> env;
    private final List<ChildDaemon> daemons = new ArrayList<>();
    private ChildDaemon server;
    private boolean closed;

    private TlsOvsdbServer(Database db, Netns netns) {
        this.db = db;
        this.netns = netns;
        List.of("ovsdb-server", "ovsdb-tool", "ovsdb-client", db.ctl).forEach(OvnDaemons::bin);
        dir = OvnDaemons.ownedTempDir("kovn-it-tls-");
        env = OvnDaemons.toolEnv(dir);
        LIVE.add(this);
    }

    /** Starts the server with these TLS files (OVS re-reads them when they change) and no network listener yet. */
    public static TlsOvsdbServer start(Database db, Path privateKey, Path certificate, Path caCert) {
        return start(db, null, privateKey, certificate, caCert);
    }

    /**
     * The same with ovsdb-server inside {@code netns} (null: this namespace), so that its {@code pssl:}
     * listeners are on that namespace's addresses, where nodes in other namespaces reach it over an
     * {@link Underlay}; its unix socket, a file, stays reachable from here.
     */
    public static TlsOvsdbServer start(Database db, Netns netns, Path privateKey, Path certificate, Path caCert) {
        TlsOvsdbServer s = new TlsOvsdbServer(db, netns);
        try {
            s.startServer(privateKey, certificate, caCert);
            return s;
        } catch (RuntimeException | Error e) {
            s.close();
            throw e;
        }
    }

    private void startServer(Path privateKey, Path certificate, Path caCert) {
        Path file = dir.resolve("db.db");
        Exec.run(List.of(OvnDaemons.bin("ovsdb-tool"), "create", file.toString(), db.schema.toString()), env, dir,
                CMD_TIMEOUT).check();
        List<String> command = List.of(OvnDaemons.bin("ovsdb-server"),
                "--remote=punix:" + dir.resolve("db.sock"),
                "--remote=db:" + db.name + "," + db.globalTable + ",connections",
                "--private-key=" + privateKey, "--certificate=" + certificate, "--ca-cert=" + caCert,
                "--unixctl=" + dir.resolve("db.ctl"), "--log-file=" + dir.resolve("ovsdb-server.log"),
                file.toString());
        server = ChildDaemon.start("ovsdb-server", netns == null ? command : netns.inside(command), env, dir,
                dir.resolve("ovsdb-server.log"));
        daemons.add(server);
        server.await("answering list-dbs", START_TIMEOUT, () -> Exec.run(
                List.of(OvnDaemons.bin("ovsdb-client"), "list-dbs", unix()), env, dir, CMD_TIMEOUT).ok());
        ctl("init");
    }

    /** The unix socket: full access, for local tools and ovn-northd. */
    public String unix() {
        return "unix:" + dir.resolve("db.sock");
    }

    public Path dir() {
        return dir;
    }

    /** The server's log (SSL handshake failures and RBAC refusals are logged there). */
    public String log() {
        try {
            return Files.readString(dir.resolve("ovsdb-server.log"));
        } catch (IOException e) {
            return "";
        }
    }

    /**
     * Makes the Connection table hold exactly one {@code pssl:} listener on a kernel-chosen loopback port, with
     * RBAC {@code role} if not null ({@code ovn-sbctl set-connection role=R pssl:0:127.0.0.1}); returns its
     * {@code ssl:127.0.0.1:PORT} once it listens. No plain TCP listener exists.
     */
    public String listenSsl(String role) {
        return listenSsl(role, "127.0.0.1");
    }

    /** {@link #listenSsl(String)} on {@code address} (an address of the server's namespace). */
    public String listenSsl(String role, String address) {
        int before = countListening();
        List<String> args = new ArrayList<>(List.of("set-connection"));
        if (role != null) {
            args.add("role=" + role);
        }
        args.add("pssl:0:" + address);
        ctl(args.toArray(String[]::new));
        int[] port = new int[1];
        server.await("a new listening port in the log", START_TIMEOUT, () -> {
            Matcher m = LISTENING.matcher(log());
            int n = 0;
            while (m.find()) {
                if (++n > before) {
                    port[0] = Integer.parseInt(m.group(1));
                    return true;
                }
            }
            return false;
        });
        return "ssl:" + address + ":" + port[0];
    }

    private int countListening() {
        return (int) LISTENING.matcher(log()).results().count();
    }

    /** {@code ovn-nbctl}/{@code ovn-sbctl --db=<unix> args...}; trimmed stdout, throws with stderr on failure. */
    public String ctl(String... args) {
        List<String> cmd = new ArrayList<>(List.of(OvnDaemons.bin(db.ctl), "--db=" + unix()));
        cmd.addAll(Arrays.asList(args));
        return Exec.run(cmd, env, dir, CMD_TIMEOUT).check().out();
    }

    /** Runs {@code tool args...} with this server's environment; the result is the caller's to check. */
    public Exec.Result run(String tool, String... args) {
        List<String> cmd = new ArrayList<>(List.of(OvnDaemons.bin(tool)));
        cmd.addAll(Arrays.asList(args));
        return Exec.run(cmd, env, dir, CMD_TIMEOUT);
    }

    /**
     * Starts ovn-northd between {@code nbRemote} and this SB's unix socket and waits until it is active; it
     * fills the RBAC_Role table that SB RBAC enforces.
     */
    public void startNorthd(String nbRemote) {
        if (db != Database.SB) {
            throw new IllegalStateException("ovn-northd writes to an SB server, this is " + db);
        }
        ChildDaemon northd = ChildDaemon.start("ovn-northd", List.of(OvnDaemons.bin("ovn-northd"),
                "--ovnnb-db=" + nbRemote, "--ovnsb-db=" + unix(), "--unixctl=" + dir.resolve("northd.ctl"),
                "--log-file=" + dir.resolve("ovn-northd.log")), env, dir, dir.resolve("ovn-northd.log"));
        daemons.add(northd);
        northd.await("status active", START_TIMEOUT, () -> {
            Exec.Result r = run("ovs-appctl", "-t", dir.resolve("northd.ctl").toString(), "status");
            return r.ok() && r.out().equals("Status: active");
        });
    }

    /** Makes ovsdb-server drop every client connection ({@code ovsdb-server/reconnect}); clients reconnect. */
    public void dropConnections() {
        run("ovs-appctl", "-t", dir.resolve("db.ctl").toString(), "ovsdb-server/reconnect").check();
    }

    /** Stops the daemons started here (by pid, newest first) and deletes the directory. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<ChildDaemon> reverse = new ArrayList<>(daemons);
        Collections.reverse(reverse);
        reverse.forEach(ChildDaemon::stop);
        Cleanup.deleteTree(dir);
        LIVE.remove(this);
    }
}
