package io.kovn.sandbox;

import io.kovn.controller.ControllerMain;
import io.kovn.controller.ControllerOptions;
import io.kovn.deploy.manifests.DeployNames;
import io.kovn.ovn.config.ConfigFile;
import io.kovn.ovn.config.ConfigSources;
import io.kovn.ovn.config.Option;
import io.kovn.sandbox.proc.JavaCommand;
import io.kovn.sandbox.proc.ManagedProcess;
import io.kovn.sandbox.state.SandboxState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One kovn controller of the sandbox, in its own JVM as {@code kovn controller --config FILE} runs it, with its own
 * config file. Alone ({@code index} 0) it does not compete for the Lease; with {@code --ha} two run
 * ({@code index} 1 and 2, identities {@code kovn-sandbox-controller-1|2}) and the Lease chooses the one that writes.
 */
final class SandboxController {
    /** The Lease the controllers compete for: kovn-system/kovn-controller, as in the manifests. */
    static final String LEASE_NAMESPACE = DeployNames.NAMESPACE;
    static final String LEASE_NAME = "kovn-controller";
    private static final String IDENTITY = "kovn-sandbox-controller";

    private final int index;
    private final Path config;
    private final Path log;
    private ManagedProcess process;
    private int metricsPort;

    SandboxController(int index, Path stateDir, Path logDir) {
        this.index = index;
        this.config = stateDir.resolve(configFile(index));
        this.log = logDir.resolve(index == 0 ? "controller.log" : "controller-" + index + ".log");
    }

    /** {@code controller.yaml}, or {@code controller-N.yaml} with {@code --ha}. */
    static String configFile(int index) {
        return index == 0 ? Sandbox.CONTROLLER_CONFIG : "controller-" + index + ".yaml";
    }

    int index() {
        return index;
    }

    String identity() {
        return index == 0 ? IDENTITY : IDENTITY + "-" + index;
    }

    /** {@code controller} or {@code controller N}: how status and kill name it. */
    String label() {
        return index == 0 ? "controller" : "controller " + index;
    }

    /**
     * Writes its config file (every NB member's remote in {@code nbRemotes}) and starts it, unless it runs; with
     * {@code signCsrs} (--tls) it signs the nodes' CSRs with the sandbox CA's Secret, certificates valid for
     * {@code nodeCertLifetime} (null: the controller's default).
     */
    synchronized ManagedProcess start(Path kubeconfig, String nbRemotes, List<String> jvmOptions, boolean signCsrs,
                                      Duration nodeCertLifetime) {
        if (alive()) {
            return process;
        }
        metricsPort = freePort();
        Map<Option<?>, String> values = new LinkedHashMap<>();
        values.put(ControllerOptions.KUBECONFIG, kubeconfig.toString());
        values.put(ControllerOptions.NB.address(), nbRemotes);
        values.put(ControllerOptions.CLUSTER_SUBNET, Sandbox.CLUSTER_SUBNET);
        values.put(ControllerOptions.SERVICE_CIDR, Sandbox.SERVICE_CIDR);
        values.put(ControllerOptions.METRICS_PORT, Integer.toString(metricsPort));
        values.put(ControllerOptions.METRICS_BIND_ADDRESS, "127.0.0.1");
        // alone: no Lease to compete for
        values.put(ControllerOptions.LEADER_ELECTION, Boolean.toString(index > 0));
        values.put(ControllerOptions.LEASE_NAMESPACE, LEASE_NAMESPACE);
        values.put(ControllerOptions.IDENTITY, identity());
        if (signCsrs) {
            values.put(ControllerOptions.CA_SECRET, SandboxPki.CA_SECRET);
            values.put(ControllerOptions.PKI_NAMESPACE, SandboxPki.NAMESPACE);
            if (nodeCertLifetime != null) {
                values.put(ControllerOptions.NODE_CERT_LIFETIME, nodeCertLifetime.toSeconds() + "s");
            }
        }
        ConfigFile.write(config, ControllerOptions.SET, values);
        process = ManagedProcess.start(index == 0 ? "controller" : "controller-" + index, JavaCommand.of("384m",
                jvmOptions, ControllerMain.class, List.of(ConfigSources.CONFIG.flag(), config.toString())), Map.of(), log);
        return process;
    }

    synchronized ManagedProcess process() {
        return process;
    }

    synchronized boolean alive() {
        return process != null && process.alive();
    }

    synchronized int metricsPort() {
        return metricsPort;
    }

    /** SIGKILL; returns the pid it had. */
    synchronized long kill() {
        if (!alive()) {
            throw new IllegalStateException(label() + " is not running");
        }
        long pid = process.pid();
        process.process().destroyForcibly();
        try {
            process.process().waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return pid;
    }

    synchronized void stop(Duration grace) {
        if (process != null) {
            process.stop(grace);
            process = null;
        }
    }

    synchronized SandboxState.ControllerState state() {
        return new SandboxState.ControllerState(label(), index, identity(), metricsPort,
                process == null ? null : process.ref());
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
