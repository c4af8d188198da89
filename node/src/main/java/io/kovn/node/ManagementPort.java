package io.kovn.node;

import io.kovn.node.host.HostCommands;
import io.kovn.node.ovs.LocalOvs;
import io.kovn.ovn.Names;
import io.kovn.ovn.Owners;
import io.kovn.ovn.net.HostServiceSource;
import io.kovn.ovn.net.Ipv4Cidr;
import io.kovn.ovn.net.MacAddress;
import io.kovn.ovn.vswitch.Interface;
import io.kovn.ovn.vswitch.Port;
import io.kovn.ovsdb.wire.Operation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The host's way into the pod network: OVS internal port {@code ovn-k8s-mp0} on br-int, bound to the logical
 * switch port {@code k8s-<node>}, with the node subnet's second address and routes to the cluster subnets and
 * service CIDRs via the subnet's gateway (the cluster router's port). Its MAC is derived from its address
 * ({@link MacAddress#fromIpv4}), which is also what the controller puts on the logical switch port.
 */
final class ManagementPort {
    private static final Logger log = LoggerFactory.getLogger(ManagementPort.class);
    static final String IFACE_ID = "iface-id";

    private ManagementPort() {
    }

    static void ensure(LocalOvs ovs, HostCommands host, NodeAgentConfig cfg, Ipv4Cidr nodeSubnet) {
        String dev = Names.MANAGEMENT_INTERFACE;
        String ip = nodeSubnet.managementAddress();
        String gateway = nodeSubnet.gateway();
        String mac = MacAddress.fromIpv4(ip);
        String lsp = Names.managementPort(cfg.nodeName());
        Map<String, String> ids = new LinkedHashMap<>(Owners.of(Owners.TYPE_NODE, cfg.nodeName()));
        ids.put(IFACE_ID, lsp);

        Optional<Interface> existing = ovs.iface(dev);
        boolean current = existing.isPresent() && lsp.equals(existing.get().externalIds().get(IFACE_ID))
                && existing.get().macInUse().map(mac::equals).orElse(false);
        if (!current) {
            List<Operation> ops = new ArrayList<>();
            Optional<Port> port = ovs.port(dev);
            port.ifPresent(p -> ops.addAll(ovs.deletePortOps(List.of(p))));
            ops.addAll(LocalOvs.addPortOps(Names.INTEGRATION_BRIDGE, dev, "internal", ids, Map.of(), mac, cfg.mtu()));
            ovs.transact(ops);
        }
        ovs.awaitInterface(dev, Duration.ofSeconds(20));

        String serviceSource = HostServiceSource.of(nodeSubnet);
        StringBuilder batch = new StringBuilder();
        for (String old : addresses(host, dev)) {
            if (!old.equals(ip + "/" + nodeSubnet.prefix()) && !old.equals(serviceSource + "/32")) {
                batch.append("addr del ").append(old).append(" dev ").append(dev).append('\n');
            }
        }
        batch.append("link set dev ").append(dev).append(" mtu ").append(cfg.mtu()).append(" up\n");
        batch.append("addr replace ").append(ip).append('/').append(nodeSubnet.prefix()).append(" dev ").append(dev)
                .append('\n');
        batch.append("addr replace ").append(serviceSource).append("/32 dev ").append(dev).append('\n');
        for (Ipv4Cidr cidr : cfg.clusterSubnets()) {
            batch.append("route replace ").append(cidr).append(" via ").append(gateway).append(" dev ").append(dev)
                    .append(" mtu ").append(cfg.mtu()).append('\n');
        }
        // service connections leave from the host service source address: their replies come back through
        // OVN (which undoes the load balancer's DNAT), never the kernel's short way from a local pod's veth
        for (Ipv4Cidr cidr : cfg.serviceCidrs()) {
            batch.append("route replace ").append(cidr).append(" via ").append(gateway).append(" dev ").append(dev)
                    .append(" src ").append(serviceSource).append(" mtu ").append(cfg.mtu()).append('\n');
        }
        host.runWithInput(batch.toString(), "ip", "-batch", "-");
        if (cfg.txChecksumOffloadOff()) {
            host.run("ethtool", "-K", dev, "tx", "off");
        }
        log.info("management port {} ({} {}) bound to {}, routes to {} and services {} via {}, service traffic from {}",
                dev, ip, mac, lsp, cfg.clusterSubnets(), cfg.serviceCidrs(), gateway, serviceSource);
    }

    private static List<String> addresses(HostCommands host, String dev) {
        List<String> out = new ArrayList<>();
        for (String line : host.run("ip", "-o", "-4", "addr", "show", "dev", dev).split("\n")) {
            String[] f = line.trim().split("\\s+");
            for (int i = 0; i + 1 < f.length; i++) {
                if (f[i].equals("inet")) {
                    out.add(f[i + 1]);
                }
            }
        }
        return out;
    }
}
