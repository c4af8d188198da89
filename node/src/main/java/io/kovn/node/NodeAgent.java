package io.kovn.node;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.kovn.node.cni.CniHandler;
import io.kovn.node.cni.CniInstaller;
import io.kovn.node.cni.CniServer;
import io.kovn.node.cni.LeftoverSweeper;
import io.kovn.node.cni.PodPlumber;
import io.kovn.node.cni.UnderlayCniHandler;
import io.kovn.node.gateway.FlowKeeper;
import io.kovn.node.gateway.GatewayAnnotations;
import io.kovn.node.gateway.LocalGateway;
import io.kovn.node.host.HostCommands;
import io.kovn.node.kube.AgentKubernetesClient;
import io.kovn.node.kube.AgentNode;
import io.kovn.node.kube.NodeWatcher;
import io.kovn.node.kube.PodWatcher;
import io.kovn.node.ovs.LocalOvs;
import io.kovn.node.ovs.SouthboundPorts;
import io.kovn.node.pki.NodeCertificates;
import io.kovn.node.status.NodeStatusReporter;
import io.kovn.node.underlay.NodePoolSync;
import io.kovn.node.underlay.PortPool;
import io.kovn.ovn.Owners;
import io.kovn.ovn.annotations.NodeSubnets;
import io.kovn.ovn.metrics.MetricsServer;
import io.kovn.ovn.net.Ipv4Cidr;
import io.kovn.ovsdb.client.TlsConfig;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node agent ({@code kovn node}). {@link #start()} brings the node up, in this order: the local
 * Open_vSwitch settings for ovn-controller and br-int; with enrolment, the node's certificate (CSR) and the SSL
 * row; on a gateway node its bridge, bridge mapping, flows (kept
 * from then on) and annotations; the Node's subnet from the controller; the management
 * port; the pods informer, the status reporter (pod and Node conditions) and a first clean-up of leftovers; the
 * CNI server; and last the CNI config and plugin (a config present is what tells kubelet the network is ready).
 * In underlay mode (docs/underlay.md) it brings up only the VM's bridge, the CNI server with the pool-cache
 * handler, /metrics and the CNI config and plugin.
 * {@link #close()} stops it; what it set up on the node stays, as pods keep running without the agent.
 */
public final class NodeAgent implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NodeAgent.class);
    /** Bounds the local OVSDB connection and, in underlay mode, each pool transaction and port wait. */
    private static final Duration OVS_TIMEOUT = Duration.ofSeconds(30);

    private final NodeAgentConfig cfg;
    private final KubernetesClient givenClient;
    private KubernetesClient client;
    private LocalOvs ovs;
    private PodWatcher pods;
    private NodePoolSync poolSync;
    private SouthboundPorts southbound;
    private CniServer server;
    private LeftoverSweeper sweeper;
    private FlowKeeper gatewayFlows;
    private NodeCertificates certificates;
    private NodeStatusReporter status;
    private ScheduledExecutorService timer;
    private final NodeMetrics metrics = new NodeMetrics();
    private MetricsServer metricsServer;
    private Ipv4Cidr nodeSubnet;
    private volatile boolean closed;

    /** The agent makes its own Kubernetes client from the configuration (kubeconfig, flags or OVSDB). */
    public NodeAgent(NodeAgentConfig cfg) {
        this(cfg, null);
    }

    /**
     * With a client owned by the caller (tests, the sandbox); the agent does not close it. A client that does not
     * read the agent's kinds as the agent does ({@link AgentKubernetesClient}) lends only its configuration: the
     * agent then reads through a client of its own, which it closes.
     */
    public NodeAgent(NodeAgentConfig cfg, KubernetesClient client) {
        this.cfg = cfg;
        this.givenClient = client;
    }

    /** Returns once the CNI server answers and the CNI config is installed; fails (and cleans up) otherwise. */
    public synchronized void start() {
        try {
            HostCommands host = new HostCommands(cfg.hostNetns());
            ovs = LocalOvs.connect(cfg.ovsdbRemote(), OVS_TIMEOUT);
            if (cfg.mode() == NodeMode.UNDERLAY) {
                server = CniServer.start(cfg.cniSocket(), underlayHandler(host), metrics);
            } else {
                server = CniServer.start(cfg.cniSocket(), overlayHandler(host), metrics);
            }
            if (cfg.metricsPort() >= 0) {
                try {
                    metricsServer = new MetricsServer(cfg.metricsBindAddress(), cfg.metricsPort(), metrics::scrape, this::problems);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException("cannot serve metrics on port " + cfg.metricsPort(), e);
                }
                log.info("metrics on :{}/metrics, health on /healthz", metricsServer.port());
            }
            if (cfg.cniPluginSource() != null) {
                CniInstaller.installPlugin(cfg.cniPluginSource(), cfg.cniBinDir());
            }
            CniInstaller.installConfig(cfg.cniConfDir(), cfg.networkName(), cfg.cniSocket());
            if (cfg.mode() == NodeMode.OVERLAY) {
                scheduleSweeps();
            }
            log.info("node agent of {} ready ({} mode{}), CNI socket {}", cfg.nodeName(), cfg.mode().flagValue(),
                    nodeSubnet == null ? "" : ", subnet " + nodeSubnet, cfg.cniSocket());
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    /**
     * Overlay: the local Open_vSwitch settings for ovn-controller and br-int, the gateway if any, the Node's subnet,
     * the management port, the pods informer, the Southbound and a first clean-up of leftovers.
     */
    private CniHandler overlayHandler(HostCommands host) {
        client = givenClient != null ? AgentKubernetesClient.adopt(givenClient)
                : KubernetesSettings.resolve(cfg, ovs.externalIds()).newClient(cfg);
        NodeWatcher nodes = new NodeWatcher(client, cfg.nodeName());
        AgentNode node = nodes.awaitNode(cfg.nodeSubnetTimeout());
        String encapIp = cfg.encapIp() != null ? cfg.encapIp() : NodeWatcher.internalIp(node).orElseThrow(() ->
                new IllegalStateException("Node " + cfg.nodeName() + " has no IPv4 InternalIP; give the encap IP"));
        String chassisId = OvsSettings.apply(ovs, cfg, encapIp);
        if (cfg.enrollment() != null) {
            certificates = NodeCertificates.start(client, ovs, cfg.nodeName(), chassisId, cfg.enrollment(),
                    Clock.systemUTC());
        }
        if (cfg.gateway() != null) {
            LocalGateway gw = LocalGateway.setUp(ovs, host, cfg.nodeName(), chassisId, cfg.datapathType(), cfg.gateway());
            gatewayFlows = FlowKeeper.start(ovs, host, gw, cfg.ovsdbRemote(), FlowKeeper.REFRESH);
            GatewayAnnotations.publish(client, cfg.nodeName(), gw);
        }

        NodeSubnets subnets = nodes.awaitSubnets(cfg.nodeSubnetTimeout());
        nodeSubnet = subnets.first();
        ManagementPort.ensure(ovs, host, cfg, nodeSubnet);

        pods = new PodWatcher(client, cfg.nodeName());
        southbound = connectSouthbound();
        status = new NodeStatusReporter(client, cfg.nodeName(), chassisId, pods, metrics);
        CniHandler handler = new CniHandler(pods, new PodPlumber(host, ovs, cfg.mtu(), cfg.txChecksumOffloadOff()),
                southbound, nodeSubnet, cfg.podAnnotationTimeout(), cfg.ovnInstalledTimeout(), status);
        status.start(handler::statusProblems);
        sweeper = new LeftoverSweeper(ovs, host, pods, handler);
        int removed = sweeper.sweep();
        if (removed > 0) {
            log.info("removed {} leftovers of deleted pods", removed);
        }
        return handler;
    }

    /**
     * Underlay (docs/underlay.md): the VM's bridge, created if missing, and (unless the pool source is local) the
     * pool cache kept equal to the Node's pool annotation. No OVN settings, no management port and no Southbound: a
     * pod's port, addresses and tag all come from the VM's pool cache, without a call at ADD.
     */
    private UnderlayCniHandler underlayHandler(HostCommands host) {
        ovs.ensureSwitchingBridge(cfg.underlayBridge(), cfg.datapathType(),
                Owners.of(Owners.TYPE_NODE, cfg.nodeName()));
        PodPlumber plumber = new PodPlumber(host, ovs, cfg.mtu(), cfg.txChecksumOffloadOff());
        PortPool pool = new PortPool(ovs, OVS_TIMEOUT);
        if (cfg.underlayPoolFromNode()) {
            client = givenClient != null ? AgentKubernetesClient.adopt(givenClient)
                    : KubernetesSettings.resolve(cfg, ovs.externalIds()).newClient(cfg);
            poolSync = NodePoolSync.start(client, cfg.nodeName(), pool);
        }
        log.info("underlay mode: pods take ports from the pool cache{}, on bridge {}",
                cfg.underlayPoolFromNode() ? " (kept equal to the Node's pool annotation)" : "", cfg.underlayBridge());
        return new UnderlayCniHandler(plumber, ovs, pool, cfg.underlayBridge(), OVS_TIMEOUT);
    }

    /**
     * The Southbound that ovn-controller uses (external_ids:ovn-remote, with the OVS SSL files for ssl:), where
     * the agent checks each pod's annotation against the port the controller made.
     */
    private SouthboundPorts connectSouthbound() {
        String remote = cfg.agentSbRemote() != null ? cfg.agentSbRemote() : ovs.externalIds().get("ovn-remote");
        if (remote == null || remote.isBlank()) {
            throw new IllegalStateException("the OVN Southbound address is unknown: give --sb-address or set "
                    + "external_ids:ovn-remote in the local Open_vSwitch database");
        }
        TlsConfig tls = remote.contains("ssl:") ? ovs.sslFiles().orElseThrow(() -> new IllegalStateException(
                "the OVN Southbound " + remote + " is ssl: but the local Open_vSwitch database has no SSL row")) : null;
        return SouthboundPorts.of(remote, tls, cfg.podAnnotationTimeout());
    }

    private void scheduleSweeps() {
        if (cfg.cleanupInterval().isZero()) {
            return;
        }
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "leftover-sweeper");
            t.setDaemon(true);
            return t;
        });
        long every = cfg.cleanupInterval().toMillis();
        timer.scheduleWithFixedDelay(() -> {
            try {
                int removed = sweeper.sweep();
                metrics.leftoversRemoved(removed);
                if (removed > 0) {
                    log.info("removed {} leftovers of deleted pods", removed);
                }
            } catch (RuntimeException e) {
                log.warn("clean-up of pod leftovers failed", e);
            }
        }, every, every, TimeUnit.MILLISECONDS);
    }

    public NodeAgentConfig config() {
        return cfg;
    }

    /** The node subnet the controller assigned (after {@link #start()}). */
    public Ipv4Cidr nodeSubnet() {
        return nodeSubnet;
    }

    /** The port /metrics is served on, or -1. */
    public int metricsPort() {
        return metricsServer == null ? -1 : metricsServer.port();
    }

    /**
     * What /healthz reports: an empty list when OVS is connected and (overlay mode) the pods informer is watching.
     */
    private List<String> problems() {
        List<String> problems = new ArrayList<>();
        if (!ovs.isConnected()) {
            problems.add("local OVSDB: not connected");
        }
        if (certificates != null) {
            certificates.problem().ifPresent(problems::add);
        }
        if (poolSync != null) {
            poolSync.problem().ifPresent(problems::add);
        }
        if (pods == null) {
            return problems;
        }
        if (!pods.hasSynced()) {
            problems.add("pods informer: not synced");
        } else if (!pods.isWatching()) {
            problems.add("pods informer: not watching (retrying)");
        }
        return problems;
    }

    /** Runs one clean-up pass now; returns how many leftovers it removed. */
    public int sweepLeftovers() {
        return sweeper.sweep();
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (timer != null) {
            timer.shutdownNow();
        }
        if (server != null) {
            server.close();
        }
        if (status != null) {
            status.close();
        }
        if (metricsServer != null) {
            metricsServer.close();
        }
        if (gatewayFlows != null) {
            gatewayFlows.close();
        }
        if (pods != null) {
            pods.close();
        }
        if (poolSync != null) {
            poolSync.close();
        }
        if (southbound != null) {
            southbound.close();
        }
        if (certificates != null) {
            certificates.close();
        }
        if (ovs != null) {
            ovs.close();
        }
        if (client != null && client != givenClient) {
            client.close();
        }
    }
}
