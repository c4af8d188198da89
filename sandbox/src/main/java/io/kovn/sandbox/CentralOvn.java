package io.kovn.sandbox;

import io.kovn.ovsdb.client.TlsConfig;
import io.kovn.sandbox.proc.ManagedProcess;
import io.kovn.testing.Exec;
import io.kovn.testing.Netns;
import io.kovn.testing.UnixSockets;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The central OVN databases and ovn-northd on one or three central hosts (namespaces on the underlay). With one,
 * NB and SB are standalone servers and one ovn-northd runs, as in a small cluster. With three ({@code --ha}), NB and
 * SB are 3-member RAFT clusters, one member on each host ({@code ovsdb-tool create-cluster} on the first,
 * {@code join-cluster} on the others), and two ovn-northd instances run on the first two hosts: OVN's own
 * active/standby through a lock in the SB. Every member listens on its unix socket (for the controller and tools
 * on this machine: sockets are files, reachable from any namespace) and on the network at its host's underlay
 * address (for the nodes' ovn-controllers and ovn-northd, as in a real cluster).
 *
 * <p>With {@code --tls} ({@link Transport#SSL}) every network listener is {@code pssl:} (RAFT included): NB's on the
 * command line; SB's from its Connection table, {@code role=ovn-controller} on port 6642, so that OVN's RBAC
 * confines each chassis to its own rows. No {@code ptcp:} listener is left. ovn-northd, which needs full SB
 * access, reaches SB through the members' unix sockets and, clustered, NB over {@code ssl:} with its own
 * certificate.
 *
 * <p>Each daemon is a {@link CentralDaemon} under a label ({@code nb}, {@code nb-member 2}, {@code northd 1}...):
 * it can be SIGKILLed and started again with the same command.
 */
final class CentralOvn implements AutoCloseable {
    /** The namespaces the members run in: {@code central} alone, or {@code central1..3}. */
    record Host(String name, Netns netns, String ip, Path dir) {
    }

    private static final Duration CMD_TIMEOUT = Duration.ofSeconds(30);

    private final List<Host> hosts;
    private final Path dir;
    private final Duration timeout;
    private final Map<OvnDb, List<DbMember>> members = new LinkedHashMap<>();
    private final Map<String, CentralDaemon> daemons = Collections.synchronizedMap(new LinkedHashMap<>());
    private final int northds;
    private final Transport transport;
    /** The central certificates with {@link Transport#SSL}, else null. */
    private final SandboxPki pki;

    private CentralOvn(List<Host> hosts, Path dir, Transport transport, SandboxPki pki, Duration timeout) {
        this.hosts = List.copyOf(hosts);
        this.transport = transport;
        this.pki = pki;
        if ((transport == Transport.SSL) != (pki != null)) {
            throw new IllegalArgumentException("ssl: listeners need the sandbox PKI, and only they use it");
        }
        this.dir = dir;
        this.timeout = timeout;
        boolean clustered = hosts.size() > 1;
        for (OvnDb db : OvnDb.values()) {
            List<DbMember> m = new ArrayList<>();
            for (int i = 0; i < hosts.size(); i++) {
                m.add(new DbMember(db, clustered ? i + 1 : 0, hosts.get(i).ip(), hosts.get(i).dir(), transport));
            }
            members.put(db, List.copyOf(m));
        }
        this.northds = clustered ? 2 : 1;
    }

    /**
     * Creates the databases and starts everything; {@code hosts}: one (standalone) or three (clusters); {@code pki}:
     * the central certificates for {@link Transport#SSL}, null for TCP.
     */
    static CentralOvn start(List<Host> hosts, Path dir, Transport transport, SandboxPki pki, Duration timeout) {
        CentralOvn c = new CentralOvn(hosts, dir, transport, pki, timeout);
        try {
            c.startAll();
            return c;
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
    }

    private static Map<String, String> env(Path dir) {
        return Map.of("OVS_RUNDIR", dir.toString(), "OVS_DBDIR", dir.toString(), "OVS_LOGDIR", dir.toString(),
                "OVN_RUNDIR", dir.toString(), "OVN_DBDIR", dir.toString(), "OVN_LOGDIR", dir.toString());
    }

    private void startAll() {
        try {
            for (Host h : hosts) {
                Files.createDirectories(h.dir());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (OvnDb db : OvnDb.values()) {
            List<DbMember> m = members.get(db);
            createFiles(db);
            for (int i = 0; i < m.size(); i++) {
                DbMember member = m.get(i);
                Host h = hosts.get(i);
                List<String> cmd = new ArrayList<>(List.of(Tools.bin("ovsdb-server"), "--remote=punix:" + member.socket(),
                        "--remote=" + serverListener(member), "--unixctl=" + member.ctl(), "--log-file=" + member.log()));
                cmd.addAll(tlsFlags("ovn-" + db.prefix(), "--private-key=", "--certificate=", "--ca-cert="));
                cmd.add(member.file().toString());
                daemons.put(member.label(), new CentralDaemon(h.name() + "/" + db.prefix(), h.netns(), env(h.dir()),
                        cmd, h.dir().resolve(db.prefix() + ".out")));
            }
        }
        for (OvnDb db : OvnDb.values()) {
            for (DbMember member : members.get(db)) {
                daemons.get(member.label()).start();
            }
        }
        for (OvnDb db : OvnDb.values()) {
            for (DbMember member : members.get(db)) {
                awaitServing(member);
            }
            if (clustered()) {
                awaitLeader(db, timeout);
            }
        }
        if (transport == Transport.SSL) {
            // one row, replicated to every member: each listens on all its addresses, chassis under OVN's RBAC
            sbctl("set-connection", "role=ovn-controller", "pssl:" + OvnDb.SB.clientPort());
            for (int i = 0; i < hosts.size(); i++) {
                Netns ns = hosts.get(i).netns();
                DbMember member = members.get(OvnDb.SB).get(i);
                daemons.get(member.label()).process().await(member.label() + " listening on pssl:"
                        + OvnDb.SB.clientPort(), timeout, () -> ns.run(List.of("ss", "-Hltn", "sport = :"
                        + OvnDb.SB.clientPort())).out().contains(":" + OvnDb.SB.clientPort()));
            }
        }
        for (int i = 1; i <= northds; i++) {
            Host h = hosts.get(i - 1);
            List<String> cmd = new ArrayList<>(List.of(Tools.bin("ovn-northd"),
                    // standalone: the unix sockets, as before; clustered: every member over the network, except SB
                    // with --tls, whose network listener is for chassis only (role=ovn-controller)
                    "--ovnnb-db=" + (clustered() ? remotes(OvnDb.NB) : unixRemotes(OvnDb.NB)),
                    "--ovnsb-db=" + (clustered() && transport != Transport.SSL ? remotes(OvnDb.SB) : unixRemotes(OvnDb.SB)),
                    "--unixctl=" + northdCtl(i), "--log-file=" + h.dir().resolve("northd.log")));
            cmd.addAll(tlsFlags("ovn-northd", "--private-key=", "--certificate=", "--ca-cert="));
            daemons.put(northdLabel(i), new CentralDaemon(h.name() + "/ovn-northd", h.netns(), env(h.dir()), cmd,
                    h.dir().resolve("ovn-northd.out")));
            daemons.get(northdLabel(i)).start();
        }
        // whichever takes the SB lock first is active; the others stand by
        daemons.get(northdLabel(1)).process().await(northds == 1 ? "status active"
                : "one ovn-northd active, the other standby", timeout, () -> {
                    List<String> st = new ArrayList<>();
                    for (int i = 1; i <= northds; i++) {
                        st.add(northdStatus(northdCtl(i)));
                    }
                    return st.stream().filter("active"::equals).count() == 1
                            && st.stream().filter("standby"::equals).count() == northds - 1;
                });
    }

    /** A new, empty database: a standalone file, or a new cluster (its first member creates it, the others join). */
    private void createFiles(OvnDb db) {
        List<DbMember> m = members.get(db);
        DbMember first = m.get(0);
        if (!first.clustered()) {
            Tools.run(env(first.dir()), "ovsdb-tool", "create", first.file().toString(), db.schema().toString());
        } else {
            Tools.run(env(first.dir()), "ovsdb-tool", "create-cluster", first.file().toString(),
                    db.schema().toString(), first.raftAddress());
            for (DbMember other : m.subList(1, m.size())) {
                Tools.run(env(other.dir()), "ovsdb-tool", "join-cluster", other.file().toString(), db.dbName(),
                        other.raftAddress(), first.raftAddress());
            }
        }
    }

    /**
     * Disaster: every server of {@code db} is stopped and its file deleted, then the database is created again
     * empty (a new cluster, with a new cluster id) and started with the same commands; waits for a leader, then
     * tells each ovn-northd ({@code nb-|sb-cluster-state-reset}), as an operator must after rebuilding a cluster.
     */
    void recreate(OvnDb db) {
        List<DbMember> m = members.get(db);
        m.forEach(member -> daemon(member.label()).stop(Duration.ofSeconds(3)));
        try {
            for (DbMember member : m) {
                Files.deleteIfExists(member.file());
                Files.deleteIfExists(member.dir().resolve("." + member.file().getFileName() + ".~lock~"));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        createFiles(db);
        m.forEach(member -> daemon(member.label()).start());
        m.forEach(this::awaitServing);
        awaitLeader(db, timeout);
        // ovn-northd remembers the old cluster's log index and refuses the new one as "stale data" until told
        for (int i = 1; i <= northds; i++) {
            if (daemon(northdLabel(i)).alive()) {
                Tools.run("ovs-appctl", "-t", northdCtl(i).toString(), db.prefix() + "-cluster-state-reset");
            }
        }
    }

    /** SB with --tls listens as its Connection table says (where the RBAC role is); the others on the command line. */
    private String serverListener(DbMember member) {
        return transport == Transport.SSL && member.db() == OvnDb.SB
                ? "db:" + OvnDb.SB.dbName() + ",SB_Global,connections" : member.listener();
    }

    /** {@code --private-key=K --certificate=C --ca-cert=CA} of {@code name} with --tls; nothing without. */
    private List<String> tlsFlags(String name, String keyFlag, String certFlag, String caFlag) {
        if (pki == null) {
            return List.of();
        }
        TlsConfig f = pki.files(name);
        return List.of(keyFlag + f.privateKey(), certFlag + f.certificate(), caFlag + f.caCertificate());
    }

    /** tcp or ssl: what the network listeners and remotes speak. */
    Transport transport() {
        return transport;
    }

    private void awaitServing(DbMember member) {
        daemons.get(member.label()).process().await(member.label() + " socket accepting connections", timeout,
                () -> UnixSockets.accepting(member.socket()));
    }

    boolean clustered() {
        return hosts.size() > 1;
    }

    List<Host> hosts() {
        return hosts;
    }

    List<DbMember> members(OvnDb db) {
        return members.get(db);
    }

    /** {@code northd 1} or, standalone, {@code northd}. */
    String northdLabel(int i) {
        return clustered() ? "northd " + i : "northd";
    }

    int northds() {
        return northds;
    }

    Path northdCtl(int i) {
        return hosts.get(i - 1).dir().resolve("northd.ctl");
    }

    /** {@code active}, {@code standby} or {@code paused}, as ovn-northd says; empty if it does not answer. */
    static String northdStatus(Path ctl) {
        Exec.Result r = Exec.run(List.of(Tools.bin("ovs-appctl"), "--timeout=5", "-t", ctl.toString(), "status"),
                Map.of(), null, Duration.ofSeconds(6));
        return r.ok() && r.out().startsWith("Status: ") ? r.out().substring("Status: ".length()).trim() : "";
    }

    /** The active ovn-northd's number, if one is active (standalone: 1, running or not). */
    Optional<Integer> activeNorthd() {
        if (!clustered()) {
            return Optional.of(1);
        }
        for (int i = 1; i <= northds; i++) {
            if (daemon(northdLabel(i)).alive() && northdStatus(northdCtl(i)).equals("active")) {
                return Optional.of(i);
            }
        }
        return Optional.empty();
    }

    /** Every member's network remote, comma-separated: what ovn-controller and ovn-northd are given. */
    String remotes(OvnDb db) {
        return members.get(db).stream().map(DbMember::remote).collect(Collectors.joining(","));
    }

    /** Every member's unix socket, comma-separated: what the controller and the tools on this machine use. */
    String unixRemotes(OvnDb db) {
        return members.get(db).stream().map(DbMember::unixRemote).collect(Collectors.joining(","));
    }

    /** The member that leads its cluster now (standalone: the one server). */
    Optional<DbMember> leader(OvnDb db) {
        for (DbMember m : members.get(db)) {
            if (!m.clustered()) {
                return Optional.of(m); // the one server, running or not (so that it can be restarted)
            }
            if (!daemon(m.label()).alive()) {
                continue;
            }
            if (MemberStatus.query(m.ctl(), db).filter(MemberStatus::leader).isPresent()) {
                return Optional.of(m);
            }
        }
        return Optional.empty();
    }

    /** Waits until some member of {@code db} leads and returns it. */
    DbMember awaitLeader(OvnDb db, Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        while (true) {
            Optional<DbMember> l = leader(db);
            if (l.isPresent()) {
                return l.get();
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(db.dbName() + ": no leader within " + within.toSeconds() + " s");
            }
            Tools.sleep(50);
        }
    }

    /** The daemon under {@code label} ({@code nb-member 2}, {@code northd 1}, ...). */
    CentralDaemon daemon(String label) {
        CentralDaemon d = daemons.get(label);
        if (d == null) {
            throw new IllegalArgumentException("no " + label + " in this sandbox (there are: " + daemons.keySet() + ")");
        }
        return d;
    }

    /** Starts the daemon again with its command and waits until it serves (a member: its socket accepts). */
    void restart(String label) {
        CentralDaemon d = daemon(label);
        d.restart(Duration.ofSeconds(5));
        members.values().stream().flatMap(List::stream).filter(m -> m.label().equals(label)).findFirst()
                .ifPresent(this::awaitServing);
    }

    Path dir() {
        return dir;
    }

    List<ManagedProcess> daemons() {
        synchronized (daemons) {
            return daemons.values().stream().map(CentralDaemon::process).filter(p -> p != null).toList();
        }
    }

    String nbctl(String... args) {
        return ctl("ovn-nbctl", OvnDb.NB, args);
    }

    String sbctl(String... args) {
        return ctl("ovn-sbctl", OvnDb.SB, args);
    }

    private String ctl(String tool, OvnDb db, String... args) {
        List<String> a = new ArrayList<>(List.of("--db=" + unixRemotes(db)));
        a.addAll(List.of(args));
        return Tools.run(env(dir), tool, a.toArray(String[]::new));
    }

    /** Stops northd, then the databases (SIGTERM lets ovsdb-server remove its sockets). */
    @Override
    public void close() {
        List<CentralDaemon> reverse;
        synchronized (daemons) {
            reverse = new ArrayList<>(daemons.values());
        }
        Collections.reverse(reverse);
        reverse.forEach(d -> d.stop(Duration.ofSeconds(3)));
    }
}
