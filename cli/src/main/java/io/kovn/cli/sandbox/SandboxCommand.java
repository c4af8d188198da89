package io.kovn.cli.sandbox;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.kovn.sandbox.SandboxClient;
import io.kovn.sandbox.SandboxControl;
import io.kovn.sandbox.SandboxDown;
import io.kovn.sandbox.SandboxExec;
import io.kovn.sandbox.SandboxStatus;
import io.kovn.sandbox.SandboxUp;
import io.kovn.sandbox.demo.Demo;
import io.kovn.sandbox.state.SandboxState;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code kovn sandbox}: a whole multi-node kovn cluster on this machine. */
@Command(name = "sandbox", mixinStandardHelpOptions = true,
        description = {"A whole multi-node kovn cluster on this machine, in network namespaces: real OVN (NB, SB, "
                + "ovn-northd), per node ovsdb-server, ovs-vswitchd and ovn-controller, the kovn controller and node "
                + "agents; an emulated Kubernetes API with stand-ins for the scheduler, service IPs, EndpointSlices "
                + "and kubelet. Needs root.",
                "Start with `kovn sandbox up` (or `kovn sandbox up --ha` for clustered databases and standbys), then "
                        + "`kovn sandbox demo`."},
        subcommands = {CommandLine.HelpCommand.class, SandboxCommand.Up.class, SandboxCommand.Down.class,
                SandboxCommand.Status.class, SandboxCommand.Exec.class, SandboxCommand.Kubeconfig.class,
                SandboxCommand.DemoCommand.class, SandboxCommand.Kill.class, SandboxCommand.Restart.class, SandboxCommand.Wipe.class,
                SandboxTools.Trace.class, SandboxTools.Audit.class, SandboxTools.Topology.class})
public final class SandboxCommand {

    @Command(name = "up", mixinStandardHelpOptions = true,
            description = "Bring a sandbox up and leave it running in the background (until `kovn sandbox down`).")
    static final class Up implements Callable<Integer> {
        @Mixin
        StateDirOption state;

        @Option(names = "--nodes", defaultValue = "3", description = "number of nodes (default ${DEFAULT-VALUE})")
        int nodes;

        @Option(names = "--encap", defaultValue = "geneve", description = "tunnel type: geneve or vxlan (default ${DEFAULT-VALUE})")
        String encap;

        @Option(names = "--api-port", defaultValue = "0", description = "loopback port of the emulated API (default: any free port)")
        int apiPort;

        @Option(names = "--no-check", negatable = false,
                description = "skip the first-pod-network check (two pods, one ping) before declaring the sandbox ready")
        boolean noCheck;

        @Option(names = "--ha", negatable = false,
                description = "high availability: NB and SB as 3-member RAFT clusters (one member in each of three "
                        + "central namespaces), two ovn-northd (active/standby through the SB lock), two controllers "
                        + "(Lease election); every ovn-controller and node agent gets every SB member")
        boolean ha;

        @Option(names = "--tls", negatable = false,
                description = "every OVSDB network connection over TLS: NB and SB listen on pssl: only (SB with "
                        + "role=ovn-controller, OVN's RBAC), server and northd certificates from a sandbox CA made "
                        + "with kovn pki, node agents enrolling their ovn-controller's certificate through the CSR API "
                        + "(the controller signs); combines with --ha")
        boolean tls;

        @Option(names = "--mode", defaultValue = "overlay",
                description = "overlay (default): kovn's own OVN on the nodes; underlay: the cloud's OVN on two "
                        + "hypervisors, two worker VMs with their own OVS and kovn agents in --mode underlay, a "
                        + "standalone VM and a physical host, the controller's NB-native back end (or Neutron's: --neutron; docs/underlay.md; "
                        + "--nodes, --encap, --ha, --tls and the check do not apply; demo, kill and restart do not "
                        + "serve it yet)")
        String mode;

        @Option(names = "--neutron", negatable = false,
                description = "with --mode underlay: the cloud runs a real neutron-server (ML2/OVN, python3-neutron; "
                        + "noauth, sqlite) that makes the cloud's network objects, and the controller uses its Neutron "
                        + "back end (--underlay-backend neutron)")
        boolean neutron;

        @Option(names = "--image", arity = "0..1", fallbackValue = "localhost/kovn:dev", paramLabel = "IMG",
                description = "run each node's ovsdb-server, ovs-vswitchd, ovn-controller and node agent as podman containers of "
                        + "kovn's image (default with no value: ${FALLBACK-VALUE}; scripts/build-image.sh builds it), "
                        + "with the commands, mounts and capabilities of the node DaemonSet of `kovn manifests`, in "
                        + "the node's network namespace (docs/install.md)")
        String image;

        @Override
        public Integer call() {
            if (!mode.equals("overlay") && !mode.equals("underlay")) {
                System.err.println("kovn sandbox: --mode " + mode + ": use overlay or underlay");
                return 2;
            }
            if (neutron && !mode.equals("underlay")) {
                System.err.println("kovn sandbox: --neutron needs --mode underlay");
                return 2;
            }
            return SandboxUp.up(new SandboxUp.Options(state.get(), nodes, encap, apiPort, !noCheck, ha, tls,
                    mode.equals("underlay"), neutron, image), System.out, System.err);
        }
    }

