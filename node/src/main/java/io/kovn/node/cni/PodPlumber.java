package io.kovn.node.cni;

import io.kovn.node.host.CommandException;
import io.kovn.node.host.HostCommands;
import io.kovn.node.ovs.LocalOvs;
import io.kovn.ovn.Names;
import io.kovn.ovn.Owners;
import io.kovn.ovn.annotations.PodNetwork;
import io.kovn.ovn.net.Ipv4InterfaceAddress;
import io.kovn.ovn.vswitch.Interface;
import io.kovn.ovn.vswitch.Port;
import io.kovn.ovsdb.replica.DatabaseReplica;
import io.kovn.ovsdb.wire.Operation;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The host plumbing of one pod interface: a veth pair (pod end in the sandbox with the annotated MAC, IP, MTU
 * and default route), the host end plugged into br-int with the external_ids ovn-controller binds it by, and
 * the reverse. Three short commands and one OVSDB transaction per ADD; the pod's side and the OVS side are
 * independent once the pair exists, so the handler runs them at the same time.
 */
public final class PodPlumber {
    /** external_ids keys on the OVS interface besides {@link Owners#pod}. */
    static final String IFACE_ID = "iface-id";
    static final String IFACE_ID_VER = "iface-id-ver";
    static final String SANDBOX = "sandbox";
    static final String IF_NAME = "kovn.io/ifname";
    /** The CNI network (configuration name) the attachment belongs to; GC of that network looks at it. */
    static final String NETWORK = "kovn.io/network";
    static final String IP_ADDRESSES = "ip_addresses";
    static final String OVN_INSTALLED = "ovn-installed";

    private final HostCommands host;
    private final LocalOvs ovs;
    private final int mtu;
    private final boolean txOffloadOff;

    public PodPlumber(HostCommands host, LocalOvs ovs, int mtu, boolean txOffloadOff) {
        this.host = host;
        this.ovs = ovs;
        this.mtu = mtu;
        this.txOffloadOff = txOffloadOff;
    }

    /**
     * Creates the veth pair, the pod's end already in the sandbox; a leftover of an earlier try is replaced. The
     * {@code -batch} text is made of typed values only (MAC, addresses), never of annotation text.
     */
    void createVeth(CniRequest req, PodNetwork net, String hostVeth, String hostMac) {
        String add = "link add " + hostVeth + " mtu " + mtu + " address " + hostMac + " type veth peer name "
                + req.ifName() + " mtu " + mtu + " address " + net.macAddress() + " netns " + req.netns() + "\n"
                + "link set " + hostVeth + " up\n";
        try {
            host.runWithInput(add, "ip", "-batch", "-");
        } catch (CommandException e) {
            if (!e.stderr().contains("File exists") || !host.linkExists(hostVeth)) {
                throw e;
            }
            host.run("ip", "link", "del", hostVeth); // the pair of a failed earlier ADD of this container
            host.runWithInput(add, "ip", "-batch", "-");
        }
    }

    /** Addresses, link up and default route inside the sandbox; transmit checksum offload off on netdev. */
    void configurePod(CniRequest req, PodNetwork net) {
        StringBuilder pod = new StringBuilder();
        for (Ipv4InterfaceAddress ip : net.ipAddresses()) {
            pod.append("addr add ").append(ip).append(" dev ").append(req.ifName()).append('\n');
        }
        pod.append("link set ").append(req.ifName()).append(" up\n");
        if (net.gatewayIp() != null) {
            pod.append("route add default via ").append(net.gatewayIp()).append(" dev ").append(req.ifName()).append('\n');
        }
        if (txOffloadOff) {
            // one process start instead of two: each costs milliseconds on the pod's start-up path
            host.runIn(req.netns(), pod.toString(), "sh", "-c", "ip -batch - && exec ethtool -K \"$1\" tx off",
                    "sh", req.ifName());
        } else {
            host.runIn(req.netns(), pod.toString(), "ip", "-batch", "-");
        }
    }

    /**
     * Plugs the host end into br-int. Ports of an earlier sandbox of the same pod go in the same transaction:
     * two interfaces claiming one iface-id would make ovn-controller flap between them.
     */
    void plug(CniRequest req, String podUid, PodNetwork net, String hostVeth) {
        String ifaceId = Names.podPort(req.podNamespace(), req.podName());
        Map<String, String> ids = new LinkedHashMap<>(Owners.pod(req.podNamespace(), req.podName(), podUid));
        ids.put(IFACE_ID, ifaceId);
        ids.put(IFACE_ID_VER, podUid);
        ids.put(SANDBOX, req.containerId());
        ids.put(IF_NAME, req.ifName());
        ids.put(NETWORK, req.networkName());
        ids.put(IP_ADDRESSES, String.join(",", net.ipAddresses().stream().map(Object::toString).toList()));
        Set<Port> stale = new LinkedHashSet<>();
        ovs.port(hostVeth).ifPresent(stale::add);
        for (Interface i : ovs.interfacesWith(IFACE_ID, ifaceId)) {
            portOf(i).ifPresent(stale::add);
        }
        List<Operation> ops = new ArrayList<>(ovs.deletePortOps(stale));
        ops.addAll(LocalOvs.addPortOps(Names.INTEGRATION_BRIDGE, hostVeth, "", ids,
                Owners.pod(req.podNamespace(), req.podName(), podUid), null, null));
        ovs.transact(ops);
    }

