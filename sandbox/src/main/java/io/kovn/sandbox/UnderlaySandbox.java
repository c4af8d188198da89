package io.kovn.sandbox;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kovn.controller.ControllerMain;
import io.kovn.controller.ControllerOptions;
import io.kovn.node.NodeOptions;
import io.kovn.node.cni.CniInstaller;
import io.kovn.node.underlay.PoolEntry;
import io.kovn.ovn.annotations.UnderlayPool;
import io.kovn.ovn.config.ConfigFile;
import io.kovn.ovn.config.ConfigSources;
import io.kovn.ovn.config.Option;
import io.kovn.ovn.net.Ipv4Cidr;
import io.kovn.ovsdb.wire.OvsdbJson;
import io.kovn.sandbox.api.SandboxApiServer;
import io.kovn.sandbox.proc.JavaCommand;
import io.kovn.sandbox.proc.ManagedProcess;
import io.kovn.sandbox.proc.ProcessRef;
import io.kovn.sandbox.standins.ClusterIpAllocator;
import io.kovn.sandbox.standins.EndpointSliceMirror;
import io.kovn.sandbox.standins.PodBinder;
import io.kovn.sandbox.standins.PodRuntime;
import io.kovn.sandbox.standins.RuntimePod;
import io.kovn.sandbox.state.UnderlayState;
import io.kovn.testing.Netns;
import io.kovn.testing.NeutronServer;
import io.kovn.testing.OvnNode;
import io.kovn.testing.Underlay;
import io.kovn.testing.VmOvs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The sandbox of underlay mode (docs/underlay.md; {@code kovn sandbox up --mode underlay}): the cloud's OVN, that is
 * a central namespace with NB, SB and ovn-northd and two "hypervisor" namespaces running ovs-vswitchd and
 * ovn-controller ({@link OvnNode}, as the overlay sandbox's nodes, without a kovn agent); worker "VMs" that are
 * namespaces with their own OVS and no OVN ({@link VmOvs}), each with the kovn agent in {@code --mode underlay} and the
 * pod runtime stand-in; a standalone VM that is not a Kubernetes node; and a physical host reached through a localnet
 * port on hypervisor 1. The kovn controller runs in {@code --mode underlay} with the NB-native back end, or, with
 * {@link Options#neutron()}, with the Neutron back end against a real neutron-server, which then also makes the
 * cloud's network objects (the CMS part below) through its API.
 *
 * <p>What a cloud's operator would make is made here with ovn-nbctl, as the cloud's CMS: the VMs' network
 * {@value #CLOUD_SUBNET} with the VMs' own ports, the router {@value #ROUTER} on it, and the physical network
 * {@value #PHYS_SUBNET}. A VM's vNIC is a veth whose hypervisor end is a VIF of br-int with {@code iface-id} = the
 * VM's logical port (the parent), and whose VM end is a trunk port of the VM's bridge, so the pods' tagged frames reach
 * OVN as traffic of their child ports.
 */
public final class UnderlaySandbox implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(UnderlaySandbox.class);
    public static final String CLOUD_SUBNET = "10.98.0.0/24";
    public static final String PHYS_SUBNET = "192.168.77.0/24";
    public static final String POD_NETWORK = "10.128.0.0/16";
    public static final String ROUTER = "kovn-underlay";
    public static final String STANDALONE_IP = "10.98.0.30";
    public static final String PHYS_HOST_IP = "192.168.77.10";
    /** The pool size per VM of {@code kovn sandbox up --mode underlay}. */
    public static final int DEFAULT_POOL_SIZE = 8;
    static final String CLOUD_SWITCH = "cloud-net";
    static final String PHYS_SWITCH = "physnet";
    static final String VM_BRIDGE = "br-int";
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final Duration AGENT_TIMEOUT = Duration.ofSeconds(180);
    /** neutron-server's cold start: 7-8 s on a quiet machine, about a minute at a load of 40 on 2 cores. */
    private static final Duration NEUTRON_TIMEOUT = Duration.ofSeconds(240);

    /**
     * What to bring up: the state directory, the controller's pool size per VM, and whether the cloud runs Neutron
     * (a real neutron-server makes the cloud's network and the controller uses the Neutron back end).
     */
    public record Options(Path stateDir, int poolSize, boolean removeStateOnClose, boolean neutron) {
        /** The NB-native cloud. */
        public Options(Path stateDir, int poolSize, boolean removeStateOnClose) {
            this(stateDir, poolSize, removeStateOnClose, false);
        }
    }

    /** A worker VM: its OVS, its hypervisor, its agent and pod runtime. */
    private record Vm(String name, String hypervisor, String ip, VmOvs ovs, Path dir, ManagedProcess agent,
                      PodRuntime runtime) {
        Path confList() {
            return dir.resolve("cni/net.d").resolve(CniInstaller.CONFLIST);
        }
    }

    private final Options options;
    private final Progress progress;
    private final long t0 = System.nanoTime();
    private final long startedAtMillis = System.currentTimeMillis();
    private final Path stateDir;
    private final Path logDir;
    /** What to stop, in the order it started (VMs start in parallel). */
    private final List<AutoCloseable> opened = Collections.synchronizedList(new ArrayList<>());
    private final Map<String, OvnNode> hypervisors = new LinkedHashMap<>();
    private final Map<String, Vm> vms = new LinkedHashMap<>();
    private CentralOvn ovn;
    private NeutronServer neutron;
    private NeutronCloud neutronCloud;
    /** Each VM's logical port (with Neutron, the Neutron port's id), and the standalone VM's. */
    private final Map<String, String> cloudPorts = new LinkedHashMap<>();
    private Netns standalone;
    private Netns physicalHost;
    private SandboxApiServer api;
    private KubernetesClient client;
    private Path kubeconfig;
    private Path logback;
    private ManagedProcess controller;
    private boolean closed;

    private UnderlaySandbox(Options options, Progress progress) {
        this.options = options;
        this.progress = progress;
        this.stateDir = options.stateDir().toAbsolutePath();
        this.logDir = stateDir.resolve("logs");
    }

    /** Brings it all up; on failure removes what it made and throws. */
    public static UnderlaySandbox start(Options options, Progress progress) {
        List<String> problems = Tools.problems();
        if (!problems.isEmpty()) {
            throw new IllegalStateException("the sandbox cannot run here: " + String.join("; ", problems));
        }
        UnderlaySandbox s = new UnderlaySandbox(options, progress);
        try {
            s.bringUp();
            return s;
        } catch (RuntimeException | Error e) {
            s.step("failed: " + e.getMessage());
            s.close();
            throw e;
        }
    }

    private void step(String message) {
        String line = String.format("[%5.1fs] %s", (System.nanoTime() - t0) / 1e9, message);
        log.info(line);
        progress.step(line);
    }

    private <T extends AutoCloseable> T opened(T c) {
        opened.add(c);
        return c;
    }

    private ManagedProcess opened(ManagedProcess p) {
        opened.add(() -> p.stop(Duration.ofSeconds(5)));
        return p;
    }

    private void bringUp() {
        mkdirs(logDir);
        logback = SandboxFiles.writeLogback(stateDir);
        Underlay underlay = opened(Underlay.create());
        Netns centralNs = opened(Netns.create("central"));
        CentralOvn.Host central = new CentralOvn.Host("central", centralNs, underlay.attach(centralNs, "eth0"),
                stateDir.resolve("central"));
        ovn = opened(CentralOvn.start(List.of(central), stateDir.resolve("central"), Transport.TCP, null, TIMEOUT));
        step("the cloud's OVN central: NB " + ovn.remotes(OvnDb.NB) + ", SB " + ovn.remotes(OvnDb.SB) + ", ovn-northd");
        for (String hv : List.of("hv1", "hv2")) {
            OvnNode n = opened(OvnNode.builder(hv).underlay(underlay).encapType("geneve").sbRemote(ovn.remotes(OvnDb.SB))
                    .timeout(TIMEOUT).start());
            n.vsctl("--may-exist", "add-br", "br-int", "--", "set", "bridge", "br-int", "datapath_type=netdev",
                    "fail_mode=secure");
            hypervisors.put(hv, n);
        }
        hypervisors.get("hv1").addTunnelPeer(hypervisors.get("hv2"));
        hypervisors.get("hv2").addTunnelPeer(hypervisors.get("hv1"));
        physicalHost = opened(Netns.create("physhost"));
        wirePhysicalHost(hypervisors.get("hv1"));
        if (options.neutron()) {
            startNeutron();
            cloudNetworkThroughNeutron();
        } else {
            cloudNetwork();
        }
        step("hypervisors hv1, hv2 (ovn-controller); the cloud's network " + CLOUD_SUBNET + " on router " + ROUTER
                + ", physical network " + PHYS_SUBNET + " (localnet on hv1)" + (options.neutron() ? ", made through Neutron" : ""));

        startApi();
        Path plugin = CniPlugin.prepare(stateDir.resolve("cni-plugin"));
        startController();
        // both VMs at once; both finish (or fail) before either is used, so close() finds all they started
        List<CompletableFuture<Vm>> made = List.of(
                CompletableFuture.supplyAsync(() -> addVm("vm1", "hv1", "10.98.0.11", plugin)),
                CompletableFuture.supplyAsync(() -> addVm("vm2", "hv2", "10.98.0.12", plugin)));
        CompletableFuture.allOf(made.toArray(CompletableFuture[]::new)).handle((x, e) -> null).join();
        for (CompletableFuture<Vm> f : made) {
            try {
                Vm vm = f.join();
                vms.put(vm.name(), vm);
            } catch (CompletionException e) {
                throw e.getCause() instanceof RuntimeException r ? r : e;
            }
        }
        standalone = opened(Netns.create("standalone"));
        plugVif(hypervisors.get("hv2"), standalone, "sa-tap", cloudPorts.get("standalone"), "0a:00:00:62:00:1e",
                STANDALONE_IP);
        step("VMs vm1 (on hv1), vm2 (on hv2) with their own OVS and kovn node agents (--mode underlay); standalone VM "
                + STANDALONE_IP + " on hv2; physical host " + PHYS_HOST_IP);
        for (Vm vm : List.copyOf(vms.values())) {
            awaitVm(vm);
        }
        step("pools published and cached: " + String.join(", ", vms.values().stream()
                .map(v -> v.name() + " " + cachedPorts(v.name()) + " ports").toList()));
        state().write(stateDir);
    }

    /** What {@code kovn sandbox status} and {@code exec} read from other processes. */
    private UnderlayState state() {
        List<UnderlayState.Vm> vmStates = vms.values().stream().map(v -> new UnderlayState.Vm(v.name(), v.hypervisor(),
                v.ip(), v.ovs().netns().name(), v.ovs().ovsdbRemote(), v.agent().log().toString(), v.agent().ref()))
                .toList();
        List<UnderlayState.Host> hvs = hypervisors.entrySet().stream()
                .map(e -> new UnderlayState.Host(e.getKey(), e.getValue().netns().name(), null)).toList();
        return new UnderlayState(stateDir.toString(), startedAtMillis, ProcessRef.of("supervisor",
                ProcessHandle.current()), api.url(), kubeconfig.toString(), ovn.unixRemotes(OvnDb.NB), neutron != null,
                controller.ref(), vmStates, hvs, new UnderlayState.Host("standalone", standalone.name(), STANDALONE_IP),
                new UnderlayState.Host("physhost", physicalHost.name(), PHYS_HOST_IP));
    }

    /** The cloud's CMS part: the VMs' network, the router, the physical network with its localnet port. */
    private void cloudNetwork() {
        cloudPorts.putAll(Map.of("vm1", "vm1-port", "vm2", "vm2-port", "standalone", "standalone-port"));
        ovn.nbctl("ls-add", CLOUD_SWITCH);
        ovn.nbctl("lr-add", ROUTER);
        ovn.nbctl("lrp-add", ROUTER, "cloud-rtr", "0a:00:00:62:00:01", "10.98.0.1/24");
        ovn.nbctl("lsp-add", CLOUD_SWITCH, "cloud-net-rtr", "--", "lsp-set-type", "cloud-net-rtr", "router", "--",
                "lsp-set-addresses", "cloud-net-rtr", "router", "--", "lsp-set-options", "cloud-net-rtr",
                "router-port=cloud-rtr");
        for (String[] port : new String[][] {{"vm1-port", "0a:00:00:62:00:0b 10.98.0.11"},
                {"vm2-port", "0a:00:00:62:00:0c 10.98.0.12"}, {"standalone-port", "0a:00:00:62:00:1e " + STANDALONE_IP}}) {
            ovn.nbctl("lsp-add", CLOUD_SWITCH, port[0], "--", "lsp-set-addresses", port[0], port[1]);
        }
        ovn.nbctl("ls-add", PHYS_SWITCH);
        ovn.nbctl("lsp-add", PHYS_SWITCH, "physnet-localnet", "--", "lsp-set-type", "physnet-localnet", "localnet", "--",
                "lsp-set-addresses", "physnet-localnet", "unknown", "--", "lsp-set-options", "physnet-localnet",
                "network_name=physnet");
        ovn.nbctl("lrp-add", ROUTER, "phys-rtr", "0a:00:00:4d:00:01", "192.168.77.1/24");
        ovn.nbctl("lrp-set-gateway-chassis", "phys-rtr", "hv1", "10");
        ovn.nbctl("lsp-add", PHYS_SWITCH, "physnet-rtr", "--", "lsp-set-type", "physnet-rtr", "router", "--",
                "lsp-set-addresses", "physnet-rtr", "router", "--", "lsp-set-options", "physnet-rtr", "router-port=phys-rtr");
    }

    /**
     * neutron-server (ML2/OVN) on the cloud's NB and SB, in this host's network namespace on loopback; hv1 is offered
     * to it as the gateway chassis first (Neutron schedules the router's gateway on chassis that say so in SB).
     */
    private void startNeutron() {
        hypervisors.get("hv1").vsctl("set", "Open_vSwitch", ".", "external_ids:ovn-cms-options=enable-chassis-as-gw");
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!ovn.sbctl("--bare", "--columns=other_config", "find", "chassis", "name=hv1").contains("enable-chassis-as-gw")) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("hv1 is not a gateway chassis in SB within " + TIMEOUT.toSeconds() + " s");
            }
            sleep(Duration.ofMillis(100));
        }
        // Neutron 21 (Debian 12) reads a chassis' CMS options and bridge mappings from SB Chassis external_ids, where
        // OVN 23.03's ovn-controller no longer writes them (other_config); without them it schedules the gateway on
        // every chassis, hv2 first, which has no physical network. A deployment tool of this version pair mirrors them.
        ovn.sbctl("set", "chassis", "hv1", "external_ids:ovn-cms-options=enable-chassis-as-gw",
                "external_ids:ovn-bridge-mappings=physnet:br-phys");
        neutron = opened(NeutronServer.start(stateDir, ovn.unixRemotes(OvnDb.NB), ovn.unixRemotes(OvnDb.SB),
                NEUTRON_TIMEOUT));
        neutronCloud = new NeutronCloud(neutron.url());
        step(String.format("neutron-server (ML2/OVN, noauth, sqlite) at %s, pid %d: cold start %.1f s", neutron.url(),
                neutron.pid(), neutron.coldStart().toMillis() / 1000.0));
    }

    /**
     * The cloud's network as an OpenStack admin makes it: network {@value #CLOUD_SWITCH} with the VMs' ports, router
     * {@value #ROUTER} on it, and the physical network as a flat external network, the router's gateway without SNAT.
     */
    private void cloudNetworkThroughNeutron() {
        String[] cloud = neutronCloud.network(CLOUD_SWITCH, CLOUD_SUBNET, "10.98.0.1", OvsdbJson.NODES.objectNode());
        String router = neutronCloud.router(ROUTER, cloud[1]);
        cloudPorts.put("vm1", neutronCloud.port("vm1-port", cloud[0], cloud[1], "0a:00:00:62:00:0b", "10.98.0.11"));
        cloudPorts.put("vm2", neutronCloud.port("vm2-port", cloud[0], cloud[1], "0a:00:00:62:00:0c", "10.98.0.12"));
        cloudPorts.put("standalone", neutronCloud.port("standalone-port", cloud[0], cloud[1], "0a:00:00:62:00:1e",
                STANDALONE_IP));
        ObjectNode external = OvsdbJson.NODES.objectNode().put("router:external", true)
                .put("provider:network_type", "flat").put("provider:physical_network", "physnet");
        String[] phys = neutronCloud.network(PHYS_SWITCH, PHYS_SUBNET, null, external);
        neutronCloud.gateway(router, phys[0], phys[1], "192.168.77.1");
    }

    /**
     * As the cloud's admin, with Neutron: a security group (a profile pods may name) admitting only TCP {@code port};
     * returns its id.
     */
    public String neutronSecurityGroup(String name, int port) {
        if (neutronCloud == null) {
            throw new IllegalStateException("this underlay sandbox runs no Neutron");
        }
        return neutronCloud.securityGroup(name, "tcp", port);
    }

    public boolean neutron() {
        return neutron != null;
    }

    /**
     * A vNIC: a veth from {@code hv}'s br-int (a VIF whose iface-id is {@code port}) to {@code inside} as eth0; with
     * {@code ip}, eth0 gets {@code mac} and the address with a default route through the router.
     */
    private void plugVif(OvnNode hv, Netns inside, String tap, String port, String mac, String ip) {
        hv.netns().ip("link", "add", tap, "type", "veth", "peer", "name", "eth0", "netns", inside.path().toString());
        hv.netns().ip("link", "set", tap, "up");
        hv.netns().exec("ethtool", "-K", tap, "tx", "off");
        inside.exec("ethtool", "-K", "eth0", "tx", "off");
        if (ip != null) {
            inside.ip("link", "set", "eth0", "address", mac);
            inside.ip("addr", "add", ip + "/24", "dev", "eth0");
        }
        inside.ip("link", "set", "eth0", "up");
        if (ip != null) {
            inside.ip("route", "add", "default", "via", "10.98.0.1");
        }
        hv.vsctl("add-port", "br-int", tap, "--", "set", "interface", tap, "external_ids:iface-id=" + port);
    }

    /** hv1 maps physnet to bridge br-phys, whose port is a veth to the physical host. */
    private void wirePhysicalHost(OvnNode hv) {
        hv.netns().ip("link", "add", "phys-link", "type", "veth", "peer", "name", "eth0", "netns",
                physicalHost.path().toString());
        hv.netns().ip("link", "set", "phys-link", "up");
        hv.netns().exec("ethtool", "-K", "phys-link", "tx", "off");
        physicalHost.exec("ethtool", "-K", "eth0", "tx", "off");
        physicalHost.ip("addr", "add", PHYS_HOST_IP + "/24", "dev", "eth0");
        physicalHost.ip("link", "set", "eth0", "up");
        physicalHost.ip("route", "add", "default", "via", "192.168.77.1");
        hv.vsctl("add-br", "br-phys", "--", "set", "bridge", "br-phys", "datapath_type=netdev", "--", "add-port",
                "br-phys", "phys-link");
        hv.vsctl("set", "Open_vSwitch", ".", "external_ids:ovn-bridge-mappings=physnet:br-phys");
    }

    private void startApi() {
        api = opened(SandboxApiServer.start(0));
        kubeconfig = api.writeKubeconfig(stateDir.resolve("kubeconfig"));
        client = opened(api.newClient());
        for (String ns : List.of("default", "kube-system")) {
            ensureNamespace(ns);
        }
        opened(new PodBinder(client));
        opened(new ClusterIpAllocator(client, Ipv4Cidr.parse(Sandbox.SERVICE_CIDR)));
        opened(new EndpointSliceMirror(client));
        step("Kubernetes API (emulated) at " + api.url() + ", kubeconfig " + kubeconfig
                + "; stand-ins: pod binder, cluster IP allocator, EndpointSlices");
    }

    private void startController() {
        Map<Option<?>, String> values = new LinkedHashMap<>();
        values.put(ControllerOptions.KUBECONFIG, kubeconfig.toString());
        values.put(ControllerOptions.NB.address(), ovn.unixRemotes(OvnDb.NB));
        values.put(ControllerOptions.MODE, "underlay");
        values.put(ControllerOptions.CLUSTER_SUBNET, POD_NETWORK);
        values.put(ControllerOptions.NODE_SUBNET_PREFIX, "24");
        values.put(ControllerOptions.UNDERLAY_ROUTER, ROUTER);
        values.put(ControllerOptions.UNDERLAY_POOL_SIZE, Integer.toString(options.poolSize()));
        if (neutron != null) {
            values.put(ControllerOptions.UNDERLAY_BACKEND, "neutron");
            values.put(ControllerOptions.NEUTRON_URL, neutron.url().toString());
        }
        values.put(ControllerOptions.LEADER_ELECTION, "false");
        values.put(ControllerOptions.METRICS_PORT, "-1");
        Path config = stateDir.resolve(Sandbox.CONTROLLER_CONFIG);
        ConfigFile.write(config, ControllerOptions.SET, values);
        controller = opened(ManagedProcess.start("controller", JavaCommand.of("256m", jvmOptions(), ControllerMain.class,
                List.of(ConfigSources.CONFIG.flag(), config.toString())), Map.of(), logDir.resolve("controller.log")));
    }

    private Vm addVm(String name, String hv, String ip, Path plugin) {
        VmOvs ovs = opened(VmOvs.start(name, TIMEOUT));
        Path dir = stateDir.resolve("nodes").resolve(name);
        mkdirs(dir.resolve("cni/net.d"));
        CniPlugin.install(plugin, dir.resolve("cni/bin"));
        // the VM's operator: the bridge with its uplink (the vNIC) as a trunk port, as the seeds' ovs-vsctl steps do
        plugVif(hypervisors.get(hv), ovs.netns(), name + "-tap", cloudPorts.get(name), null, null);
        ovs.vsctl("add-br", VM_BRIDGE, "--", "set", "bridge", VM_BRIDGE, "datapath_type=netdev", "fail_mode=standalone",
                "--", "add-port", VM_BRIDGE, "eth0");
        Node node = new NodeBuilder().withNewMetadata().withName(name).withUid(UUID.randomUUID().toString())
                .addToLabels("kubernetes.io/hostname", name).addToLabels("kubernetes.io/os", "linux")
                .addToAnnotations(UnderlayPool.VM_PORT, cloudPorts.get(name)).endMetadata()
                .withNewSpec().endSpec().withNewStatus()
                .addNewAddress().withType("InternalIP").withAddress(ip).endAddress()
                .addNewCondition().withType("Ready").withStatus("True").withReason("KubeletReady")
                .withLastTransitionTime(Instant.now().toString()).endCondition().endStatus().build();
        client.nodes().resource(node).create();

        Map<Option<?>, String> values = new LinkedHashMap<>();
        values.put(NodeOptions.NODE_NAME, name);
        values.put(NodeOptions.MODE, "underlay");
        values.put(NodeOptions.KUBECONFIG, kubeconfig.toString());
        values.put(NodeOptions.OVSDB, ovs.ovsdbRemote());
        values.put(NodeOptions.UNDERLAY_BRIDGE, VM_BRIDGE);
        values.put(NodeOptions.DATAPATH_TYPE, "netdev");
        values.put(NodeOptions.MTU, "1400");
        values.put(NodeOptions.HOST_NETNS, ovs.netns().path().toString());
        values.put(NodeOptions.CNI_SOCKET, dir.resolve("cni.sock").toString());
        values.put(NodeOptions.CNI_CONF_DIR, dir.resolve("cni/net.d").toString());
        values.put(NodeOptions.CNI_BIN_DIR, dir.resolve("cni/bin").toString());
        values.put(NodeOptions.CNI_PLUGIN_SOURCE, plugin.toString());
        values.put(NodeOptions.METRICS_PORT, "-1");
        Path config = dir.resolve("node.yaml");
        ConfigFile.write(config, NodeOptions.SET, values);
        ManagedProcess agent = opened(ManagedProcess.start("node-agent/" + name, JavaCommand.nodeAgent(jvmOptions(),
                List.of(ConfigSources.CONFIG.flag(), config.toString())), Map.of(),
                logDir.resolve("agent-" + name + ".log")));
        return new Vm(name, hv, ip, ovs, dir, agent, null);
    }

    /** Until the agent serves CNI and the VM's cache holds the published pool; then the pod runtime starts. */
    private void awaitVm(Vm vm) {
        vm.agent().await("installing the CNI config", AGENT_TIMEOUT, () -> Files.exists(vm.confList()));
        vm.agent().await("the pool cache filled from the Node", AGENT_TIMEOUT,
                () -> cachedPorts(vm.name()) >= Math.min(1, options.poolSize()));
        PodRuntime runtime = new PodRuntime(client, new PodRuntime.NodeContext(vm.name(), vm.ip(), vm.confList(),
                vm.dir().resolve("cni/bin"), vm.dir().resolve("pods"), logDir.resolve("cni-" + vm.name() + ".log")));
        opened.add(() -> runtime.close(false));
        vms.put(vm.name(), new Vm(vm.name(), vm.hypervisor(), vm.ip(), vm.ovs(), vm.dir(), vm.agent(), runtime));
    }

    /** Seconds since the sandbox started coming up. */
    public double elapsedSeconds() {
        return (System.nanoTime() - t0) / 1e9;
    }

    /** How many pool entries the VM's Open_vSwitch database holds now. */
    public int cachedPorts(String vm) {
        String ids = vms.get(vm).ovs().vsctl("get", "Open_vSwitch", ".", "external_ids");
        return ids.split(PoolEntry.KEY_PREFIX, -1).length - 1;
    }

    /** {@code ovs-vsctl} against a VM's own Open_vSwitch database. */
    public String vmOvs(String vm, String... args) {
        return vms.get(vm).ovs().vsctl(args);
    }

    /**
     * What a reboot of {@code vm} does to its OVS: ovsdb-server and ovs-vswitchd stopped and started again on the same
     * database file (the pool cache and the pods' tagged ports are rows there); the agent reconnects by itself.
     */
    public void rebootVmOvs(String vm) {
        Vm v = vms.get(vm);
        if (v == null) {
            throw new IllegalArgumentException("no VM " + vm);
        }
        v.ovs().restartOvs();
    }

    /** The VM's own logical port: the parent of its pool's ports. */
    public String vmPort(String vm) {
        return cloudPorts.get(vm);
    }

    public List<String> vmNames() {
        return List.copyOf(vms.keySet());
    }

    /** The hypervisor a VM runs on. */
    public String hypervisorOf(String vm) {
        return vms.get(vm).hypervisor();
    }

    public Netns standaloneVm() {
        return standalone;
    }

    public Netns physicalHost() {
        return physicalHost;
    }

    public String nbctl(String... args) {
        return ovn.nbctl(args);
    }

    public KubernetesClient client() {
        return client;
    }

    public Path kubeconfig() {
        return kubeconfig;
    }

    public Path stateDir() {
        return stateDir;
    }

    /** The pod as its VM's runtime runs it. */
    public Optional<RuntimePod> pod(String namespace, String name) {
        return vms.values().stream().filter(v -> v.runtime() != null).flatMap(v -> v.runtime().pods().stream())
                .filter(p -> !p.stopping() && p.namespace().equals(namespace) && p.name().equals(name)).findFirst();
    }

    public void ensureNamespace(String name) {
        if (client.namespaces().withName(name).get() == null) {
            client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
                    .create();
        }
    }

    private List<String> jvmOptions() {
        return List.of("-Dlogback.configurationFile=" + logback);
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static void mkdirs(Path p) {
        try {
            Files.createDirectories(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stops everything in the reverse order it started, removes the namespaces (and the state if so configured). */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<AutoCloseable> reverse;
        synchronized (opened) {
            reverse = new ArrayList<>(opened);
        }
        Collections.reverse(reverse);
        for (AutoCloseable c : reverse) {
            try {
                c.close();
            } catch (Exception | Error e) {
                log.warn("while stopping the underlay sandbox: {}", e.toString());
            }
        }
        if (options.removeStateOnClose()) {
            SandboxFiles.removeStateDir(stateDir);
        }
    }
}