    private static final String TARGETS = "TARGET: nb-leader | sb-leader | nb-member N | sb-member N | northd-active | "
            + "northd N | controller-leader | controller N | node-agent NODE | ovn-controller NODE. The leader and "
            + "active forms name the process that leads when the command runs (nb-member, sb-member, northd N and "
            + "controller N exist with --ha).";

    @Command(name = "kill", mixinStandardHelpOptions = true,
            description = {"SIGKILL one process of the sandbox by its recorded pid, as a crash would; "
                    + "`kovn sandbox restart` with the same target (or its member, northd or controller number, which "
                    + "kill prints) starts it again.", TARGETS})
    static final class Kill implements Callable<Integer> {
        @Mixin
        StateDirOption state;

        @Parameters(arity = "1..2", paramLabel = "TARGET", description = "what to kill (see above)")
        List<String> target;

        @Override
        public Integer call() {
            return SandboxControl.request(state.get(), "kill", target, System.out, System.err);
        }
    }

    @Command(name = "restart", mixinStandardHelpOptions = true,
            description = {"Start one process of the sandbox again with the same command (stopping it first if it "
                    + "runs: SIGTERM, SIGKILL after 5 s), record its new pid, and wait until it serves.", TARGETS})
    static final class Restart implements Callable<Integer> {
        @Mixin
        StateDirOption state;

        @Parameters(arity = "1..2", paramLabel = "TARGET", description = "what to restart (see above)")
        List<String> target;

        @Override
        public Integer call() {
            return SandboxControl.request(state.get(), "restart", target, System.out, System.err);
        }
    }

    @Command(name = "wipe", mixinStandardHelpOptions = true,
            description = {"Disaster drill: stop every member of the Northbound (nb) or Southbound (sb) database, delete "
                    + "their files and create the database again, empty, as a new cluster (with --ha, all three "
                    + "members). The controllers keep running: the leader writes every row again from the Kubernetes "
                    + "objects with the same addresses (nb); ovn-northd and the ovn-controllers fill a new SB (sb). "
                    + "docs/ha.md has the figures; `kovn nb backup` / `restore` are the real hosts' tools."})
    static final class Wipe implements Callable<Integer> {
        @Mixin
        StateDirOption state;

        @Parameters(arity = "1", paramLabel = "DB", description = "nb or sb")
        String db;

        @Override
        public Integer call() {
            return SandboxControl.request(state.get(), "wipe", List.of(db), System.out, System.err);
        }
    }

    @Command(name = "down", mixinStandardHelpOptions = true,
            description = "Stop everything the sandbox started and remove its namespaces and files "
                    + "(also after a crash or a killed `up`).")
    static final class Down implements Callable<Integer> {
        @Mixin
        StateDirOption state;

        @Override
        public Integer call() {
            return SandboxDown.down(state.get(), System.out);
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "Nodes and their chassis, pods with IPs, nodes and network namespaces, services and their "
                    + "endpoints, and what is unhealthy. Exit status 1 if something is unhealthy.")
    static final class Status implements Callable<Integer> {
        @Mixin
        StateDirOption state;

        @Option(names = "--json", description = "machine-readable, with NB/SB addresses, kubeconfig and namespaces")
        boolean json;

        @Override
        public Integer call() {
            return SandboxStatus.status(state.get(), json, System.out);
        }
    }

    @Command(name = "exec", mixinStandardHelpOptions = true,
            description = "Run a command inside a pod's network namespace: kovn sandbox exec [-n NAMESPACE] POD -- CMD...")
    static final class Exec implements Callable<Integer> {
        @Mixin
        StateDirOption state;

        @Option(names = {"-n", "--namespace"}, defaultValue = "default", description = "the pod's namespace (default ${DEFAULT-VALUE})")
        String namespace;

        @Parameters(index = "0", paramLabel = "POD")
        String pod;

        @Parameters(index = "1..*", paramLabel = "CMD", description = "the command and its arguments (after --)")
        List<String> command;

        @Override
        public Integer call() throws Exception {
            return SandboxExec.exec(state.get(), namespace, pod, command == null ? List.of() : command);
        }
    }

    @Command(name = "kubeconfig", mixinStandardHelpOptions = true,
            description = "Print the kubeconfig path (kubectl needs --validate=false for create: the API is emulated).")
    static final class Kubeconfig implements Callable<Integer> {
        @Mixin
        StateDirOption state;

        @Override
        public Integer call() {
            System.out.println(SandboxClient.running(state.get()).kubeconfig());
            return 0;
        }
    }

    @Command(name = "demo", mixinStandardHelpOptions = true,
            description = "Create echo-server pods over the nodes and a ClusterIP service, and print a connectivity "
                    + "matrix checked by real traffic with latencies.")
    static final class DemoCommand implements Callable<Integer> {
        @Mixin
        StateDirOption state;

        @Option(names = "--namespace", defaultValue = "demo", description = "namespace to use (default ${DEFAULT-VALUE})")
        String namespace;

        @Option(names = "--pods-per-node", defaultValue = "2", description = "echo pods per node (default ${DEFAULT-VALUE})")
        int podsPerNode;

        @Option(names = "--cleanup", description = "remove the demo's namespace afterwards (default: keep it to explore)")
        boolean cleanup;

        @Override
        public Integer call() {
            SandboxState s = SandboxClient.running(state.get());
            try (KubernetesClient client = SandboxClient.client(s)) {
                return Demo.run(client, s, new Demo.Options(namespace, podsPerNode, cleanup), System.out).ok() ? 0 : 1;
            }
        }
    }
}