    /** Completes when ovn-controller has bound the port and installed its flows. */
    CompletableFuture<Void> installed(String hostVeth) {
        return ovs.await(r -> isInstalled(r, hostVeth));
    }

    static boolean isInstalled(DatabaseReplica r, String hostVeth) {
        return r.lookupOne(Interface.TABLE, Interface.NAME, hostVeth)
                .map(i -> "true".equals(i.externalIds().get(OVN_INSTALLED))).orElse(false);
    }

    /** Removes the OVS port and the veth of (container, interface); whatever is already gone is fine. */
    void remove(String containerId, String ifName) {
        String hostVeth = VethNames.hostVeth(containerId, ifName);
        Set<Port> ports = new LinkedHashSet<>();
        ovs.port(hostVeth).ifPresent(ports::add);
        for (Interface i : ovs.interfacesWith(SANDBOX, containerId)) {
            if (ifName.equals(i.externalIds().get(IF_NAME))) {
                portOf(i).ifPresent(ports::add);
            }
        }
        removePorts(ports);
        deleteVeth(hostVeth);
    }

    void removePorts(Set<Port> ports) {
        if (!ports.isEmpty()) {
            ovs.transact(ovs.deletePortOps(ports));
        }
    }

    /** Deleting the host end takes the pod end with it. */
    void deleteVeth(String hostVeth) {
        if (host.linkExists(hostVeth)) {
            try {
                host.run("ip", "link", "del", hostVeth);
            } catch (CommandException e) {
                if (host.linkExists(hostVeth)) {
                    throw e;
                }
            }
        }
    }

    /** The pod attachments on br-int (interfaces kovn plugged for a sandbox). */
    List<Interface> attachments() {
        return ovs.replica().withExternalId(Interface.TABLE, SANDBOX);
    }

    /** Why pods cannot be plumbed on {@code bridge} now, as far as the local OVS tells; empty when they can. */
    List<String> ovsProblems(String bridge) {
        if (!ovs.isConnected()) {
            return List.of("the connection to the local Open_vSwitch database is down");
        }
        if (ovs.bridge(bridge).isEmpty()) {
            return List.of("the bridge " + bridge + " is missing from the local Open_vSwitch database");
        }
        return List.of();
    }

    /** What CHECK finds wrong with the interface of a pod, or nothing. */
    List<String> problems(CniRequest req, PodNetwork net, String hostVeth) {
        List<String> problems = new ArrayList<>();
        Optional<Interface> iface = ovs.iface(hostVeth);
        String ifaceId = Names.podPort(req.podNamespace(), req.podName());
        if (iface.isEmpty()) {
            problems.add("no OVS interface " + hostVeth + " on br-int");
        } else {
            if (!ifaceId.equals(iface.get().externalIds().get(IFACE_ID))) {
                problems.add("OVS interface " + hostVeth + " has iface-id " + iface.get().externalIds().get(IFACE_ID)
                        + ", not " + ifaceId);
            }
            if (!"true".equals(iface.get().externalIds().get(OVN_INSTALLED))) {
                problems.add("ovn-controller has not installed port " + ifaceId);
            }
        }
        problems.addAll(vethProblems(req, net, hostVeth));
        return problems;
    }

    /**
     * What CHECK finds wrong with the veth pair of a pod in either mode: the host end missing, or the pod end
     * without its addresses or MAC.
     */
    List<String> vethProblems(CniRequest req, PodNetwork net, String hostVeth) {
        List<String> problems = new ArrayList<>();
        if (!host.linkExists(hostVeth)) {
            problems.add("host veth " + hostVeth + " is missing");
        }
        try {
            String addrs = host.runIn(req.netns(), null, "ip", "-o", "addr", "show", "dev", req.ifName());
            for (Ipv4InterfaceAddress ip : net.ipAddresses()) {
                if (!addrs.contains(" " + ip + " ")) {
                    problems.add(req.ifName() + " in " + req.netns() + " lacks address " + ip);
                }
            }
            String link = host.runIn(req.netns(), null, "ip", "-o", "link", "show", "dev", req.ifName());
            if (!link.contains(net.macAddress().toString())) {
                problems.add(req.ifName() + " in " + req.netns() + " does not have MAC " + net.macAddress());
            }
        } catch (CommandException e) {
            problems.add("cannot read " + req.ifName() + " in " + req.netns() + ": " + e.stderr().trim());
        }
        return problems;
    }

    private Optional<Port> portOf(Interface i) {
        return ovs.replica().list(Port.TABLE).stream().filter(p -> p.interfaces().contains(i.uuid())).findFirst();
    }
}
