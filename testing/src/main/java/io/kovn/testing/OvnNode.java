package io.kovn.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One Kubernetes node for tests: a network namespace with its own ovsdb-server (Open_vSwitch database),
 * ovs-vswitchd on the userspace (netdev) datapath and ovn-controller, each with its own directories, all in a
 * temp dir. With an {@link Underlay}, the node gets {@code eth0} on it, moved onto an OVS bridge {@code br-phy}
 * that carries the encap IP (userspace tunnels need their IP on a bridge of the same ovs-vswitchd).
 *
 * <pre>{@code
 * try (OvnDaemons central = OvnDaemons.builder().northd().start();
 *      Underlay underlay = Underlay.create();
 *      OvnNode node = OvnNode.builder("node1").underlay(underlay).sbRemote(central.sbUnix()).start()) {
 *     Netns pod = node.createPod("pod1");
 * }
 * }</pre>
 *
 * Without {@link Builder#sbRemote}, ovn-controller waits until something (the node agent under test) sets
 * external_ids:ovn-remote. The central SB may be given by its unix socket: sockets are files, reachable from
 * every namespace. {@link #close()} stops exactly the daemons it started, by pid, and removes the namespaces
 * and the directory.
 */
public final class OvnNode implements AutoCloseable {
    private static final Duration CMD_TIMEOUT = Duration.ofSeconds(30);

    private final String name;
    private final Path dir;
    private final Netns netns;
    private final Map<String, String> env;
    private final List<ChildDaemon> daemons = new ArrayList<>();
    private final List<Netns> pods = Collections.synchronizedList(new ArrayList<>());
    private final Duration timeout;
    private final DaemonLauncher launcher;
    private String encapIp;
    private String encapMac;
    private boolean closed;

    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** What the node is attached to and whether its OVN settings are made here or left to the test. */
    public static final class Builder {
        private final String name;
        private Underlay underlay;
        private String sbRemote;
        private String encapType = "geneve";
        private Duration timeout = Duration.ofSeconds(30);
        private DaemonLauncher launcher = DaemonLauncher.NATIVE;

        private Builder(String name) {
            if (!name.matches("[a-z0-9][a-z0-9-]{0,20}")) {
                throw new IllegalArgumentException("node name '" + name + "': lower-case letters, digits, '-'; at most 21");
            }
            this.name = name;
        }

        /** Attach eth0 to this underlay and put the node's encap IP on br-phy. */
        public Builder underlay(Underlay u) {
            underlay = u;
            return this;
        }

        /** Set the OVN external_ids (ovn-remote, encap, system-id) here, as a node agent would. */
        public Builder sbRemote(String remote) {
            sbRemote = remote;
            return this;
        }

        public Builder encapType(String type) {
            encapType = type;
            return this;
        }

        public Builder timeout(Duration t) {
            timeout = t;
            return this;
        }

        /** How the daemons are run (default: this machine's binaries, inside the node's namespace). */
        public Builder launcher(DaemonLauncher l) {
            launcher = l;
            return this;
        }

        public OvnNode start() {
            OvnNode n = new OvnNode(name, timeout, launcher);
            try {
                n.startAll(underlay);
                if (sbRemote != null) {
                    n.configureOvn(sbRemote, encapType);
                }
                return n;
            } catch (RuntimeException | Error e) {
                n.close();
                throw e;
            }
        }
    }

    private OvnNode(String name, Duration timeout, DaemonLauncher launcher) {
        this.name = name;
        this.timeout = timeout;
        this.launcher = launcher;
        try {
            dir = Files.createTempDirectory("kovn-node-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        env = OvnDaemons.toolEnv(dir);
        netns = Netns.create(name);
    }

    private void startAll(Underlay underlay) {
        if (underlay != null) {
            encapIp = underlay.attach(netns, "eth0");
        }
        Exec.run(List.of(OvnDaemons.bin("ovsdb-tool"), "create", dir.resolve("conf.db").toString(),
                OvnDaemons.VSWITCH_SCHEMA.toString()), env, dir, CMD_TIMEOUT).check();
        ChildDaemon db = daemon("ovsdb-server", List.of(OvnDaemons.bin("ovsdb-server"),
                "--remote=punix:" + dir.resolve("db.sock"), "--unixctl=" + dir.resolve("ovsdb-server.ctl"),
                "--log-file=" + dir.resolve("ovsdb-server.log"), "--pidfile=" + dir.resolve("ovsdb-server.pid"),
                dir.resolve("conf.db").toString()));
        db.await("db.sock accepting connections", timeout, () -> UnixSockets.accepting(dir.resolve("db.sock")));
        vsctl("--no-wait", "init");
        List<String> vswitchdCommand = List.of(OvnDaemons.bin("ovs-vswitchd"), ovsdbRemote(),
                "--unixctl=" + dir.resolve("ovs-vswitchd.ctl"), "--log-file=" + dir.resolve("ovs-vswitchd.log"),
                "--pidfile=" + dir.resolve("ovs-vswitchd.pid"));
        ChildDaemon vswitchd = daemon("ovs-vswitchd", vswitchdCommand);
        vswitchd.await("its control socket accepting connections", timeout,
                () -> UnixSockets.accepting(dir.resolve("ovs-vswitchd.ctl")));
        if (underlay != null) {
            encapMac = netns.ip("-br", "link", "show", "eth0").split("\\s+")[2];
            // the fixed MAC lets peers pre-seed their tunnel neighbour tables (the first packet is lost otherwise)
            vsctl("add-br", "br-phy", "--", "set", "bridge", "br-phy", "datapath_type=netdev",
                    "other-config:hwaddr=" + encapMac, "--", "add-port", "br-phy", "eth0");
            netns.ip("addr", "flush", "dev", "eth0");
            configureBrPhy();
        }
        restartOnCrash(vswitchd, vswitchdCommand);
        startOvnController();
    }

    /** Starts ovn-controller (again, after {@link #kill}), as the node first started it. */
    public synchronized void startOvnController() {
        if (daemons.stream().anyMatch(d -> d.name.equals("ovn-controller") && d.process.isAlive())) {
            throw new IllegalStateException("ovn-controller of " + name + " is already running");
        }
        daemons.removeIf(d -> d.name.equals("ovn-controller"));
        daemon("ovn-controller", List.of(OvnDaemons.bin("ovn-controller"), ovsdbRemote(),
                "--log-file=" + dir.resolve("ovn-controller.log"), "--pidfile=" + dir.resolve("ovn-controller.pid")));
    }

    /**
     * SIGKILLs one of the node's daemons, as a crash would, and waits until it is gone; returns the pid it had.
     * ovs-vswitchd comes back by itself (see restartOnCrash); ovn-controller through {@link #startOvnController}.
     */
    public long kill(String daemonName) {
        ChildDaemon d;
        synchronized (this) {
            d = daemons.stream().filter(x -> x.name.equals(daemonName) && x.process.isAlive()).findFirst()
                    .orElseThrow(() -> new IllegalStateException(daemonName + " of " + name + " is not running"));
        }
        launcher.kill(this, daemonName);
        d.process.destroyForcibly();
        try {
            d.process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return d.process.pid();
    }

    /** The encap IP on br-phy (userspace tunnels need their IP on a bridge of the same ovs-vswitchd). */
    private void configureBrPhy() {
        netns.ip("addr", "replace", encapIp + "/24", "dev", "br-phy");
        netns.ip("link", "set", "br-phy", "up");
    }

    /**
     * What ovs-ctl's {@code --monitor} does for a real node: an ovs-vswitchd that dies (OVS 3.1's userspace
     * conntrack can abort on an assertion) is started again, and br-phy is given its encap IP again should the new
     * one have made the device anew. The crash is reported on stderr with the log's last lines.
     */
    private void restartOnCrash(ChildDaemon d, List<String> command) {
        d.process.onExit().thenRun(() -> {
            synchronized (this) {
                if (closed) {
                    return;
                }
            }
            System.err.println("OvnNode " + name + ": ovs-vswitchd (pid " + d.process.pid() + ") exited with "
                    + d.process.exitValue() + "; starting it again as ovs-ctl --monitor would. "
                    + d.failure("ended").getMessage());
            try {
                ChildDaemon again = daemon("ovs-vswitchd", command);
                synchronized (this) {
                    daemons.remove(d);
                }
                again.await("its control socket accepting connections after a restart", timeout,
                        () -> UnixSockets.accepting(dir.resolve("ovs-vswitchd.ctl")));
                if (encapIp != null) {
                    long deadline = System.nanoTime() + timeout.toNanos();
                    while (!netns.run(List.of("ip", "link", "show", "br-phy")).ok() && System.nanoTime() < deadline) {
                        Thread.sleep(20);
                    }
                    configureBrPhy();
                }
                restartOnCrash(again, command);
            } catch (RuntimeException | InterruptedException e) {
                System.err.println("OvnNode " + name + ": could not restart ovs-vswitchd: " + e);
            }
        });
    }

    private synchronized ChildDaemon daemon(String daemonName, List<String> command) {
        if (closed) {
            throw new IllegalStateException("node " + name + " is closed");
        }
        ChildDaemon d = ChildDaemon.start(daemonName, launcher.command(this, daemonName, command), env, dir,
                dir.resolve(daemonName + ".log"));
        daemons.add(d);
        return d;
    }

    // ---- accessors ----

    public String name() {
        return name;
    }

    public Netns netns() {
        return netns;
    }

    public Path dir() {
        return dir;
    }

    /** Environment pointing OVS/OVN tools at this node (OVS_RUNDIR etc.). */
    public Map<String, String> env() {
        return env;
    }

    /** The node's Open_vSwitch database, e.g. for the node agent's OVSDB client. */
    public String ovsdbRemote() {
        return "unix:" + dir.resolve("db.sock");
    }

    /** The address on the underlay (on br-phy), or null without an underlay. */
    public String encapIp() {
        return encapIp;
    }

    /** br-phy's MAC, or null without an underlay. */
    public String encapMac() {
        return encapMac;
    }

    /** Pids of the running daemons, by name (ovsdb-server, ovs-vswitchd, ovn-controller). */
    public synchronized Map<String, Long> pids() {
        Map<String, Long> m = new LinkedHashMap<>();
        daemons.stream().filter(d -> d.process.isAlive()).forEach(d -> m.put(d.name, d.process.pid()));
        return m;
    }

    // ---- tools ----

    /** {@code ovs-vsctl --db=<this node> args...}; returns trimmed stdout, throws with stderr on failure. */
    public String vsctl(String... args) {
        List<String> cmd = new ArrayList<>(List.of(OvnDaemons.bin("ovs-vsctl"), "--db=" + ovsdbRemote(), "--timeout=30"));
        cmd.addAll(Arrays.asList(args));
        return Exec.run(cmd, env, dir, CMD_TIMEOUT).check().out();
    }

    /**
     * Waits at most {@code timeout} for one of this node's daemons to end by itself (after {@code exit}, say);
     * true if it has. ovn-controller's {@code exit} answers before it has removed its chassis from the SB.
     */
    public boolean awaitExit(String daemonName, Duration timeout) {
        ChildDaemon d;
        synchronized (this) {
            d = daemons.stream().filter(x -> x.name.equals(daemonName)).findFirst().orElse(null);
        }
        if (d == null) {
            return true;
        }
        try {
            return d.process.waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** {@code ovs-appctl} to ovs-vswitchd, ovsdb-server or ovn-controller of this node. */
    public String appctl(String daemon, String... args) {
        List<String> cmd = new ArrayList<>();
        if (daemon.equals("ovn-controller")) {
            // its socket is named after the pid in its pid file; not through ovn-appctl's pid file lookup, which
            // deletes the file as stale when the daemon runs in a container (another pid namespace)
            cmd.addAll(List.of(OvnDaemons.bin("ovs-appctl"), "-t", ovnControllerSocket().toString()));
        } else {
            cmd.addAll(List.of(OvnDaemons.bin("ovs-appctl"), "-t", dir.resolve(daemon + ".ctl").toString()));
        }
        cmd.addAll(Arrays.asList(args));
        return Exec.run(cmd, env, dir, CMD_TIMEOUT).check().out();
    }

    /** ovn-controller's control socket, {@code ovn-controller.<pid>.ctl} with the pid its pid file holds. */
    public Path ovnControllerSocket() {
        Path pidFile = dir.resolve("ovn-controller.pid");
        try {
            return dir.resolve("ovn-controller." + Files.readString(pidFile).trim() + ".ctl");
        } catch (IOException e) {
            throw new IllegalStateException("ovn-controller of " + name + " has no pid file " + pidFile, e);
        }
    }

    /** Sets what a node agent sets for ovn-controller: system-id (the node name), SB remote, encap. */
    public void configureOvn(String sbRemote, String encapType) {
        List<String> args = new ArrayList<>(List.of("set", "Open_vSwitch", ".", "external_ids:system-id=" + name,
                "external_ids:ovn-remote=\"" + sbRemote + "\"", "external_ids:ovn-encap-type=" + encapType,
                "external_ids:ovn-bridge-datapath-type=netdev"));
        args.add("external_ids:ovn-encap-ip=" + (encapIp != null ? encapIp : "127.0.0.1"));
        vsctl(args.toArray(String[]::new));
    }

    /** Pre-seeds the tunnel neighbour entry for another node, so no first packet is lost to ARP. */
    public void addTunnelPeer(OvnNode other) {
        appctl("ovs-vswitchd", "tnl/neigh/set", "br-phy", other.encapIp(), other.encapMac());
    }

    /** A new namespace standing for a pod's sandbox on this node; removed with the node. */
    public Netns createPod(String podName) {
        Netns p = Netns.create(name + "-" + podName);
        pods.add(p);
        return p;
    }

    /** Stops the daemons (ovn-controller first), removes the pods' and the node's namespaces and the dir. */
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
