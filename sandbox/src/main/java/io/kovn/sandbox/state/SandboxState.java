package io.kovn.sandbox.state;

import io.kovn.sandbox.proc.ProcessRef;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Optional;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * What a running sandbox is made of, written to {@code <state dir>/state.json} whenever it changes, so that
 * {@code kovn sandbox status|exec|down} work from other processes, and {@code down} also after a crash: every
 * process by pid and start time, every network namespace by name, every directory.
 *
 * @param supervisor     the process that holds the API server and the stand-ins (and started the rest)
 * @param netnsPrefix    the prefix of every network namespace the supervisor created ({@code kovn-<pid>-})
 * @param processes      the other processes started, outside any namespace of the sandbox (component JVMs);
 *                       the daemons inside the namespaces go with them
 * @param controllerMetricsPort the controller's /metrics and /healthz port on loopback
 * @param gatewayNetwork the external network of the nodes' gateways (null in a state written before there was one)
 * @param ha             NB and SB are 3-member RAFT clusters, two ovn-northd and two controllers run
 * @param dbMembers      every NB and SB server (one each when not {@code ha})
 * @param northds        the ovn-northd instances
 * @param controllers    the kovn controllers
 */
public record SandboxState(
        String stateDir,
        boolean ready,
        long startedAtMillis,
        ProcessRef supervisor,
        String netnsPrefix,
        String encap,
        String apiUrl,
        String kubeconfig,
        String clusterSubnet,
        String serviceCidr,
        Central central,
        Host external,
        String underlayNetns,
        String underlaySubnet,
        List<NodeState> nodes,
        List<ProcessRef> processes,
        int controllerMetricsPort,
        List<String> dirs,
        GatewayNetwork gatewayNetwork,
        boolean ha,
        List<DbMemberState> dbMembers,
        List<NorthdState> northds,
        List<ControllerState> controllers) {

    public static final String FILE = "state.json";
    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    /**
     * One NB or SB server.
     *
     * @param label  {@code nb} (standalone) or {@code nb-member N}
     * @param member its number in the cluster from 1 (0: standalone)
     * @param ctl    its unixctl socket ({@code ovs-appctl -t CTL cluster/status DB})
     * @param remote what clients on the network connect to; {@code raft}: its RAFT address (null standalone)
     */
    public record DbMemberState(String db, String label, int member, String netns, String ip, String ctl, String unix,
                                String remote, String raft, ProcessRef process) {
    }

    /** One ovn-northd: {@code label} {@code northd} or {@code northd N}; {@code ctl} answers {@code status}. */
    public record NorthdState(String label, int index, String netns, String ctl, ProcessRef process) {
    }

    /**
     * One kovn controller: {@code label} {@code controller} or {@code controller N}, its Lease identity and the
     * loopback port of its /metrics and /healthz; {@code process} null while stopped.
     */
    public record ControllerState(String label, int index, String identity, int metricsPort, ProcessRef process) {
    }

    /**
     * The central namespace (the first one with {@code ha}): NB, SB and ovn-northd. The addresses are every
     * member's, comma-separated.
     */
    public record Central(String netns, String ip, String nbAddress, String sbAddress, String nbUnix, String sbUnix,
                          String dir) {
    }

    /**
     * A namespace standing for a host (the external world).
     *
     * @param ip        its address on the underlay
     * @param gatewayIp its address on the gateway network (null: not on it), the next hop of the nodes' gateways
     */
    public record Host(String netns, String ip, String gatewayIp) {
    }

    /**
     * The network between the nodes' gateways and the external host: a Linux bridge in namespace {@code netns},
     * with one veth per node (its eth1, the dedicated gateway interface) and one to the external host.
     */
    public record GatewayNetwork(String netns, String subnet, String nextHop) {
    }

    /**
     * One node: its namespace with the OVS/OVN daemons, and the node agent.
     *
     * @param gatewayIp the address of the node's gateway router on the gateway network (null: no gateway)
     */
    /**
     * One node; {@code agentSb} is the Southbound remote its agent uses, {@code pkiDir} where its agent enrols the
     * node's certificate (null without --tls).
     */
    public record NodeState(String name, String netns, String ip, String ovsDir, String ovsdb, String cniConfDir,
                            String cniBinDir, String cniSocket, String agentLog, ProcessRef agent, String gatewayIp,
                            String agentSb, String pkiDir) {
    }

    public static Optional<SandboxState> read(Path stateDir) {
        return readFile(stateDir.resolve(FILE), SandboxState.class);
    }

    public void write(Path stateDir) {
        writeFile(stateDir, FILE, this, "the sandbox state");
    }

    /** {@code file} as a {@code type}, empty if there is none; one that does not parse is an error naming it. */
    static <T> Optional<T> readFile(Path file, Class<T> type) {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(JSON.readValue(Files.readString(file), type));
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Writes {@code value} as {@code name} in {@code dir} whole: to a temporary file, then renamed over it. */
    static void writeFile(Path dir, String name, Object value, String what) {
        try {
            Files.createDirectories(dir);
            Path tmp = dir.resolve(name + ".tmp");
            Files.writeString(tmp, JSON.writeValueAsString(value));
            Files.move(tmp, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + what + " in " + dir, e);
        }
    }

    public static String toJson(Object o) {
        return JSON.writeValueAsString(o);
    }

    public static JsonMapper json() {
        return JSON;
    }
}
