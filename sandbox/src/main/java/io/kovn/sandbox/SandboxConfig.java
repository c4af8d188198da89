package io.kovn.sandbox;

import java.nio.file.Path;

/**
 * How to build a sandbox.
 *
 * @param stateDir           where state, logs, kubeconfig and the nodes' CNI directories go
 * @param nodes              number of nodes (1..20)
 * @param encap              geneve or vxlan
 * @param apiPort            loopback port of the emulated API (0: any free port)
 * @param checkNetwork       prove the pod network with two pods and a ping before calling the sandbox ready
 * @param removeStateOnClose delete {@code stateDir} when the sandbox closes (in-process use, tests)
 */
public record SandboxConfig(Path stateDir, int nodes, String encap, int apiPort, boolean checkNetwork,
                            boolean removeStateOnClose) {
    public static final Path DEFAULT_STATE_DIR = Path.of("/run/kovn-sandbox");

    public SandboxConfig {
        if (nodes < 1 || nodes > 20) {
            throw new IllegalArgumentException("--nodes " + nodes + ": use 1 to 20");
        }
        if (!encap.equals("geneve") && !encap.equals("vxlan")) {
            throw new IllegalArgumentException("--encap " + encap + ": use geneve or vxlan");
        }
    }
}
