package io.kovn.node.lab;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kovn.ovn.Names;
import io.kovn.ovn.annotations.NodeSubnets;
import io.kovn.ovn.annotations.PodNetwork;
import io.kovn.ovn.net.Ipv4Cidr;
import io.kovn.ovn.net.MacAddress;
import io.kovn.testing.OvnDaemons;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Plays the kovn controller's part for the node agent's tests and benchmark, until the real controller can be
 * used: the NB rows of a node (logical switch with its subnet, router port rtos-, switch port stor-, management
 * port k8s- with MAC {@link MacAddress#fromIpv4} of the subnet's second address) and of a pod (port
 * {@code <ns>_<pod>} with MAC and IP as addresses and port security, options:iface-id-ver = the pod's uid), and
 * the matching annotations. By ovn-nbctl,
 * one call per object; IPs are handed out from .3 up, never reused.
 */
public final class FakeControllerForTests {
    private final OvnDaemons central;
    private final KubernetesClient client;
    private final Map<String, Ipv4Cidr> subnets = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> nextHost = new java.util.concurrent.ConcurrentHashMap<>();

    public FakeControllerForTests(OvnDaemons central, KubernetesClient client) {
        this.central = central;
        this.client = client;
    }

    /** Registers the Node (as kubelet would, with its InternalIP), creates its NB rows and annotates it. */
    public void addNode(String node, String internalIp, Ipv4Cidr subnet) {
        String gwMac = MacAddress.fromIpv4(subnet.gateway());
        String mgmt = subnet.managementAddress();
        central.nbctl("--may-exist", "lr-add", Names.CLUSTER_ROUTER,
                "--", "--may-exist", "ls-add", node, "--", "set", "logical_switch", node, "other_config:subnet=" + subnet,
                "--", "--may-exist", "lrp-add", Names.CLUSTER_ROUTER, Names.routerToSwitchPort(node), gwMac,
                subnet.gateway() + "/" + subnet.prefix(),
                "--", "--may-exist", "lsp-add", node, Names.switchToRouterPort(node),
                "--", "lsp-set-type", Names.switchToRouterPort(node), "router",
                "--", "lsp-set-addresses", Names.switchToRouterPort(node), "router",
                "--", "lsp-set-options", Names.switchToRouterPort(node), "router-port=" + Names.routerToSwitchPort(node),
                "--", "--may-exist", "lsp-add", node, Names.managementPort(node),
                "--", "lsp-set-addresses", Names.managementPort(node), MacAddress.fromIpv4(mgmt) + " " + mgmt);
        subnets.put(node, subnet);
        nextHost.put(node, new AtomicInteger(3));
        client.nodes().resource(new NodeBuilder().withNewMetadata().withName(node)
                .addToAnnotations(NodeSubnets.ANNOTATION, new NodeSubnets(List.of(subnet)).toJson()).endMetadata()
                .withNewStatus().addNewAddress().withType("InternalIP").withAddress(internalIp).endAddress().endStatus()
                .build()).create();
    }

    /** Creates the pod scheduled to {@code node}; with {@code network}, also its port and annotation. */
    public Pod addPod(String node, String namespace, String name, boolean network) {
        Pod pod = client.pods().inNamespace(namespace).resource(new PodBuilder().withNewMetadata().withName(name)
                .withNamespace(namespace).endMetadata().withNewSpec().withNodeName(node).addNewContainer()
                .withName("c").withImage("pause").endContainer().endSpec().build()).create();
        if (network) {
            connect(node, namespace, name);
        }
        return pod;
    }

    /** Creates the pod's logical switch port and writes its pod-networks annotation. */
    public PodNetwork connect(String node, String namespace, String name) {
        return connect(node, namespace, name, true);
    }

    /** Without {@code withPort} only the annotation is written: ovn-controller will never install the port. */
    public PodNetwork connect(String node, String namespace, String name, boolean withPort) {
        return connect(node, namespace, name, withPort, List.of());
    }

    /**
     * The port and annotation, but the port is requested by another chassis: OVN has the pod's address (the agent
     * plumbs it) and ovn-controller here never installs the port, so an ADD waits for ovn-installed.
     */
    public PodNetwork connectForAnotherChassis(String node, String namespace, String name) {
        return connect(node, namespace, name, true, List.of("requested-chassis=another-chassis"));
    }

    private PodNetwork connect(String node, String namespace, String name, boolean withPort, List<String> options) {
        Ipv4Cidr subnet = subnets.get(node);
        int ip = subnet.address(nextHost.get(node).getAndIncrement());
        String addr = MacAddress.fromIpv4(ip) + " " + Ipv4Cidr.format(ip);
        String lsp = Names.podPort(namespace, name);
        if (withPort) {
            String uid = client.pods().inNamespace(namespace).withName(name).get().getMetadata().getUid();
            List<String> args = new ArrayList<>(List.of("--may-exist", "lsp-add", node, lsp,
                    "--", "lsp-set-addresses", lsp, addr, "--", "lsp-set-port-security", lsp, addr,
                    "--", "lsp-set-options", lsp, "iface-id-ver=" + uid));
            args.addAll(options);
            central.nbctl(args.toArray(String[]::new));
        }
        PodNetwork net = PodNetwork.of(subnet, ip);
        client.pods().inNamespace(namespace).withName(name).edit(p -> new PodBuilder(p).editMetadata()
                .addToAnnotations(PodNetwork.ANNOTATION, net.toJson()).endMetadata().build());
        return net;
    }

    /** Deletes the pod from the API and its logical switch port. */
    public void deletePod(String namespace, String name) {
        client.pods().inNamespace(namespace).withName(name).delete();
        central.nbctl("--if-exists", "lsp-del", Names.podPort(namespace, name));
    }
}
