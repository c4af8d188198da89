package io.kovn.sandbox;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kovn.controller.ControllerMain;
import io.kovn.controller.ControllerOptions;
import io.kovn.ovn.config.ConfigFile;
import io.kovn.ovn.config.ConfigSources;
import io.kovn.ovn.config.NetworkDefaults;
import io.kovn.ovn.config.Option;
import io.kovn.ovn.net.Ipv4Cidr;
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
import io.kovn.testing.Netns;
import io.kovn.testing.OvnNode;
import io.kovn.testing.Underlay;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
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
    private Netns central;
    private String centralIp;
    private CentralOvn ovn;
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
    private Path logback;
    private ManagedProcess controller;
    private int controllerMetricsPort;
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
        underlay = Underlay.create();
        central = Netns.create("central");
        centralIp = underlay.attach(central, "eth0");
        external = Netns.create("external");
        externalIp = underlay.attach(external, "eth0");
        gatewayNet = Netns.create("extnet");
        gatewayNet.ip("link", "add", "br0", "type", "bridge");
        gatewayNet.ip("link", "set", "br0", "up");
        wireToGatewayNetwork(external, "ext", GATEWAY_INTERFACE);
        external.ip("addr", "add", GATEWAY_NEXT_HOP + "/" + GATEWAY_SUBNET.split("/")[1], "dev", GATEWAY_INTERFACE);
        writeState();
        step("namespaces: underlay " + UNDERLAY_SUBNET + " (" + underlay.netns().name() + "), central " + centralIp
                + ", external " + externalIp + " and " + GATEWAY_NEXT_HOP + " on the gateway network " + GATEWAY_SUBNET
                + " (" + gatewayNet.name() + ")");

        CompletableFuture<CentralOvn> ovnF = async(() -> CentralOvn.start(central, centralIp,
                stateDir.resolve("central"), DAEMON_TIMEOUT));
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
        step("OVN central: NB " + ovn.nbTcp() + ", SB " + ovn.sbTcp() + ", ovn-northd active");
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
            n.startAgent(kubeconfig, ovn.sbTcp(), ovn.sbUnix(), ovn.nbTcp(), cfg.encap(), plugin, jvmOptions());
        }
        writeState();
        step("started the kovn controller (pid " + controller.pid() + ") and " + made.size() + " node agents");
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
        client = api.newClient();
        for (String ns : List.of("default", "kube-system", "kube-public", "kube-node-lease")) {
            ensureNamespace(ns);
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
            o.close();
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
                return OvnNode.builder(name).underlay(underlay).encapType(cfg.encap()).timeout(DAEMON_TIMEOUT).start();
            } catch (RuntimeException e) {
                if (attempt == 3 || !String.valueOf(e.getMessage()).contains("Connection refused")) {
                    throw e;
                }
                log.info("node {}: {}; trying again", name, e.getMessage());
            }
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
                        n.binDir(), n.podsDir(), logDir.resolve("cni-" + n.name() + ".log"))));
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

    public synchronized void startController() {
        if (controller != null && controller.alive()) {
            return;
        }
        controllerMetricsPort = freePort();
        Path config = stateDir.resolve(CONTROLLER_CONFIG);
        Map<Option<?>, String> values = new LinkedHashMap<>();
        values.put(ControllerOptions.KUBECONFIG, kubeconfig.toString());
        values.put(ControllerOptions.NB.address(), ovn.nbUnix());
        values.put(ControllerOptions.CLUSTER_SUBNET, CLUSTER_SUBNET);
        values.put(ControllerOptions.SERVICE_CIDR, SERVICE_CIDR);
        values.put(ControllerOptions.METRICS_PORT, Integer.toString(controllerMetricsPort));
        values.put(ControllerOptions.METRICS_BIND_ADDRESS, "127.0.0.1");
        // one instance: no Lease to compete for
        values.put(ControllerOptions.LEADER_ELECTION, "false");
        values.put(ControllerOptions.IDENTITY, "kovn-sandbox-controller");
        ConfigFile.write(config, ControllerOptions.SET, values);
        controller = ManagedProcess.start("controller", JavaCommand.of("384m", jvmOptions(), ControllerMain.class,
                List.of(ConfigSources.CONFIG.flag(), config.toString())), Map.of(), logDir.resolve("controller.log"));
        writeState();
    }

    public synchronized void stopController() {
        if (controller != null) {
            controller.stop(Duration.ofSeconds(5));
            controller = null;
            writeState();
        }
    }

    /** The controller's process (null while stopped). */
    public synchronized ManagedProcess controller() {
        return controller;
    }

    // ---- node agents ----

    /** Starts the node's agent again and waits until it serves CNI requests. */
    public void startNodeAgent(String node) {
        SandboxNode n = node(node);
        n.startAgent(kubeconfig, ovn.sbTcp(), ovn.sbUnix(), ovn.nbTcp(), cfg.encap(), plugin, jvmOptions());
        writeState();
        n.awaitAgent(AGENT_TIMEOUT);
    }

    public ManagedProcess nodeAgent(String node) {
        return node(node).agent();
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
        n.startAgent(kubeconfig, ovn.sbTcp(), ovn.sbUnix(), ovn.nbTcp(), cfg.encap(), plugin, jvmOptions());
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
        n.ovn().close();
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
        if (controller != null) {
            procs.add(controller.ref());
        }
        List<String> dirs = new ArrayList<>();
        List<SandboxState.NodeState> ns = new ArrayList<>();
        for (SandboxNode n : nodes.values()) {
            procs.addAll(n.processes());
            dirs.add(n.ovn().dir().toString());
            ns.add(n.state());
        }
        SandboxState.Central c = ovn == null ? null : new SandboxState.Central(central.name(), centralIp, ovn.nbTcp(),
                ovn.sbTcp(), ovn.nbUnix(), ovn.sbUnix(), ovn.dir().toString());
        return new SandboxState(stateDir.toString(), ready, startedAt.toEpochMilli(),
                ProcessRef.of("supervisor", ProcessHandle.current()), "kovn-" + ProcessHandle.current().pid() + "-",
                cfg.encap(), api == null ? null : api.url(), kubeconfig == null ? null : kubeconfig.toString(),
                CLUSTER_SUBNET, SERVICE_CIDR, c,
                external == null ? null : new SandboxState.Host(external.name(), externalIp,
                        gatewayNet == null ? null : GATEWAY_NEXT_HOP),
                underlay == null ? null : underlay.netns().name(), UNDERLAY_SUBNET, ns, procs, controllerMetricsPort, dirs,
                gatewayNet == null ? null : new SandboxState.GatewayNetwork(gatewayNet.name(), GATEWAY_SUBNET,
                        GATEWAY_NEXT_HOP));
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
        quietly(() -> {
            if (controller != null) {
                controller.stop(Duration.ofSeconds(5));
            }
        });
        quietly(() -> all.stream().map(n -> async(() -> {
            n.ovn().close();
            return null;
        })).toList().forEach(Sandbox::join));
        quietly(() -> {
            if (ovn != null) {
                ovn.close();
            }
        });
        for (AutoCloseable c : new AutoCloseable[] {external, gatewayNet, central, underlay, client, api}) {
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

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void mkdirs(Path p) {
        try {
            Files.createDirectories(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
