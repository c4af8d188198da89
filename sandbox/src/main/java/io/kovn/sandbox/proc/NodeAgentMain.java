package io.kovn.sandbox.proc;

import io.kovn.node.NodeAgent;
import io.kovn.node.NodeAgentConfig;
import io.kovn.node.gateway.GatewaySettings;
import io.kovn.ovn.net.Ipv4Cidr;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * The kovn node agent as the sandbox runs it, in its own JVM in the host's network namespace (where the
 * sandbox's API listens on loopback), doing its host-side work inside the node's namespace
 * ({@code --host-netns}): the same {@link NodeAgent} that {@code kovn node} runs. With
 * {@code --physical-interface IFACE --physical-ip A.B.C.D/N --default-gw IP} the node is a dedicated gateway.
 */
public final class NodeAgentMain {
    private NodeAgentMain() {
    }

    public static void main(String[] argv) throws Exception {
        Args a = new Args(argv);
        NodeAgentConfig.Builder b = NodeAgentConfig.builder(a.get("node-name"))
                .kubeconfig(Path.of(a.get("kubeconfig")))
                .ovsdbRemote(a.get("ovsdb"))
                .sbRemote(a.get("sb"))
                .agentSbRemote(a.get("agent-sb"))
                .nbRemote(a.get("nb"))
                .encapType(a.get("encap"))
                .datapathType("netdev")
                .hostNetns(Path.of(a.get("host-netns")))
                .systemIdFile(Path.of(a.get("system-id-file")))
                .clusterSubnets(List.of(Ipv4Cidr.parse(a.get("cluster-subnet"))))
                .serviceCidrs(List.of(Ipv4Cidr.parse(a.get("service-cidr"))))
                .cniSocket(Path.of(a.get("cni-socket")))
                .cniConfDir(Path.of(a.get("cni-conf-dir")))
                .cniBinDir(Path.of(a.get("cni-bin-dir")));
        String source = a.get("cni-plugin-source", null);
        if (source != null) {
            b.cniPluginSource(Path.of(source));
        }
        String physical = a.get("physical-interface", null);
        if (physical != null) {
            // a dedicated gateway (docs/gateway.md): the same flags as kovn node
            b.gateway(GatewaySettings.dedicated(physical, a.get("physical-ip"), a.get("default-gw")));
        }
        CountDownLatch stop = new CountDownLatch(1);
        try (NodeAgent agent = new NodeAgent(b.build())) {
            Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
            agent.start();
            System.out.println("node agent started: subnet " + agent.nodeSubnet());
            stop.await();
        }
    }
}
