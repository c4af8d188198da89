package io.kovn.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.kovn.controller.ControllerConfig;
import io.kovn.controller.KovnController;
import io.kovn.ovn.net.Ipv4Cidr;
import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code kovn controller}: the cluster-wide controller (Kubernetes objects to OVN Northbound). */
@Command(name = "controller", mixinStandardHelpOptions = true,
        description = "Run the cluster-wide controller: watches Nodes, Pods, Services and EndpointSlices and writes "
                + "the logical network into the OVN Northbound database. Several may run; one leads (a Lease).")
final class ControllerCommand implements Callable<Integer> {
    @Mixin
    KubeOptions kube;

    @ArgGroup(exclusive = false, multiplicity = "1", heading = "OVN Northbound database:%n")
    NbOptions nb;

    @Option(names = "--cluster-subnet", defaultValue = ControllerConfig.DEFAULT_CLUSTER_SUBNET,
            description = "pod network, carved into node subnets (default ${DEFAULT-VALUE})")
    String clusterSubnet;

    @Option(names = "--node-subnet-prefix", defaultValue = "24", description = "prefix length of node subnets (default ${DEFAULT-VALUE})")
    int nodeSubnetPrefix;

    @Option(names = "--service-cidr", defaultValue = ControllerConfig.DEFAULT_SERVICE_CIDR,
            description = "service network (default ${DEFAULT-VALUE})")
    String serviceCidr;

    @Option(names = "--join-subnet", defaultValue = ControllerConfig.DEFAULT_JOIN_SUBNET,
            description = "join switch network for gateway routers (default ${DEFAULT-VALUE})")
    String joinSubnet;

    @Option(names = "--metrics-port", defaultValue = "9410", description = "port of /metrics and /healthz; -1 disables (default ${DEFAULT-VALUE})")
    int metricsPort;

    @Option(names = "--metrics-bind-address", converter = IpLiteral.class,
            description = "address /metrics and /healthz listen on, e.g. 127.0.0.1 (default: all addresses)")
    InetAddress metricsBindAddress;

    @Option(names = "--leader-election", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "compete for a coordination.k8s.io Lease before writing (default ${DEFAULT-VALUE})")
    boolean leaderElection;

    @Option(names = "--lease-namespace", defaultValue = "kube-system", description = "namespace of the Lease (default ${DEFAULT-VALUE})")
    String leaseNamespace;

    @Option(names = "--identity", description = "this instance's name in the Lease (default: host name + pid)")
    String identity;

    @Option(names = "--batch-size", defaultValue = "500", description = "most objects per NB transaction (default ${DEFAULT-VALUE})")
    int batchSize;

    @Override
    public Integer call() throws Exception {
        String id = identity != null ? identity : InetAddress.getLocalHost().getHostName() + "-" + ProcessHandle.current().pid();
        ControllerConfig config = new ControllerConfig(nb.address, nb.tls(), Ipv4Cidr.parse(clusterSubnet), nodeSubnetPrefix,
                Ipv4Cidr.parse(serviceCidr), Ipv4Cidr.parse(joinSubnet), metricsPort, metricsBindAddress, leaderElection,
                leaseNamespace, id, batchSize, Duration.ofMinutes(10), ControllerConfig.DEFAULT_SYNC_TIMEOUT);
        CountDownLatch stop = new CountDownLatch(1);
        try (KubernetesClient client = kube.client(); KovnController controller = new KovnController(config, client)) {
            Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
            controller.start();
            stop.await();
        }
        return 0;
    }
}
