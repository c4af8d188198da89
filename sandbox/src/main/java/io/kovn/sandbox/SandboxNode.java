package io.kovn.sandbox;

import io.kovn.deploy.manifests.DeployNames;
import io.kovn.node.NodeMain;
import io.kovn.node.NodeOptions;
import io.kovn.node.cni.CniInstaller;
import io.kovn.ovn.config.ConfigFile;
import io.kovn.ovn.config.ConfigSources;
import io.kovn.ovn.config.Option;
import io.kovn.sandbox.image.PodmanLauncher;
import io.kovn.sandbox.image.SocketRelay;
import io.kovn.sandbox.proc.JavaCommand;
import io.kovn.sandbox.proc.ManagedProcess;
import io.kovn.sandbox.proc.ProcessRef;
import io.kovn.sandbox.standins.PodRuntime;
import io.kovn.sandbox.state.SandboxState;
import io.kovn.testing.OvnNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One sandbox node: a namespace on the underlay with its own ovsdb-server, ovs-vswitchd (netdev) and
 * ovn-controller ({@link OvnNode}), the kovn node agent in its own JVM ({@code kovn node}'s main class with a
 * generated config file; a dedicated gateway on eth1, its host side in the node's namespace), and the pod
 * runtime stand-in.
 */
final class SandboxNode {
    private static final String CNI_SOCKET_NAME = "cni-server.sock";
    /** Where scripts/build-image.sh puts kovn in the image: the plugin the agent installs comes from there. */
    private static final String IMAGE_KOVN_HOME = "/opt/kovn";
    /** The node DaemonSet's volume for the enrolled key and certificates (--tls). */
    private static final String PKI_VOLUME = "kovn-pki";
    private static final Path NETNS_DIR = Path.of("/var/run/netns");
    /** The Southbound remote the agent itself uses (unix sockets for a host process, ssl: in a container). */
    private String agentSbRemote;
    /** Where the agent enrols the node's certificate (--tls), else null. */
    private Path enrolledPki;
    private final String name;
    private final OvnNode ovn;
    private final Path dir;
    private final Path logDir;
    private final String gatewayIp;
    private ManagedProcess agent;
    /** With --image: the API relay in the node's namespace and the agent's container name; null otherwise. */
    private ManagedProcess apiRelay;
    private String agentContainer;
    private PodmanLauncher launcher;
    private PodRuntime runtime;

    /** {@code gatewayIp}: the address of the node's gateway router on the gateway network (null: no gateway). */
    SandboxNode(String name, OvnNode ovn, Path dir, Path logDir, String gatewayIp) {
        this.name = name;
        this.ovn = ovn;
        this.dir = dir;
        this.logDir = logDir;
        this.gatewayIp = gatewayIp;
    }

    String gatewayIp() {
        return gatewayIp;
    }

    String name() {
        return name;
    }

    OvnNode ovn() {
        return ovn;
    }

    Path confDir() {
        return dir.resolve("cni/net.d");
    }

    Path binDir() {
        return dir.resolve("cni/bin");
    }

    Path confList() {
        return confDir().resolve(CniInstaller.CONFLIST);
    }

    Path socket() {
        return dir.resolve("cni.sock");
    }

    Path podsDir() {
        return dir.resolve("pods");
    }

    /** The agent's config file, as {@code kovn node --config} reads it. */
    Path config() {
        return dir.resolve("node.yaml");
    }

    Path agentLog() {
        return logDir.resolve("agent-" + name + ".log");
    }

    /** The system-id file the agent reads: the chassis is named after the node, which makes SB readable. */
    void prepare(Path plugin) {
        try {
            Files.createDirectories(confDir());
            Files.writeString(dir.resolve("system-id.conf"), name + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        CniPlugin.install(plugin, binDir());
    }

    /** {@code sb} for ovn-controller, {@code agentSb} for the agent, which runs outside the node's namespace. */
    synchronized ManagedProcess startAgent(Path kubeconfig, String sb, String agentSb, String nb, String encap,
                                           Path plugin, List<String> jvmOptions, boolean enroll) {
        try {
            // a stale config would tell the pod runtime the network is ready before this agent is
            Files.deleteIfExists(confList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<Option<?>, String> values = new LinkedHashMap<>();
        values.put(NodeOptions.NODE_NAME, name);
        values.put(NodeOptions.KUBECONFIG, kubeconfig.toString());
        values.put(NodeOptions.OVSDB, ovn.ovsdbRemote());
        values.put(NodeOptions.SB_ADDRESS, sb);
        values.put(NodeOptions.AGENT_SB_ADDRESS, agentSb);
        agentSbRemote = agentSb;
        enrolledPki = enroll ? pkiDir() : null;
        values.put(NodeOptions.NB_ADDRESS, nb);
        values.put(NodeOptions.ENCAP_TYPE, encap);
        values.put(NodeOptions.DATAPATH_TYPE, "netdev");
        values.put(NodeOptions.HOST_NETNS, ovn.netns().path().toString());
        values.put(NodeOptions.SYSTEM_ID_FILE, dir.resolve("system-id.conf").toString());
        values.put(NodeOptions.CLUSTER_SUBNET, Sandbox.CLUSTER_SUBNET);
        values.put(NodeOptions.SERVICE_CIDR, Sandbox.SERVICE_CIDR);
        values.put(NodeOptions.CNI_SOCKET, socket().toString());
        values.put(NodeOptions.CNI_CONF_DIR, confDir().toString());
        values.put(NodeOptions.CNI_BIN_DIR, binDir().toString());
        values.put(NodeOptions.CNI_PLUGIN_SOURCE, plugin.toString());
        values.put(NodeOptions.METRICS_PORT, "-1");
        if (enroll) {
            // --tls: ovn-controller's certificate through the CSR API, its files in the node's own directory
            values.put(NodeOptions.ENROLL_CERTIFICATE, "true");
            values.put(NodeOptions.PKI_DIR, pkiDir().toString());
            values.put(NodeOptions.PKI_NAMESPACE, SandboxPki.NAMESPACE);
        }
        gateway(values);
        ConfigFile.write(config(), NodeOptions.SET, values);
        agent = ManagedProcess.start("node-agent/" + name,
                JavaCommand.nodeAgent(jvmOptions, List.of(ConfigSources.CONFIG.flag(), config().toString())), Map.of(),
                agentLog());
        return agent;
    }

    /**
     * With --image: the node DaemonSet's agent container ({@code kovn-node}) in the node's namespace, as
     * {@link PodmanLauncher} runs it: the DaemonSet's command, capabilities and mounts, the host paths being this
     * node's directories, and in place of the ConfigMap's {@code node.yaml} the sandbox's (its addresses, the
     * userspace datapath) at the mount path of the config volume. The API reaches it through a
     * {@link SocketRelay} process in the namespace, on 127.0.0.1 and the API's port, to {@code apiSocket}.
     */
    synchronized ManagedProcess startAgentContainer(PodmanLauncher l, Path kubeconfig, int apiPort, Path apiSocket,
                                                    String sb, String nb, String encap, boolean enroll) {
        String c = PodmanLauncher.AGENT;
        Path etc = dir.resolve("etc");
        Path run = dir.resolve("run");
        String configDir = l.mountPath(c, "config");
        try {
            Files.deleteIfExists(confList());
            Files.createDirectories(etc);
            Files.createDirectories(run);
            Files.copy(kubeconfig, etc.resolve("kubeconfig"), StandardCopyOption.REPLACE_EXISTING);
            Files.writeString(etc.resolve("system-id.conf"), name + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<Option<?>, String> values = new LinkedHashMap<>();
        values.put(NodeOptions.KUBECONFIG, configDir + "/kubeconfig");
        values.put(NodeOptions.OVSDB, "unix:" + l.mountPath(c, "ovs-run") + "/db.sock");
        values.put(NodeOptions.ENCAP_TYPE, encap);
        values.put(NodeOptions.DATAPATH_TYPE, "netdev");
        values.put(NodeOptions.SYSTEM_ID_FILE, configDir + "/system-id.conf");
        values.put(NodeOptions.CLUSTER_SUBNET, Sandbox.CLUSTER_SUBNET);
        values.put(NodeOptions.SERVICE_CIDR, Sandbox.SERVICE_CIDR);
        values.put(NodeOptions.CNI_SOCKET, l.mountPath(c, "kovn-run") + "/" + CNI_SOCKET_NAME);
        values.put(NodeOptions.CNI_CONF_DIR, l.mountPath(c, "cni-conf"));
        values.put(NodeOptions.CNI_BIN_DIR, l.mountPath(c, "cni-bin"));
        values.put(NodeOptions.CNI_PLUGIN_SOURCE, IMAGE_KOVN_HOME);
        Map<String, Path> volumes = new LinkedHashMap<>(Map.of("ovs-run", ovn.dir(), "ovs-etc", ovn.dir(),
                "kovn-run", run, "cni-conf", confDir(), "cni-bin", binDir(), "netns", NETNS_DIR, "config", etc));
        if (enroll) {
            // --tls as the DaemonSet of --tls does it: the agent enrols into the PKI volume, which the ovn-controller
            // container mounts at the same path (both are the node's directory here), and reaches SB over ssl:
            String pki = l.mountPath(c, PKI_VOLUME);
            values.put(NodeOptions.ENROLL_CERTIFICATE, "true");
            values.put(NodeOptions.PKI_DIR, pki);
            values.put(NodeOptions.PKI_NAMESPACE, SandboxPki.NAMESPACE);
            volumes.put(PKI_VOLUME, ovn.dir());
        }
        agentSbRemote = sb;
        enrolledPki = enroll ? ovn.dir() : null;
        gateway(values);
        ConfigFile.write(etc.resolve(DeployNames.NODE_CONFIG), NodeOptions.SET, values); // the command reads it
        apiRelay = ManagedProcess.start("api-relay/" + name, ovn.netns().inside(JavaCommand.of("16m", List.of(),
                SocketRelay.class, List.of(String.valueOf(apiPort), apiSocket.toString()))), Map.of(),
                logDir.resolve("api-relay-" + name + ".log"));
        agentContainer = ovn.netns().name() + "-" + c;
        launcher = l;
        List<String> cmd = l.run(agentContainer, c, ovn.netns().path(), volumes, Map.of(
                NodeOptions.NODE_NAME.env(), name, NodeOptions.SB_ADDRESS.env(), sb, NodeOptions.NB_ADDRESS.env(), nb));
        agent = ManagedProcess.start("node-agent/" + name, cmd, Map.of(), agentLog());
        return agent;
    }

    /** Where a path the containerized agent wrote (the CNI socket in the conflist) is on this machine. */
    Map<String, Path> agentHostPaths() {
        return launcher == null ? Map.of()
                : Map.of(launcher.mountPath(PodmanLauncher.AGENT, "kovn-run"), dir.resolve("run"));
    }

    /** Kills the agent as a crash would: its container with it, when it runs in one. */
    synchronized void killAgent() {
        if (agentContainer != null) {
            launcher.kill(agentContainer);
        }
        agent.process().destroyForcibly();
    }

    private void gateway(Map<Option<?>, String> values) {
        if (gatewayIp != null) {
            // a dedicated gateway on eth1, which the sandbox has wired to the gateway network
            values.put(NodeOptions.PHYSICAL_INTERFACE, Sandbox.GATEWAY_INTERFACE);
            values.put(NodeOptions.PHYSICAL_IP, gatewayIp + "/" + Sandbox.GATEWAY_SUBNET.split("/")[1]);
            values.put(NodeOptions.DEFAULT_GW, Sandbox.GATEWAY_NEXT_HOP);
        }
    }

    /** Where the agent writes the node's enrolled key, certificate and CA (--tls). */
    Path pkiDir() {
        return dir.resolve("pki");
    }

    /** Waits until the agent has installed the CNI config (what it does last, once it serves CNI requests). */
    void awaitAgent(Duration timeout) {
        agent.await("installing the CNI config", timeout, () -> Files.exists(confList()));
    }

    synchronized void stopAgent() {
        if (agent != null) {
            agent.stop(Duration.ofSeconds(5));
            agent = null;
        }
        if (apiRelay != null) {
            apiRelay.stop(Duration.ofSeconds(2));
            apiRelay = null;
        }
    }

    synchronized ManagedProcess agent() {
        return agent;
    }

    void runtime(PodRuntime r) {
        runtime = r;
    }

    PodRuntime runtime() {
        return runtime;
    }

    SandboxState.NodeState state() {
        ManagedProcess a = agent();
        return new SandboxState.NodeState(name, ovn.netns().name(), ovn.encapIp(), ovn.dir().toString(),
                ovn.ovsdbRemote(), confDir().toString(), binDir().toString(), socket().toString(),
                agentLog().toString(), a == null ? null : a.ref(), gatewayIp, agentSbRemote,
                enrolledPki == null ? null : enrolledPki.toString());
    }

    /** Every process of this node (daemons and agent), for the state. */
    List<ProcessRef> processes() {
        List<ProcessRef> out = new ArrayList<>();
        ovn.pids().forEach((daemon, pid) -> ProcessHandle.of(pid)
                .ifPresent(h -> out.add(ProcessRef.of(name + "/" + daemon, h))));
        ManagedProcess a = agent();
        if (a != null) {
            out.add(a.ref());
        }
        return out;
    }
}
