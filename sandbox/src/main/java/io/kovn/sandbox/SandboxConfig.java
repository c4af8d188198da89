package io.kovn.sandbox;

import java.nio.file.Path;
import java.time.Duration;

/**
 * How to build a sandbox.
 *
 * @param stateDir           where state, logs, kubeconfig and the nodes' CNI directories go
 * @param nodes              number of nodes (1..20)
 * @param encap              geneve or vxlan
 * @param apiPort            loopback port of the emulated API (0: any free port)
 * @param checkNetwork       prove the pod network with two pods and a ping before calling the sandbox ready
 * @param removeStateOnClose delete {@code stateDir} when the sandbox closes (in-process use, tests)
 * @param ha                 NB and SB as 3-member RAFT clusters (one member per central namespace), two
 *                           ovn-northd (active/standby) and two controllers (Lease election)
 * @param tls                every OVSDB network connection over TLS: NB and SB listen on {@code pssl:} only (SB
 *                           with {@code role=ovn-controller}), certificates from a CA made with kovn's PKI code,
 *                           nodes enrolling through the CSR API (docs/security.md)
 * @param underlay           underlay mode instead ({@link UnderlaySandbox}; docs/underlay.md): the cloud's OVN with
 *                           hypervisors, worker VMs, a standalone VM and a physical host; nodes, encap, ha and tls
 *                           do not apply
 * @param neutron            with underlay: the cloud runs a real neutron-server (ML2/OVN) that makes the cloud's network
 *                           objects, and the controller uses its Neutron back end
 * @param nodeCertLifetime   with {@code tls}: the lifetime of the node certificates the controller signs (nodes
 *                           renew at 2/3 of it); null: the controller's default
 * @param image              each node's ovsdb-server, ovs-vswitchd, ovn-controller and node agent as podman
 *                           containers of this image, as the node DaemonSet of {@code kovn manifests} runs them
 *                           (docs/install.md); null: this machine's binaries
 */
public record SandboxConfig(Path stateDir, int nodes, String encap, int apiPort, boolean checkNetwork,
                            boolean removeStateOnClose, boolean ha, boolean tls, boolean underlay,
                            boolean neutron, Duration nodeCertLifetime, String image) {
    public static final Path DEFAULT_STATE_DIR = Path.of("/run/kovn-sandbox");

    public SandboxConfig {
        if (nodes < 1 || nodes > 20) {
            throw new IllegalArgumentException("--nodes " + nodes + ": use 1 to 20");
        }
        if (underlay && (ha || tls)) {
            throw new IllegalArgumentException("--mode underlay has no --ha or --tls");
        }
        if (underlay && image != null) {
            throw new IllegalArgumentException("--mode underlay has no --image");
        }
        if (image != null && !image.matches("[a-z0-9][a-z0-9._/:@-]{0,254}")) {
            throw new IllegalArgumentException("--image " + image + ": not an image reference");
        }
        if (nodeCertLifetime != null && !tls) {
            throw new IllegalArgumentException("a node certificate lifetime needs --tls");
        }
        if (neutron && !underlay) {
            throw new IllegalArgumentException("--neutron needs --mode underlay");
        }
        if (!encap.equals("geneve") && !encap.equals("vxlan")) {
            throw new IllegalArgumentException("--encap " + encap + ": use geneve or vxlan");
        }
    }

    /** A sandbox of 3 overlay nodes with geneve, this machine's binaries, no HA, no TLS, state kept on close. */
    public static Builder builder(Path stateDir) {
        return new Builder(stateDir);
    }

    /** This configuration, to change some of it. */
    public Builder toBuilder() {
        return new Builder(stateDir).nodes(nodes).encap(encap).apiPort(apiPort).checkNetwork(checkNetwork)
                .removeStateOnClose(removeStateOnClose).ha(ha).tls(tls).underlay(underlay).neutron(neutron)
                .nodeCertLifetime(nodeCertLifetime).image(image);
    }

    /** Named settings instead of a row of booleans; {@link #build()} validates them together. */
    public static final class Builder {
        private Path stateDir;
        private int nodes = 3;
        private String encap = "geneve";
        private int apiPort;
        private boolean checkNetwork;
        private boolean removeStateOnClose;
        private boolean ha;
        private boolean tls;
        private boolean underlay;
        private boolean neutron;
        private Duration nodeCertLifetime;
        private String image;

        private Builder(Path stateDir) {
            this.stateDir = stateDir;
        }

        public Builder stateDir(Path v) { stateDir = v; return this; }
        public Builder nodes(int v) { nodes = v; return this; }
        public Builder encap(String v) { encap = v; return this; }
        public Builder apiPort(int v) { apiPort = v; return this; }
        public Builder checkNetwork(boolean v) { checkNetwork = v; return this; }
        public Builder removeStateOnClose(boolean v) { removeStateOnClose = v; return this; }
        public Builder ha(boolean v) { ha = v; return this; }
        public Builder tls(boolean v) { tls = v; return this; }
        public Builder underlay(boolean v) { underlay = v; return this; }
        public Builder neutron(boolean v) { neutron = v; return this; }
        public Builder nodeCertLifetime(Duration v) { nodeCertLifetime = v; return this; }
        public Builder image(String v) { image = v; return this; }

        public SandboxConfig build() {
            return new SandboxConfig(stateDir, nodes, encap, apiPort, checkNetwork, removeStateOnClose, ha, tls,
                    underlay, neutron, nodeCertLifetime, image);
        }
    }

    /** Central namespaces: one member of each database in each. */
    public int centralHosts() {
        return ha ? 3 : 1;
    }
}
