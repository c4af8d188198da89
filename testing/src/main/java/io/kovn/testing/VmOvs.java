package io.kovn.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * A worker VM of underlay mode (docs/underlay.md) for tests: a network namespace with its own ovsdb-server and
 * ovs-vswitchd (userspace datapath) and no OVN at all, unlike {@link OvnNode}. {@link #restartOvs()} stops both
 * daemons and starts them again on the same database file, as a reboot of the VM does to its OVS.
 * {@link #close()} stops exactly the daemons it started, by pid, and removes the namespaces and the directory.
 */
public final class VmOvs implements AutoCloseable {
    private static final Duration CMD_TIMEOUT = Duration.ofSeconds(30);

    private final String name;
    private final Path dir;
    private final Netns netns;
    private final Map<String, String> env;
    private final Duration timeout;
    private final List<ChildDaemon> daemons = new ArrayList<>();
    private final List<Netns> pods = Collections.synchronizedList(new ArrayList<>());
    private boolean closed;

    private VmOvs(String name, Duration timeout) {
        this.name = name;
        this.timeout = timeout;
        try {
            dir = Files.createTempDirectory("kovn-vm-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        env = OvnDaemons.toolEnv(dir);
        netns = Netns.create(name);
    }

    /** Creates the database and starts ovsdb-server and ovs-vswitchd in a new namespace. */
    public static VmOvs start(String name, Duration timeout) {
        VmOvs vm = new VmOvs(name, timeout);
        try {
            Exec.run(List.of(OvnDaemons.bin("ovsdb-tool"), "create", vm.dir.resolve("conf.db").toString(),
                    OvnDaemons.VSWITCH_SCHEMA.toString()), vm.env, vm.dir, CMD_TIMEOUT).check();
            vm.startDaemons();
            vm.vsctl("--no-wait", "init");
            return vm;
        } catch (RuntimeException | Error e) {
            vm.close();
            throw e;
        }
    }

    private synchronized void startDaemons() {
        ChildDaemon db = daemon("ovsdb-server", List.of(OvnDaemons.bin("ovsdb-server"),
                "--remote=punix:" + dir.resolve("db.sock"), "--unixctl=" + dir.resolve("ovsdb-server.ctl"),
                "--log-file=" + dir.resolve("ovsdb-server.log"), "--pidfile=" + dir.resolve("ovsdb-server.pid"),
                dir.resolve("conf.db").toString()));
        db.await("db.sock accepting connections", timeout, () -> UnixSockets.accepting(dir.resolve("db.sock")));
        ChildDaemon vswitchd = daemon("ovs-vswitchd", List.of(OvnDaemons.bin("ovs-vswitchd"), ovsdbRemote(),
                "--unixctl=" + dir.resolve("ovs-vswitchd.ctl"), "--log-file=" + dir.resolve("ovs-vswitchd.log"),
                "--pidfile=" + dir.resolve("ovs-vswitchd.pid")));
        vswitchd.await("its control socket accepting connections", timeout,
                () -> UnixSockets.accepting(dir.resolve("ovs-vswitchd.ctl")));
    }

    /** Stops ovs-vswitchd and ovsdb-server (SIGTERM) and starts them again on the same database file. */
    public synchronized void restartOvs() {
        List<ChildDaemon> reverse = new ArrayList<>(daemons);
        Collections.reverse(reverse);
        reverse.forEach(ChildDaemon::stop);
        daemons.clear();
        startDaemons();
    }

    private ChildDaemon daemon(String daemonName, List<String> command) {
        if (closed) {
            throw new IllegalStateException("VM " + name + " is closed");
        }
        ChildDaemon d = ChildDaemon.start(daemonName, netns.inside(command), env, dir, dir.resolve(daemonName + ".log"));
        daemons.add(d);
        return d;
    }

    public Netns netns() {
        return netns;
    }

    /** The VM's Open_vSwitch database, e.g. for the node agent's OVSDB client. */
    public String ovsdbRemote() {
        return "unix:" + dir.resolve("db.sock");
    }

    /** {@code ovs-vsctl --db=<this VM> args...}; returns trimmed stdout, throws with stderr on failure. */
    public String vsctl(String... args) {
        List<String> cmd = new ArrayList<>(List.of(OvnDaemons.bin("ovs-vsctl"), "--db=" + ovsdbRemote(), "--timeout=30"));
        cmd.addAll(Arrays.asList(args));
        return Exec.run(cmd, env, dir, CMD_TIMEOUT).check().out();
    }

    /** A new namespace standing for a pod's sandbox in this VM; removed with the VM. */
    public Netns createPod(String podName) {
        Netns p = Netns.create(name + "-" + podName);
        pods.add(p);
        return p;
    }

    /** Stops the daemons, removes the pods' and the VM's namespaces and the directory. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<ChildDaemon> reverse = new ArrayList<>(daemons);
        Collections.reverse(reverse);
        reverse.forEach(ChildDaemon::stop);
        List.copyOf(pods).forEach(Netns::close);
        netns.close();
        Cleanup.deleteTree(dir);
    }
}
