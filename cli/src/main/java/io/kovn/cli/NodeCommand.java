package io.kovn.cli;

import io.kovn.controller.ControllerConfig;
import io.kovn.node.NodeAgent;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code kovn node}: the per-node agent. */
@Command(name = "node", mixinStandardHelpOptions = true,
        description = "Run the node agent: points the local OVS at OVN, owns br-int and the management port "
                + "ovn-k8s-mp0, installs the CNI config and plugin, serves CNI requests for this node's pods and "
                + "removes leftovers of deleted pods. With --physical-interface or --bridge-interface it is also a gateway "
                + "node: it sets up the bridge, publishes the gateway annotations and keeps the bridge's flows.")
final class NodeCommand implements Callable<Integer> {
    @Option(names = "--node-name", required = true, description = "the Kubernetes Node this agent serves")
    String nodeName;

    @Option(names = "--cluster-subnet", split = ",", description = "pod network(s), routed from the host through the "
            + "management port (default " + ControllerConfig.DEFAULT_CLUSTER_SUBNET + ")")
    List<String> clusterSubnets = new ArrayList<>();

    @Option(names = "--metrics-port", defaultValue = "9411",
            description = "port of /metrics (Prometheus: CNI requests by command and result, leftovers removed) and "
                    + "/healthz; -1 disables (default ${DEFAULT-VALUE})")
    int metricsPort;

    @Option(names = "--metrics-bind-address", converter = IpLiteral.class,
            description = "address /metrics and /healthz listen on, e.g. 127.0.0.1 (default: all addresses)")
    InetAddress metricsBindAddress;

    @Mixin
    NodeOptions options;

    @Mixin
    GatewayOptions gateway;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        List<String> cluster = clusterSubnets.isEmpty() ? List.of(ControllerConfig.DEFAULT_CLUSTER_SUBNET) : clusterSubnets;
        CountDownLatch stop = new CountDownLatch(1);
        try (NodeAgent agent = new NodeAgent(options.builder(nodeName, cluster).gateway(gateway.settings(spec.commandLine())).metricsPort(metricsPort)
                .metricsBindAddress(metricsBindAddress).build())) {
            Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
            agent.start();
            stop.await();
        }
        return 0;
    }
}
