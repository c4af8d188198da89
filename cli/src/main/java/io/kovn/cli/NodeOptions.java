package io.kovn.cli;

import io.kovn.node.NodeAgentConfig;
import io.kovn.ovn.net.Ipv4Cidr;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** Settings shared by {@code kovn node} and {@code kovn minion-init}: local OVS, OVN remotes, API access, CNI. */
final class NodeOptions {
    @Option(names = "--kubeconfig", description = "kubeconfig file (default: --k8s-api-server, the values stored in OVSDB, "
            + "in-cluster config or ~/.kube/config)")
    Path kubeconfig;

    @Option(names = "--k8s-api-server", description = "API server URL; stored as external_ids:k8s-api-server")
    String apiServer;

    @Option(names = "--k8s-token", description = "bearer token; stored as external_ids:k8s-api-token")
    String apiToken;

    @Option(names = "--k8s-ca-cert", description = "PEM file of the API server's CA; stored as external_ids:k8s-ca-certificate")
    Path caCert;

    @Option(names = "--ovsdb", defaultValue = "unix:/var/run/openvswitch/db.sock",
            description = "the local Open_vSwitch database (default ${DEFAULT-VALUE})")
    String ovsdb;

    @Option(names = "--sb-address", description = "OVN Southbound for ovn-controller (external_ids:ovn-remote)")
    String sbAddress;

    @Option(names = "--nb-address", description = "OVN Northbound (external_ids:ovn-nb)")
    String nbAddress;

    @Option(names = "--encap-type", defaultValue = "geneve", description = "geneve, vxlan or stt (default ${DEFAULT-VALUE})")
    String encapType;

    @Option(names = "--encap-ip", description = "tunnel endpoint address (default: the Node's InternalIP)")
    String encapIp;

    @Option(names = "--datapath-type", defaultValue = "system", description = "system or netdev (default ${DEFAULT-VALUE})")
    String datapathType;

    @Option(names = "--system-id-file", defaultValue = "/etc/openvswitch/system-id.conf",
            description = "where the stable system-id is kept (default ${DEFAULT-VALUE})")
    Path systemIdFile;

    @Option(names = "--service-cidr", split = ",", description = "service network(s), routed through the management port")
    List<String> serviceCidrs = new ArrayList<>();

    @Option(names = "--mtu", defaultValue = "1400", description = "pod interface MTU (default ${DEFAULT-VALUE})")
    int mtu;

    @Option(names = "--cni-socket", defaultValue = "/var/run/kovn/cni-server.sock", description = "default ${DEFAULT-VALUE}")
    Path cniSocket;

    @Option(names = "--cni-conf-dir", defaultValue = "/etc/cni/net.d", description = "default ${DEFAULT-VALUE}")
    Path cniConfDir;

    @Option(names = "--cni-bin-dir", defaultValue = "/opt/cni/bin", description = "default ${DEFAULT-VALUE}")
    Path cniBinDir;

    @Option(names = "--no-install-plugin", description = "do not copy kovn-cni into --cni-bin-dir")
    boolean noInstallPlugin;

    NodeAgentConfig.Builder builder(String nodeName, List<String> clusterSubnets) throws Exception {
        List<Ipv4Cidr> cluster = clusterSubnets.stream().map(Ipv4Cidr::parse).toList();
        String home = System.getProperty("kovn.home");
        return NodeAgentConfig.builder(nodeName).kubeconfig(kubeconfig).apiServer(apiServer).apiToken(apiToken)
                .caCertificate(caCert == null ? null : Files.readString(caCert)).ovsdbRemote(ovsdb).sbRemote(sbAddress)
                .nbRemote(nbAddress).encapType(encapType).encapIp(encapIp).datapathType(datapathType)
                .systemIdFile(systemIdFile).clusterSubnets(cluster)
                .serviceCidrs(serviceCidrs.stream().map(Ipv4Cidr::parse).toList()).mtu(mtu).cniSocket(cniSocket)
                .cniConfDir(cniConfDir).cniBinDir(cniBinDir)
                .cniPluginSource(noInstallPlugin || home == null ? null : Path.of(home));
    }
}
