package io.kovn.sandbox;

import io.kovn.node.cni.CniInstaller;
import io.kovn.sandbox.proc.JavaCommand;
import io.kovn.sandbox.proc.ManagedProcess;
import io.kovn.sandbox.proc.NodeAgentMain;
import io.kovn.sandbox.proc.ProcessRef;
import io.kovn.sandbox.standins.PodRuntime;
import io.kovn.sandbox.state.SandboxState;
import io.kovn.testing.OvnNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One sandbox node: a namespace on the underlay with its own ovsdb-server, ovs-vswitchd (netdev) and
 * ovn-controller ({@link OvnNode}), the kovn node agent in its own JVM (a dedicated gateway on eth1), and the pod
 * runtime stand-in.
 */
final class SandboxNode {
    private final String name;
    private final OvnNode ovn;
    private final Path dir;
    private final Path logDir;
    private final String gatewayIp;
    private ManagedProcess agent;
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
                                           Path plugin, List<String> jvmOptions) {
        try {
            // a stale config would tell the pod runtime the network is ready before this agent is
            Files.deleteIfExists(confList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> args = new ArrayList<>(List.of("--node-name", name, "--kubeconfig", kubeconfig.toString(),
                "--ovsdb", ovn.ovsdbRemote(), "--sb", sb, "--agent-sb", agentSb, "--nb", nb, "--encap", encap,
                "--host-netns", ovn.netns().path().toString(), "--system-id-file", dir.resolve("system-id.conf").toString(),
                "--cluster-subnet", Sandbox.CLUSTER_SUBNET, "--service-cidr", Sandbox.SERVICE_CIDR,
                "--cni-socket", socket().toString(), "--cni-conf-dir", confDir().toString(),
                "--cni-bin-dir", binDir().toString(), "--cni-plugin-source", plugin.toString()));
        if (gatewayIp != null) {
            // a dedicated gateway on eth1, which the sandbox has wired to the gateway network
            args.addAll(List.of("--physical-interface", Sandbox.GATEWAY_INTERFACE,
                    "--physical-ip", gatewayIp + "/" + Sandbox.GATEWAY_SUBNET.split("/")[1],
                    "--default-gw", Sandbox.GATEWAY_NEXT_HOP));
        }
        agent = ManagedProcess.start("node-agent/" + name,
                JavaCommand.of("192m", jvmOptions, NodeAgentMain.class, args), Map.of(), agentLog());
        return agent;
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
                agentLog().toString(), a == null ? null : a.ref(), gatewayIp);
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
