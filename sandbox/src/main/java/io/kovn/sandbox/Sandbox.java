package io.kovn.sandbox;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.kovn.ovn.config.NetworkDefaults;
import io.kovn.ovn.net.Ipv4Cidr;
import io.kovn.sandbox.api.ApiRequestLog;
import io.kovn.sandbox.api.SandboxApiServer;
import io.kovn.sandbox.proc.JavaCommand;
import io.kovn.sandbox.proc.ManagedProcess;
import io.kovn.sandbox.proc.ProcessRef;
import io.kovn.sandbox.standins.ClusterIpAllocator;
import io.kovn.sandbox.standins.DeploymentController;
import io.kovn.sandbox.standins.EndpointSliceMirror;
import io.kovn.sandbox.standins.PodBinder;
import io.kovn.sandbox.standins.PodRuntime;
import io.kovn.sandbox.standins.ReplicaSetController;
import io.kovn.sandbox.standins.RuntimePod;
import io.kovn.sandbox.standins.RuntimePodProcesses;
import io.kovn.sandbox.state.SandboxState;
import io.kovn.sandbox.image.PodmanLauncher;
import io.kovn.sandbox.image.SocketRelay;
import io.kovn.testing.DaemonLauncher;
import io.kovn.testing.Netns;
import io.kovn.testing.OvnNode;
import io.kovn.testing.Underlay;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.LongSupplier;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A whole kovn cluster on this machine. Real parts: OVN central (NB, SB, ovn-northd) in the central
 * namespace; per node, a namespace on the underlay with ovsdb-server, ovs-vswitchd and ovn-controller; the kovn
 * controller and one kovn node agent per node, each in its own JVM started as {@code kovn controller} and
 * {@code kovn node} are (their main classes, the same options, a generated config file each). Emulated parts, named as such: the
 * Kubernetes API (fabric8's mock server), and stand-ins for the scheduler ({@link PodBinder}), service IP
 * allocation ({@link ClusterIpAllocator}), the EndpointSlice controller ({@link EndpointSliceMirror}), the
 * Deployment and ReplicaSet controllers ({@link DeploymentController}, {@link ReplicaSetController}) and
 * kubelet with a container runtime ({@link PodRuntime}), which run in this JVM. An "external" namespace on the
 * underlay stands for the world outside the cluster; every node is also a dedicated gateway (its eth1) on a
 * separate gateway network ({@value #GATEWAY_SUBNET}, a bridge in an "extnet" namespace) where the external
 * namespace is {@value #GATEWAY_NEXT_HOP}, the gateways' next hop; the tunnels stay on the underlay.
 *
 * <p>Everything it starts is recorded in {@link SandboxState} as it goes, so another process can stop it
 * ({@link SandboxDown}); {@link #close()} stops it from here.
 */
public final class Sandbox implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Sandbox.class);
    public static final String CLUSTER_SUBNET = NetworkDefaults.CLUSTER_SUBNET;
    public static final String SERVICE_CIDR = NetworkDefaults.SERVICE_CIDR;
    public static final String UNDERLAY_SUBNET = "10.99.0.0/24";
    /** The network of the nodes' gateways: node N's gateway router is .(10+N), the external host .1. */
    public static final String GATEWAY_SUBNET = "172.18.0.0/24";
    public static final String GATEWAY_NEXT_HOP = "172.18.0.1";
    /** Each node's dedicated gateway interface (the agent's --physical-interface). */
    static final String GATEWAY_INTERFACE = "eth1";
    /** The controller's config file in the state directory ({@code kovn controller --config}). */
    static final String CONTROLLER_CONFIG = "controller.yaml";
    /** The controller's and the node agents' own kubeconfigs ({@code controller}, {@code node}). */
    static final String KUBECONFIGS = "kubeconfigs";
    /** With --image: the API as a unix socket, for the relays in the nodes' namespaces. */
    static final String API_SOCKET = "api.sock";
    private static final String GATEWAY_PREFIX = "172.18.0.";
    private static final Duration DAEMON_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration AGENT_TIMEOUT = Duration.ofSeconds(180);

    private final SandboxConfig cfg;
    private final Progress progress;
    private final long t0 = System.nanoTime();
    private final Instant startedAt = Instant.now();
    private final Path stateDir;
    private final Path logDir;
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "sandbox");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, SandboxNode> nodes = new LinkedHashMap<>();
    private Underlay underlay;
    private final List<CentralOvn.Host> centralHosts = new ArrayList<>();
    private Netns central;
    private String centralIp;
    private CentralOvn ovn;
    /** With --tls: the CA and the central certificates; null otherwise. */
    private SandboxPki pki;
    private Netns external;
    private String externalIp;
    private Netns gatewayNet;
    private SandboxApiServer api;
    private KubernetesClient client;
    private PodBinder binder;
    private ClusterIpAllocator ipAllocator;
    private EndpointSliceMirror slices;
    private ReplicaSetController replicaSets;
    private DeploymentController deployments;
    private Path plugin;
    private Path kubeconfig;
    private Path controllerKubeconfig;
    private Path nodeKubeconfig;
    private Path logback;
    /** With --image: runs the nodes' OVS and ovn-controller as containers; the machine's binaries otherwise. */
    private DaemonLauncher launcher = DaemonLauncher.NATIVE;
    private Path containersConf;
    private SocketRelay apiRelay;
    private final List<SandboxController> controllers = new ArrayList<>();
    private int nodeCounter;
    private boolean ready;
    private volatile boolean closed;

    private Sandbox(SandboxConfig cfg, Progress progress) {
        this.cfg = cfg;
        this.progress = progress;
        this.stateDir = cfg.stateDir().toAbsolutePath();
        this.logDir = stateDir.resolve("logs");
    }

    /** Brings the whole sandbox up; on failure, removes what it made and throws. */
    public static Sandbox start(SandboxConfig cfg, Progress progress) {
        List<String> problems = Tools.problems();
        if (!problems.isEmpty()) {
            throw new IllegalStateException("the sandbox cannot run here: " + String.join("; ", problems));
        }
        Sandbox s = new Sandbox(cfg, progress);
        try {
            s.bringUp();
            return s;
        } catch (RuntimeException | Error e) {
            s.step("failed: " + e.getMessage());
            s.keepLogs();
            s.close();
            throw e;
        }
    }

    private void step(String message) {
        String line = String.format("[%5.1fs] %s", (System.nanoTime() - t0) / 1e9, message);
        log.info(line);
        progress.step(line);
    }

    /** Copies the logs next to the state directory, which close() may remove: what a failure needs explained. */
    private void keepLogs() {
        if (!cfg.removeStateOnClose()) {
            return;
        }
        Path keep = stateDir.resolveSibling(stateDir.getFileName() + "-failed-logs");
        try (Stream<Path> files = Files.list(logDir)) {
            Files.createDirectories(keep);
            for (Path f : files.toList()) {
                Files.copy(f, keep.resolve(f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            for (SandboxNode n : List.copyOf(nodes.values())) {
                for (String d : List.of("ovn-controller.log", "ovs-vswitchd.log")) {
                    Path src = n.ovn().dir().resolve(d);
                    if (Files.exists(src)) {
                        Files.copy(src, keep.resolve(n.name() + "-" + d), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
            log.warn("the sandbox failed to start: its logs are in {}", keep);
            step("logs kept in " + keep);
        } catch (IOException | RuntimeException e) {
            log.warn("could not keep the logs: {}", e.toString());
        }
    }

    /** Seconds since the sandbox started coming up. */
    public double elapsedSeconds() {
        return (System.nanoTime() - t0) / 1e9;
    }

    private void bringUp() {
        mkdirs(stateDir);
        mkdirs(logDir);
        logback = SandboxFiles.writeLogback(stateDir);
        if (cfg.image() != null) {
            containersConf = PodmanLauncher.writeContainersConf(stateDir);
            launcher = new PodmanLauncher(cfg.image(), containersConf, cfg.tls());
        }
        underlay = Underlay.create();
        for (int i = 1; i <= cfg.centralHosts(); i++) {
            String name = cfg.ha() ? "central" + i : "central";
            Netns ns = Netns.create(name);
            centralHosts.add(new CentralOvn.Host(name, ns, underlay.attach(ns, "eth0"),
                    cfg.ha() ? stateDir.resolve("central").resolve(name) : stateDir.resolve("central")));
        }
        central = centralHosts.get(0).netns();
        centralIp = centralHosts.get(0).ip();
        external = Netns.create("external");
        externalIp = underlay.attach(external, "eth0");
        gatewayNet = Netns.create("extnet");
        gatewayNet.ip("link", "add", "br0", "type", "bridge");
        gatewayNet.ip("link", "set", "br0", "up");
        wireToGatewayNetwork(external, "ext", GATEWAY_INTERFACE);
        external.ip("addr", "add", GATEWAY_NEXT_HOP + "/" + GATEWAY_SUBNET.split("/")[1], "dev", GATEWAY_INTERFACE);
        writeState();
        step("namespaces: underlay " + UNDERLAY_SUBNET + " (" + underlay.netns().name() + "), central "
                + String.join(", ", centralHosts.stream().map(CentralOvn.Host::ip).toList())
                + ", external " + externalIp + " and " + GATEWAY_NEXT_HOP + " on the gateway network " + GATEWAY_SUBNET
                + " (" + gatewayNet.name() + ")");

        if (cfg.tls()) {
            pki = SandboxPki.create(stateDir.resolve("pki"), centralHosts.stream().map(CentralOvn.Host::ip).toList());
            step("PKI (--tls): CA, NB/SB server and ovn-northd certificates in " + pki.dir()
                    + "; node certificates come through the CSR API");
        }
        CompletableFuture<CentralOvn> ovnF = async(() -> CentralOvn.start(centralHosts, stateDir.resolve("central"),
                cfg.tls() ? Transport.SSL : Transport.TCP, pki, DAEMON_TIMEOUT));
        CompletableFuture<Void> apiF = async(() -> {
            startApi();
            return null;
        });
        CompletableFuture<Path> pluginF = async(() -> CniPlugin.prepare(stateDir.resolve("cni-plugin")));
        List<CompletableFuture<SandboxNode>> nodeFs = new ArrayList<>();
        for (int i = 0; i < cfg.nodes(); i++) {
            String name = nextNodeName();
            nodeFs.add(async(() -> newNode(name)));
        }
        ovn = join(ovnF);
        step(cfg.ha()
                ? "OVN central: NB and SB as 3-member RAFT clusters (NB " + ovn.remotes(OvnDb.NB) + ", SB "
                        + ovn.remotes(OvnDb.SB) + "), leaders " + ovn.awaitLeader(OvnDb.NB, DAEMON_TIMEOUT).label() + " and "
                        + ovn.awaitLeader(OvnDb.SB, DAEMON_TIMEOUT).label() + "; ovn-northd "
                        + ovn.activeNorthd().orElse(0) + " active, the other standby"
                : "OVN central: NB " + ovn.remotes(OvnDb.NB) + ", SB " + ovn.remotes(OvnDb.SB) + ", ovn-northd active");
        join(apiF);
        step("Kubernetes API (emulated) at " + api.url() + ", kubeconfig " + kubeconfig
                + "; stand-ins: pod binder, cluster IP allocator, EndpointSlice, Deployment and ReplicaSet controllers");
        List<SandboxNode> made = new ArrayList<>();
        RuntimeException failure = null;
        for (CompletableFuture<SandboxNode> f : nodeFs) {
            try {
                made.add(join(f));
            } catch (RuntimeException e) {
                failure = failure == null ? e : failure;
            }
        }
        synchronized (this) {
            made.forEach(n -> nodes.put(n.name(), n));
        }
        writeState();
        if (failure != null) {
            throw failure;
        }
        seedTunnelNeighbours();
        step(made.size() + " node namespaces with ovsdb-server, ovs-vswitchd (netdev), ovn-controller: "
                + String.join(", ", made.stream().map(n -> n.name() + " " + n.ovn().encapIp()).toList()));
        made.forEach(this::registerNode);
        startController();
        plugin = join(pluginF);
        for (SandboxNode n : made) {
            n.prepare(plugin);
            startAgent(n);
        }
        writeState();
        step("started the kovn controller" + (cfg.ha() ? "s (Lease election; pids " : " (pid ")
                + String.join(", ", controllers.stream().map(c -> Long.toString(c.process().pid())).toList()) + ") and "
                + made.size() + " node agents");
        List<CompletableFuture<Void>> agents = new ArrayList<>();
        for (SandboxNode n : made) {
            agents.add(async(() -> {
                awaitNode(n);
                return null;
            }));
        }
        agents.forEach(Sandbox::join);
        ready = true;
        writeState();
        if (cfg.checkNetwork()) {
            step(NetworkCheck.run(this));
        }
    }

    private void startApi() {
        api = SandboxApiServer.start(cfg.apiPort());
        kubeconfig = api.writeKubeconfig(stateDir.resolve("kubeconfig"));
        // the controller and the agents as their service accounts, so the API's log tells their requests apart
        controllerKubeconfig = api.writeKubeconfigAs(stateDir.resolve(KUBECONFIGS).resolve("controller"),
                SandboxApiServer.CONTROLLER_USER);
        nodeKubeconfig = api.writeKubeconfigAs(stateDir.resolve(KUBECONFIGS).resolve("node"),
                SandboxApiServer.NODE_USER);
        client = api.newClient();
        if (cfg.image() != null) {
            // the node agents' containers are in the nodes' namespaces: the API reaches them through this socket
            try {
                apiRelay = SocketRelay.fromUnix(stateDir.resolve(API_SOCKET), new InetSocketAddress("127.0.0.1",
                        api.port()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        for (String ns : List.of("default", "kube-system", "kube-public", "kube-node-lease",
                SandboxController.LEASE_NAMESPACE)) {
            ensureNamespace(ns);
        }
        if (pki != null) {
            client.secrets().inNamespace(SandboxPki.NAMESPACE).resource(pki.caSecret()).create();
        }
        binder = new PodBinder(client);
        ipAllocator = new ClusterIpAllocator(client, Ipv4Cidr.parse(SERVICE_CIDR));
        slices = new EndpointSliceMirror(client);
        replicaSets = new ReplicaSetController(client);
        deployments = new DeploymentController(client);
        api.servePods(new RuntimePodProcesses(this::runtimePods));
    }

    private synchronized String nextNodeName() {
        return "node" + (++nodeCounter);
    }

    private SandboxNode newNode(String name) {
        OvnNode o = startOvnNode(name);
        try {
            o.appctl("ovs-vswitchd", "tnl/neigh/aging", "3600");
        } catch (RuntimeException e) {
            log.debug("tnl/neigh/aging not supported: {}", e.getMessage());
        }
        String gatewayIp;
        try {
            gatewayIp = GATEWAY_PREFIX + (10 + Integer.parseInt(name.substring("node".length())));
            wireToGatewayNetwork(o.netns(), "g" + name.substring("node".length()), GATEWAY_INTERFACE);
        } catch (RuntimeException e) {
            closeOvn(o);
            throw e;
        }
        return new SandboxNode(name, o, stateDir.resolve("nodes").resolve(name), logDir, gatewayIp);
    }

    /**
     * A veth from the gateway network's bridge (port {@code port}) to {@code ifName} in {@code other}, up and without
     * an address. Transmit checksum offload is off on both ends: the userspace datapath forwards partial checksums
     * unchanged, and receivers would drop them.
     */
    private void wireToGatewayNetwork(Netns other, String port, String ifName) {
        gatewayNet.ip("link", "add", port, "type", "veth", "peer", "name", ifName, "netns", other.path().toString());
        gatewayNet.ip("link", "set", port, "master", "br0", "up");
        gatewayNet.exec("ethtool", "-K", port, "tx", "off");
        other.ip("link", "set", ifName, "up");
        other.exec("ethtool", "-K", ifName, "tx", "off");
    }

    /**
     * OvnNode waits for ovsdb-server's socket file and then connects; the file exists a moment before the server
     * listens, so a first connection can be refused. A fresh try gets past it.
     */
    private OvnNode startOvnNode(String name) {
        for (int attempt = 1; ; attempt++) {
            try {
                return OvnNode.builder(name).underlay(underlay).encapType(cfg.encap()).timeout(DAEMON_TIMEOUT)
                        .launcher(launcher).start();
            } catch (RuntimeException e) {
                if (attempt == 3 || !String.valueOf(e.getMessage()).contains("Connection refused")) {
                    throw e;
                }
                log.info("node {}: {}; trying again", name, e.getMessage());
            }
        }
    }

    /** Stops a node's daemons; with --image also removes their containers (their processes are gone by then). */
    private void closeOvn(OvnNode o) {
        o.close();
        if (containersConf != null) {
            PodmanLauncher.removeContainers(o.netns().name(), containersConf);
        }
    }

    /** The first packet to a tunnel peer is lost while OVS resolves it: tell every node every other's MAC. */
    private synchronized void seedTunnelNeighbours() {
        for (SandboxNode a : nodes.values()) {
            for (SandboxNode b : nodes.values()) {
                if (a != b) {
                    a.ovn().addTunnelPeer(b.ovn());
                }
            }
        }
    }

    private void registerNode(SandboxNode n) {
        Node node = new NodeBuilder().withNewMetadata().withName(n.name()).withUid(UUID.randomUUID().toString())
                .addToLabels("kubernetes.io/hostname", n.name()).addToLabels("kubernetes.io/os", "linux")
                .addToLabels("sandbox.kovn.io/node", "true").endMetadata()
                .withNewSpec().endSpec()
                .withNewStatus()
                .addNewAddress().withType("InternalIP").withAddress(n.ovn().encapIp()).endAddress()
                .addNewAddress().withType("Hostname").withAddress(n.name()).endAddress()
                .addNewCondition().withType("Ready").withStatus("True").withReason("KubeletReady")
                .withMessage("sandbox node (pod runtime stand-in)").withLastTransitionTime(Instant.now().toString())
                .endCondition()
                .withNewNodeInfo().withOperatingSystem("linux").withArchitecture("amd64")
                .withKubeletVersion("v1.32.0-kovn-sandbox").withContainerRuntimeVersion("kovn-sandbox://0.1")
                .withKernelVersion("").withOsImage("kovn sandbox").withMachineID("").withSystemUUID("")
                .withBootID("").withKubeProxyVersion("").endNodeInfo()
                .endStatus().build();
        client.nodes().resource(node).create();
    }

    private void awaitNode(SandboxNode n) {
        long start = System.nanoTime();
        n.awaitAgent(AGENT_TIMEOUT);
        ManagedProcess agent = n.agent();
        agent.await("its chassis in the Southbound database", DAEMON_TIMEOUT, () -> chassisNames().contains(n.name()));
        synchronized (this) {
            if (n.runtime() == null) {
                n.runtime(new PodRuntime(client, new PodRuntime.NodeContext(n.name(), n.ovn().encapIp(), n.confList(),
                        n.binDir(), n.podsDir(), logDir.resolve("cni-" + n.name() + ".log"), n.agentHostPaths())));
            }
        }
        step(n.name() + ": node agent ready (subnet " + nodeSubnet(n.name()) + "), chassis up, pod runtime watching ("
                + String.format("%.1f", (System.nanoTime() - start) / 1e9) + " s after agent start)");
    }

    /** The chassis names registered in the Southbound database. */
    public List<String> chassisNames() {
        String out = ovn.sbctl("--bare", "--columns=name", "list", "Chassis");
        return out.lines().map(String::trim).filter(l -> !l.isEmpty()).toList();
    }

    private String nodeSubnet(String node) {
        Node n = client.nodes().withName(node).get();
        String a = n == null || n.getMetadata().getAnnotations() == null ? null
                : n.getMetadata().getAnnotations().get("k8s.ovn.org/node-subnets");
        return a == null ? "?" : a.replaceAll(".*\\[\"([^\"]+)\".*", "$1");
    }

    // ---- the controller ----

    /** Starts the controllers (one, or two with {@code --ha}) that are not running. */
    public synchronized void startController() {
        if (controllers.isEmpty()) {
            if (cfg.ha()) {
                controllers.add(new SandboxController(1, stateDir, logDir));
                controllers.add(new SandboxController(2, stateDir, logDir));
            } else {
                controllers.add(new SandboxController(0, stateDir, logDir));
            }
        }
        controllers.forEach(c -> c.start(controllerKubeconfig, ovn.unixRemotes(OvnDb.NB), jvmOptions(), cfg.tls(),
                cfg.nodeCertLifetime()));
        writeState();
    }

    /** Stops every controller. */
    public synchronized void stopController() {
        controllers.forEach(c -> c.stop(Duration.ofSeconds(5)));
        writeState();
    }

    /** The (first) controller's process (null while stopped). */
    public synchronized ManagedProcess controller() {
        return controllers.isEmpty() ? null : controllers.get(0).process();
    }

    /** The loopback port of controller {@code index}'s /metrics and /healthz (index 1 without {@code --ha}). */
    public synchronized int controllerMetricsPort(int index) {
        return controllers.get(index - 1).metricsPort();
    }

    /** The identity that holds the controllers' Lease, if one does. */
    public Optional<String> controllerLeaseHolder() {
        Lease l = client.leases().inNamespace(SandboxController.LEASE_NAMESPACE).withName(SandboxController.LEASE_NAME)
                .get();
        return Optional.ofNullable(l == null || l.getSpec() == null ? null : l.getSpec().getHolderIdentity());
    }

    private void startAgent(SandboxNode n) {
        if (launcher instanceof PodmanLauncher l) {
            n.startAgentContainer(l, nodeKubeconfig, api.port(), stateDir.resolve(API_SOCKET), ovn.remotes(OvnDb.SB),
                    ovn.remotes(OvnDb.NB), cfg.encap(), cfg.tls());
            return;
        }
        n.startAgent(nodeKubeconfig, ovn.remotes(OvnDb.SB), ovn.unixRemotes(OvnDb.SB), ovn.remotes(OvnDb.NB),
                cfg.encap(), plugin, jvmOptions(), cfg.tls());
    }

    // ---- node agents ----

    /** Starts the node's agent again and waits until it serves CNI requests. */
    public void startNodeAgent(String node) {
        SandboxNode n = node(node);
        startAgent(n);
        writeState();
        n.awaitAgent(AGENT_TIMEOUT);
    }

    public ManagedProcess nodeAgent(String node) {
        return node(node).agent();
    }

    // ---- kill and restart (kovn sandbox kill|restart) ----

    /** A resolved target: its name now, how to SIGKILL it (returning the pid) and how to start it again. */
    private record Slot(String label, String role, LongSupplier kill, Runnable restart) {
        /** The target that names this process whatever leads: {@code nb-member 2}; standalone {@code nb-leader}. */
        String restartTarget() {
            return switch (label) {
                case "nb", "sb" -> label + "-leader";
                case "northd" -> "northd-active";
                case "controller" -> "controller-leader";
                default -> label;
            };
        }
    }

    /** SIGKILLs the target's process by its recorded pid; returns what was killed. */
    public String kill(Target t) {
        Slot slot = slot(t);
        long pid = slot.kill().getAsLong();
        writeState();
        return "killed " + slot.label() + slot.role() + " (pid " + pid + "); `kovn sandbox restart "
                + slot.restartTarget() + "` starts it again";
    }

    /**
     * Starts the target again with the same command (stopping it first if it runs) and waits until it serves;
     * returns what was started, with the new pid.
     */
    public String restart(Target t) {
        Slot slot = slot(t);
        slot.restart().run();
        writeState();
        return "restarted " + slot.label() + slot.role();
    }

    private Slot slot(Target t) {
        return switch (t.kind()) {
            case NB_LEADER, SB_LEADER -> {
                OvnDb db = t.kind() == Target.Kind.NB_LEADER ? OvnDb.NB : OvnDb.SB;
                DbMember m = ovn.leader(db).orElseThrow(() -> new IllegalStateException(db.dbName()
                        + " has no leader now (see `kovn sandbox status`)"));
                yield memberSlot(m, ", the " + db.prefix().toUpperCase(Locale.ROOT) + " leader");
            }
            case NB_MEMBER, SB_MEMBER -> {
                OvnDb db = t.kind() == Target.Kind.NB_MEMBER ? OvnDb.NB : OvnDb.SB;
                List<DbMember> all = ovn.members(db);
                if (!all.get(0).clustered() || t.number() > all.size()) {
                    throw new IllegalArgumentException(t + ": this sandbox's " + db.dbName() + " has "
                            + (all.get(0).clustered() ? all.size() + " members" : "one standalone server (`" + db.prefix()
                            + "-leader` names it)"));
                }
                yield memberSlot(all.get(t.number() - 1), "");
            }
            case NORTHD_ACTIVE -> {
                int i = ovn.activeNorthd().orElseThrow(() -> new IllegalStateException("no ovn-northd is active now"));
                yield northdSlot(i, ", the active one");
            }
            case NORTHD -> {
                if (t.number() > ovn.northds() || !ovn.clustered()) {
                    throw new IllegalArgumentException(t + ": this sandbox runs " + ovn.northds() + " ovn-northd"
                            + (ovn.clustered() ? "" : " (`northd-active` names it)"));
                }
                yield northdSlot(t.number(), "");
            }
            case CONTROLLER_LEADER -> {
                SandboxController c = controllerLeader().orElseThrow(() -> new IllegalStateException(
                        "no controller leads now (no Lease holder among the running controllers)"));
                yield controllerSlot(c, cfg.ha() ? ", the Lease holder" : "");
            }
            case CONTROLLER -> {
                if (!cfg.ha() || t.number() > controllers.size()) {
                    throw new IllegalArgumentException(t + ": this sandbox runs " + controllers.size() + " controller"
                            + (cfg.ha() ? "s" : " (`controller-leader` names it)"));
                }
                yield controllerSlot(controllers.get(t.number() - 1), "");
            }
            case NODE_AGENT -> {
                SandboxNode n = node(t.arg());
                yield new Slot("node-agent " + n.name(), "", () -> {
                    ManagedProcess a = n.agent();
                    if (a == null || !a.alive()) {
                        throw new IllegalStateException("the node agent of " + n.name() + " is not running");
                    }
                    n.killAgent();
                    try {
                        a.process().waitFor();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return a.pid();
                }, () -> {
                    n.stopAgent();
                    startNodeAgent(n.name());
                });
            }
            case OVN_CONTROLLER -> {
                SandboxNode n = node(t.arg());
                yield new Slot("ovn-controller " + n.name(), "", () -> n.ovn().kill("ovn-controller"), () -> {
                    if (n.ovn().pids().containsKey("ovn-controller")) {
                        n.ovn().kill("ovn-controller");
                    }
                    n.ovn().startOvnController();
                });
            }
        };
    }

    private Slot memberSlot(DbMember m, String role) {
        return new Slot(m.label(), role, () -> ovn.daemon(m.label()).kill(), () -> ovn.restart(m.label()));
    }

    private Slot northdSlot(int i, String role) {
        String label = ovn.northdLabel(i);
        return new Slot(label, role, () -> ovn.daemon(label).kill(), () -> ovn.restart(label));
    }

    private Slot controllerSlot(SandboxController c, String role) {
        return new Slot(c.label(), role, c::kill, () -> {
            synchronized (this) {
                c.stop(Duration.ofSeconds(5));
                c.start(controllerKubeconfig, ovn.unixRemotes(OvnDb.NB), jvmOptions(), cfg.tls(),
                        cfg.nodeCertLifetime());
            }
        });
    }

    /** The controller holding the Lease (without {@code --ha}: the one controller, if it runs). */
    private synchronized Optional<SandboxController> controllerLeader() {
        if (!cfg.ha()) {
            return controllers.stream().findFirst(); // running or not (so that it can be restarted)
        }
        Optional<String> holder = controllerLeaseHolder();
        return controllers.stream().filter(c -> holder.isPresent() && c.identity().equals(holder.get())).findFirst();
    }


    /** The number of the controller that leads now, if one does (1 without {@code --ha}). */
    public Optional<Integer> controllerLeaderIndex() {
        return controllerLeader().map(c -> Math.max(1, c.index()));
    }

    /** The label of {@code db}'s leader now ({@code nb-member 2}; {@code nb} standalone), if there is one. */
    public Optional<String> dbLeader(OvnDb db) {
        return ovn.leader(db).map(DbMember::label);
    }

    /** Every member of {@code db}, in order. */
    public List<DbMember> dbMembers(OvnDb db) {
        return ovn.members(db);
    }

    /**
     * Every member of {@code db} runs, answers as a member of its cluster, and one of them leads: a cluster back
     * in full health (standalone: the server runs).
     */
    public boolean dbHealthy(OvnDb db) {
        boolean leader = false;
        for (DbMember m : ovn.members(db)) {
            if (!ovn.daemon(m.label()).alive()) {
                return false;
            }
            if (m.clustered()) {
                Optional<MemberStatus> st = MemberStatus.query(m.ctl(), db);
                if (st.isEmpty() || !st.get().clusterMember()) {
                    return false;
                }
                leader |= st.get().leader();
            } else {
                leader = true;
            }
        }
        return leader;
    }

    /**
     * Disaster recovery drills: stops every server of {@code db}, deletes their files and creates the database
     * again, empty (a new cluster); returns once it has a leader and its clients were told to accept it.
     */
    public void recreateDatabase(OvnDb db) {
        ovn.recreate(db);
        if (db == OvnDb.SB) {
            // every ovn-controller also remembers the old SB cluster's index
            List<SandboxNode> all;
            synchronized (this) {
                all = List.copyOf(nodes.values());
            }
            all.forEach(n -> n.ovn().appctl("ovn-controller", "sb-cluster-state-reset"));
        }
        writeState();
    }

    /** "" when controller {@code index}'s /healthz answers 200, else what it says or why it does not answer. */
    public String controllerHealthz(int index) {
        return HaStatus.healthz(controllerMetricsPort(index));
    }

    /** The number of the active ovn-northd, if one is. */
    public Optional<Integer> activeNorthd() {
        return ovn.activeNorthd();
    }

    private List<SandboxState.DbMemberState> dbMemberStates() {
        List<SandboxState.DbMemberState> out = new ArrayList<>();
        for (OvnDb db : OvnDb.values()) {
            List<DbMember> all = ovn.members(db);
            for (int i = 0; i < all.size(); i++) {
                DbMember m = all.get(i);
                ManagedProcess p = ovn.daemon(m.label()).process();
                out.add(new SandboxState.DbMemberState(db.prefix(), m.label(), m.index(),
                        ovn.hosts().get(i).netns().name(), m.ip(), m.ctl().toString(), m.unixRemote(), m.remote(),
                        m.clustered() ? m.raftAddress() : null, p == null ? null : p.ref()));
            }
        }
        return out;
    }

    private List<SandboxState.NorthdState> northdStates() {
        List<SandboxState.NorthdState> out = new ArrayList<>();
        for (int i = 1; i <= ovn.northds(); i++) {
            ManagedProcess p = ovn.daemon(ovn.northdLabel(i)).process();
            out.add(new SandboxState.NorthdState(ovn.northdLabel(i), i, ovn.hosts().get(i - 1).netns().name(),
                    ovn.northdCtl(i).toString(), p == null ? null : p.ref()));
        }
        return out;
    }

    // ---- nodes ----

    public synchronized List<String> nodeNames() {
        return List.copyOf(nodes.keySet());
    }

    private synchronized SandboxNode node(String name) {
        SandboxNode n = nodes.get(name);
        if (n == null) {
            throw new IllegalArgumentException("no node " + name + " in this sandbox (nodes: " + nodes.keySet() + ")");
        }
        return n;
    }

    /** The namespace that stands for the node's host. */
    public Netns nodeNetns(String name) {
        return node(name).ovn().netns();
    }

    /** {@code ovs-vsctl} against the node's Open_vSwitch database. */
    public String nodeOvs(String name, String... args) {
        return node(name).ovn().vsctl(args);
    }

    /** Adds a node and waits until its agent serves pods; returns its name. */
    public String addNode() {
        String name = nextNodeName();
        SandboxNode n = newNode(name);
        synchronized (this) {
            nodes.put(name, n);
        }
        writeState();
        seedTunnelNeighbours();
        registerNode(n);
        n.prepare(plugin);
        startAgent(n);
        writeState();
        awaitNode(n);
        return name;
    }

    /**
     * Removes a node as an operator would: its pods are deleted (the pod garbage collector's part) and torn down
     * through CNI DEL, the agent stops, the Node object is deleted, and ovn-controller leaves (removing its
     * chassis); then the namespace and daemons go.
     */
    public void removeNode(String name) {
        SandboxNode n = node(name);
        client.pods().inAnyNamespace().list().getItems().stream()
                .filter(p -> name.equals(p.getSpec().getNodeName()))
                .forEach(p -> client.pods().inNamespace(p.getMetadata().getNamespace()).withName(p.getMetadata().getName())
                        .withGracePeriod(0).delete());
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (n.runtime() != null && !n.runtime().pods().isEmpty() && System.nanoTime() < deadline) {
            Tools.sleep(50);
        }
        if (n.runtime() != null) {
            n.runtime().close(true);
        }
        n.stopAgent();
        client.nodes().withName(name).delete();
        try {
            n.ovn().appctl("ovn-controller", "exit");
            // it answers at once, then removes its chassis from the SB and ends: let it finish before the kill
            if (!n.ovn().awaitExit("ovn-controller", Duration.ofSeconds(15))) {
                log.info("ovn-controller of {} has not ended 15 s after exit", name);
            }
        } catch (RuntimeException e) {
            log.info("ovn-controller of {} did not exit cleanly: {}", name, e.getMessage());
        }
        closeOvn(n.ovn());
        synchronized (this) {
            nodes.remove(name);
        }
        SandboxFiles.deleteTree(stateDir.resolve("nodes").resolve(name));
        writeState();
    }

    // ---- pods ----

    /** The pod as the runtime of its node runs it. */
    public Optional<RuntimePod> pod(String namespace, String name) {
        return runtimePods().stream().filter(p -> !p.stopping())
                .filter(p -> p.namespace().equals(namespace) && p.name().equals(name)).findFirst();
    }

    /** Every pod the nodes' runtimes run now (including those being torn down). */
    public List<RuntimePod> runtimePods() {
        List<SandboxNode> all;
        synchronized (this) {
            all = List.copyOf(nodes.values());
        }
        return all.stream().filter(n -> n.runtime() != null).flatMap(n -> n.runtime().pods().stream()).toList();
    }

    /** Creates the namespace unless it exists. */
    public void ensureNamespace(String name) {
        if (client.namespaces().withName(name).get() == null) {
            client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
                    .create();
        }
    }

    // ---- accessors ----

    public KubernetesClient client() {
        return client;
    }

    /** A new client of the API (the caller closes it). */
    public KubernetesClient newClient() {
        return api.newClient();
    }

    public Path kubeconfig() {
        return kubeconfig;
    }

    /** Every distinct request the API has answered so far, by user ({@link SandboxApiServer#CONTROLLER_USER}...). */
    public ApiRequestLog apiRequests() {
        return api.requests();
    }

    public Path stateDir() {
        return stateDir;
    }

    public Netns external() {
        return external;
    }

    /** The external host's address on the gateway network: what pods reach through their node's gateway. */
    public String externalGatewayIp() {
        return GATEWAY_NEXT_HOP;
    }

    /** The address of the node's gateway router on the gateway network (its NodePorts answer there). */
    public String nodeGatewayIp(String name) {
        return node(name).gatewayIp();
    }

    public String nbctl(String... args) {
        return ovn.nbctl(args);
    }

    public String sbctl(String... args) {
        return ovn.sbctl(args);
    }

    /** Waits until the runtime has given the pod an IP. */
    public RuntimePod awaitPodIp(String namespace, String name, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<RuntimePod> p = pod(namespace, name);
            if (p.isPresent() && p.get().ip() != null) {
                return p.get();
            }
            Tools.sleep(20);
        }
        String why = pod(namespace, name).map(RuntimePod::lastError).orElse("not on any node's runtime");
        throw new IllegalStateException("pod " + namespace + "/" + name + " got no IP within " + timeout.toSeconds()
                + " s: " + why);
    }

    // ---- state ----

    public synchronized SandboxState state() {
        List<ProcessRef> procs = new ArrayList<>();
        if (ovn != null) {
            ovn.daemons().forEach(d -> procs.add(d.ref()));
        }
        controllers.stream().filter(c -> c.process() != null).forEach(c -> procs.add(c.process().ref()));
        List<String> dirs = new ArrayList<>();
        List<SandboxState.NodeState> ns = new ArrayList<>();
        for (SandboxNode n : nodes.values()) {
            procs.addAll(n.processes());
            dirs.add(n.ovn().dir().toString());
            ns.add(n.state());
        }
        SandboxState.Central c = ovn == null ? null : new SandboxState.Central(central.name(), centralIp,
                ovn.remotes(OvnDb.NB), ovn.remotes(OvnDb.SB), ovn.unixRemotes(OvnDb.NB), ovn.unixRemotes(OvnDb.SB),
                ovn.dir().toString());
        return new SandboxState(stateDir.toString(), ready, startedAt.toEpochMilli(),
                ProcessRef.of("supervisor", ProcessHandle.current()), "kovn-" + ProcessHandle.current().pid() + "-",
                cfg.encap(), api == null ? null : api.url(), kubeconfig == null ? null : kubeconfig.toString(),
                CLUSTER_SUBNET, SERVICE_CIDR, c,
                external == null ? null : new SandboxState.Host(external.name(), externalIp,
                        gatewayNet == null ? null : GATEWAY_NEXT_HOP),
                underlay == null ? null : underlay.netns().name(), UNDERLAY_SUBNET, ns, procs,
                controllers.isEmpty() ? 0 : controllers.get(0).metricsPort(), dirs,
                gatewayNet == null ? null : new SandboxState.GatewayNetwork(gatewayNet.name(), GATEWAY_SUBNET,
                        GATEWAY_NEXT_HOP), cfg.ha(), ovn == null ? List.of() : dbMemberStates(),
                ovn == null ? List.of() : northdStates(), controllers.stream().map(SandboxController::state).toList());
    }

    private void writeState() {
        if (!closed) {
            state().write(stateDir);
        }
    }

    // ---- shutdown ----

    /** Stops everything this sandbox started and removes its namespaces (and the state dir if so configured). */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        List<SandboxNode> all;
        synchronized (this) {
            all = new ArrayList<>(nodes.values());
        }
        // the workload controllers first: no pod is created while the runtimes stop
        for (AutoCloseable c : new AutoCloseable[] {deployments, replicaSets}) {
            quietly(() -> {
                if (c != null) {
                    c.close();
                }
            });
        }
        quietly(() -> all.stream().map(n -> async(() -> {
            if (n.runtime() != null) {
                n.runtime().close(false);
            }
            return null;
        })).toList().forEach(Sandbox::join));
        for (AutoCloseable c : new AutoCloseable[] {binder, ipAllocator, slices}) {
            quietly(() -> {
                if (c != null) {
                    c.close();
                }
            });
        }
        quietly(() -> all.stream().map(n -> async(() -> {
            n.stopAgent();
            return null;
        })).toList().forEach(Sandbox::join));
        quietly(() -> controllers.forEach(c -> c.stop(Duration.ofSeconds(5))));
        quietly(() -> all.stream().map(n -> async(() -> {
            closeOvn(n.ovn());
            return null;
        })).toList().forEach(Sandbox::join));
        quietly(() -> {
            if (ovn != null) {
                ovn.close();
            }
        });
        List<AutoCloseable> namespaces = new ArrayList<>(Arrays.asList(external, gatewayNet));
        centralHosts.forEach(h -> namespaces.add(h.netns()));
        for (AutoCloseable c : new AutoCloseable[] {underlay, client, apiRelay, api}) {
            namespaces.add(c);
        }
        for (AutoCloseable c : namespaces) {
            quietly(() -> {
                if (c != null) {
                    c.close();
                }
            });
        }
        pool.shutdownNow();
        if (cfg.removeStateOnClose()) {
            SandboxFiles.removeStateDir(stateDir);
        }
    }

    private interface Step {
        void run() throws Exception;
    }

    private static void quietly(Step s) {
        try {
            s.run();
        } catch (Exception | Error e) {
            log.warn("while stopping the sandbox: {}", e.toString());
        }
    }

    // ---- helpers ----

    private <T> CompletableFuture<T> async(java.util.concurrent.Callable<T> c) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return c.call();
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new CompletionException(e);
            }
        }, pool);
    }

    private static <T> T join(CompletableFuture<T> f) {
        try {
            return f.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw e;
        }
    }

    /** Options of every JVM the sandbox starts: its log configuration. */
    private List<String> jvmOptions() {
        return List.of("-Dlogback.configurationFile=" + logback);
    }

    private static void mkdirs(Path p) {
        try {
            Files.createDirectories(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
