package io.kovn.sandbox;

import io.kovn.sandbox.proc.ManagedProcess;
import io.kovn.testing.Exec;
import io.kovn.testing.Netns;
import io.kovn.testing.UnixSockets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * The central OVN databases and ovn-northd, inside the central namespace: NB and SB listen on their unix
 * sockets (for the controller and tools on this machine: sockets are files, reachable from any namespace) and
 * on TCP at the central namespace's underlay address (for the nodes' ovn-controllers, as in a real cluster).
 */
final class CentralOvn implements AutoCloseable {
    static final int NB_PORT = 6641;
    static final int SB_PORT = 6642;
    private static final Path NB_SCHEMA = Path.of("/usr/share/ovn/ovn-nb.ovsschema");
    private static final Path SB_SCHEMA = Path.of("/usr/share/ovn/ovn-sb.ovsschema");

    private final Netns netns;
    private final String ip;
    private final Path dir;
    private final Map<String, String> env;
    private final List<ManagedProcess> daemons = Collections.synchronizedList(new ArrayList<>());

    private CentralOvn(Netns netns, String ip, Path dir) {
        this.netns = netns;
        this.ip = ip;
        this.dir = dir;
        this.env = Map.of("OVS_RUNDIR", dir.toString(), "OVS_DBDIR", dir.toString(), "OVS_LOGDIR", dir.toString(),
                "OVN_RUNDIR", dir.toString(), "OVN_DBDIR", dir.toString(), "OVN_LOGDIR", dir.toString());
    }

    static CentralOvn start(Netns netns, String ip, Path dir, Duration timeout) {
        CentralOvn c = new CentralOvn(netns, ip, dir);
        try {
            c.startAll(timeout);
            return c;
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
    }

    private void startAll(Duration timeout) {
        try {
            Files.createDirectories(dir);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        Tools.run(env, "ovsdb-tool", "create", dir.resolve("nb.db").toString(), NB_SCHEMA.toString());
        Tools.run(env, "ovsdb-tool", "create", dir.resolve("sb.db").toString(), SB_SCHEMA.toString());
        ManagedProcess nb = ovsdb("nb", NB_PORT);
        ManagedProcess sb = ovsdb("sb", SB_PORT);
        nb.await("NB socket accepting connections", timeout, () -> UnixSockets.accepting(dir.resolve("nb.sock")));
        sb.await("SB socket accepting connections", timeout, () -> UnixSockets.accepting(dir.resolve("sb.sock")));
        ManagedProcess northd = spawn("ovn-northd", List.of(Tools.bin("ovn-northd"), "--ovnnb-db=" + nbUnix(),
                "--ovnsb-db=" + sbUnix(), "--unixctl=" + dir.resolve("northd.ctl"),
                "--log-file=" + dir.resolve("northd.log")));
        northd.await("status active", timeout, () -> {
            Exec.Result r = Exec.run(List.of(Tools.bin("ovs-appctl"), "-t", dir.resolve("northd.ctl").toString(),
                    "status"), env, dir, Duration.ofSeconds(10));
            return r.ok() && r.out().equals("Status: active");
        });
    }

    private ManagedProcess ovsdb(String name, int port) {
        return spawn(name, List.of(Tools.bin("ovsdb-server"), "--remote=punix:" + dir.resolve(name + ".sock"),
                "--remote=ptcp:" + port + ":" + ip, "--unixctl=" + dir.resolve(name + ".ctl"),
                "--log-file=" + dir.resolve(name + ".log"), dir.resolve(name + ".db").toString()));
    }

    private ManagedProcess spawn(String name, List<String> command) {
        ManagedProcess p = ManagedProcess.start("central/" + name, netns.inside(command), env, dir.resolve(name + ".out"));
        daemons.add(p);
        return p;
    }

    String nbUnix() {
        return "unix:" + dir.resolve("nb.sock");
    }

    String sbUnix() {
        return "unix:" + dir.resolve("sb.sock");
    }

    String nbTcp() {
        return "tcp:" + ip + ":" + NB_PORT;
    }

    String sbTcp() {
        return "tcp:" + ip + ":" + SB_PORT;
    }

    Path dir() {
        return dir;
    }

    List<ManagedProcess> daemons() {
        return List.copyOf(daemons);
    }

    String nbctl(String... args) {
        List<String> a = new ArrayList<>(List.of("--db=" + nbUnix()));
        a.addAll(List.of(args));
        return Tools.run(env, "ovn-nbctl", a.toArray(String[]::new));
    }

    String sbctl(String... args) {
        List<String> a = new ArrayList<>(List.of("--db=" + sbUnix()));
        a.addAll(List.of(args));
        return Tools.run(env, "ovn-sbctl", a.toArray(String[]::new));
    }

    /** Stops northd, then the databases (SIGTERM lets ovsdb-server remove its sockets). */
    @Override
    public void close() {
        List<ManagedProcess> reverse = new ArrayList<>(daemons);
        Collections.reverse(reverse);
        reverse.forEach(p -> p.stop(Duration.ofSeconds(3)));
    }
}
