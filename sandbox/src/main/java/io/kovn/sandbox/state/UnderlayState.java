package io.kovn.sandbox.state;

import io.kovn.sandbox.proc.ProcessRef;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What a running underlay sandbox is made of, written to {@code <state dir>/underlay.json} once it is ready, so that
 * {@code kovn sandbox status} and {@code exec} work from other processes as they do for the overlay sandbox's
 * {@link SandboxState}. {@code down} does not need it: it stops the supervisor, which tears the sandbox down, and
 * removes the namespaces named with the supervisor's prefix.
 *
 * @param supervisor    the process running the sandbox (API server, stand-ins, and the starter of the rest)
 * @param nbUnix        the cloud's Northbound database, on its unix socket
 * @param vms           the worker VMs (Kubernetes nodes)
 * @param hypervisors   the namespaces running the cloud's ovn-controller
 * @param standaloneVm  a VM on the cloud's network that is not a node
 * @param physicalHost  a host on the physical network behind the localnet port
 */
public record UnderlayState(String stateDir, long startedAtMillis, ProcessRef supervisor, String apiUrl,
                            String kubeconfig, String nbUnix, boolean neutron, ProcessRef controller, List<Vm> vms,
                            List<Host> hypervisors, Host standaloneVm, Host physicalHost) {
    public static final String FILE = "underlay.json";

    /** A worker VM: its namespace, its own Open_vSwitch database, its hypervisor and its kovn agent. */
    public record Vm(String name, String hypervisor, String ip, String netns, String ovsdb, String agentLog,
                     ProcessRef agent) {
    }

    /** A namespace standing for a machine; {@code ip} null when it has no address of its own here. */
    public record Host(String name, String netns, String ip) {
    }

    public static Optional<UnderlayState> read(Path stateDir) {
        return SandboxState.readFile(stateDir.resolve(FILE), UnderlayState.class);
    }

    public void write(Path stateDir) {
        SandboxState.writeFile(stateDir, FILE, this, "the underlay sandbox's state");
    }
}
