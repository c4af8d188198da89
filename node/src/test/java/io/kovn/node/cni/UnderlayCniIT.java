package io.kovn.node.cni;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import io.kovn.node.host.HostCommands;
import io.kovn.node.ovs.LocalOvs;
import io.kovn.node.underlay.PoolEntry;
import io.kovn.node.underlay.PortPool;
import io.kovn.testing.Netns;
import io.kovn.testing.VmOvs;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Underlay mode in a worker VM with real OVS and no OVN: a namespace with its own ovsdb-server and ovs-vswitchd
 * (userspace datapath), the bridge br-int whose uplink is a veth to a "hypervisor" namespace whose own OVS has an
 * access port of VLAN 101 (this kernel has no 8021q module for VLAN devices). The pool of three ports is seeded as the control plane would,
 * with ovs-vsctl into the VM's Open_vSwitch external_ids.
 */
@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UnderlayCniIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(15);
    private static final String CONFIG = "{\"cniVersion\":\"1.0.0\",\"name\":\"kovn\",\"type\":\"kovn-cni\"}";

    private VmOvs vm;
    /** Stands for the hypervisor's side of the VM's vNIC: a bridge with an access port of VLAN 101. */
    private VmOvs hypervisor;
    private LocalOvs ovs;
    private UnderlayCniHandler handler;
    private final List<CniRequest> added = new ArrayList<>();
    private final Map<String, Netns> sandboxes = new ConcurrentHashMap<>();

    @BeforeAll
    void startVm() {
        vm = VmOvs.start("vm1", TIMEOUT);
        vm.vsctl("add-br", "br-int", "--", "set", "bridge", "br-int", "datapath_type=netdev");
        hypervisor = VmOvs.start("hv1", TIMEOUT);
        hypervisor.vsctl("add-br", "br-hv", "--", "set", "bridge", "br-hv", "datapath_type=netdev");
        vm.netns().ip("link", "add", "uplink", "type", "veth", "peer", "name", "vnic", "netns",
                hypervisor.netns().name());
        vm.netns().ip("link", "set", "uplink", "up");
        hypervisor.netns().ip("link", "set", "vnic", "up");
        vm.vsctl("add-port", "br-int", "uplink");
        hypervisor.vsctl("add-port", "br-hv", "vnic");
        hypervisor.vsctl("add-port", "br-hv", "vlan101", "tag=101", "--", "set", "interface", "vlan101",
                "type=internal");
        hypervisor.netns().ip("link", "set", "vlan101", "up");
        ovs = LocalOvs.connect(vm.ovsdbRemote(), TIMEOUT);
        PodPlumber plumber = new PodPlumber(new HostCommands(vm.netns().path()), ovs, 1500, true);
        handler = new UnderlayCniHandler(plumber, ovs, new PortPool(ovs, TIMEOUT), "br-int", TIMEOUT);
    }

    @AfterAll
    void stopVm() {
        if (ovs != null) {
            ovs.close();
        }
        if (hypervisor != null) {
            hypervisor.close();
        }
        if (vm != null) {
            vm.close();
        }
    }

    /** Each test starts with no pods and a fresh pool of three free ports, tags 101-103, in 10.0.1.0/29. */
    @BeforeEach
    void seedPool() throws CniFailure {
        for (CniRequest add : added) {
            handler.handle(request("DEL", add.containerId(), add.netns(), add.podName()));
        }
        added.clear();
        for (String key : ovs.externalIds().keySet()) {
            if (key.startsWith(PoolEntry.KEY_PREFIX)) {
                vm.vsctl("remove", "Open_vSwitch", ".", "external_ids", key);
            }
        }
        for (int i = 1; i <= 3; i++) {
            seed("port-" + i, "ip=10.0.1." + (i + 2) + "/29,gw=10.0.1.1,mac=fa:16:3e:00:01:0" + i + ",tag=" + (100 + i)
                    + ",used=");
        }
        await().atMost(TIMEOUT).until(() -> new PortPool(ovs, TIMEOUT).read().free().size() == 3);
    }

    private void seed(String portId, String value) {
        vm.vsctl("set", "Open_vSwitch", ".", "external_ids:" + PoolEntry.KEY_PREFIX + portId + "=\"" + value + "\"");
    }

    private String cached(String portId) {
        return vm.vsctl("get", "Open_vSwitch", ".", "external_ids:" + PoolEntry.KEY_PREFIX + portId).replace("\"", "");
    }

    private static CniRequest request(String command, String containerId, Path netns, String pod) {
        return new CniRequest(command, containerId, netns, "eth0",
                Map.of("K8S_POD_NAMESPACE", "default", "K8S_POD_NAME", pod), CniRequest.JSON.readTree(CONFIG));
    }

    private ObjectNode add(String pod) throws CniFailure {
        Netns sandbox = vm.createPod(pod);
        sandboxes.put(pod, sandbox);
        CniRequest req = request("ADD", "c-" + pod, sandbox.path(), pod);
        ObjectNode result = handler.handle(req);
        synchronized (added) {
            added.add(req);
        }
        return result;
    }

    private static String podIp(JsonNode result) {
        return result.path("ips").get(0).path("address").asString();
    }

    @Test
    void addGivesEachPodAPooledPortItsTagItsAddressesAndMarksItUsed() throws CniFailure {
        ObjectNode a = add("pa");
        ObjectNode b = add("pb");

        assertThat(podIp(a)).isEqualTo("10.0.1.3/29");
        assertThat(podIp(b)).isEqualTo("10.0.1.4/29");
        assertThat(a.path("routes").get(0).path("gw").asString()).isEqualTo("10.0.1.1");
        String vethA = VethNames.hostVeth("c-pa", "eth0");
        assertThat(vm.vsctl("get", "Port", vethA, "tag")).isEqualTo("101");
        assertThat(vm.vsctl("get", "Port", VethNames.hostVeth("c-pb", "eth0"), "tag")).isEqualTo("102");
        assertThat(vm.vsctl("port-to-br", vethA)).isEqualTo("br-int");
        assertThat(vm.vsctl("get", "Interface", vethA, "external_ids:\"kovn.io/underlay-port\"")).contains("port-1");
        Netns podA = sandboxes.get("pa");
        assertThat(podA.ip("-o", "-4", "addr", "show", "dev", "eth0")).contains("10.0.1.3/29");
        assertThat(podA.ip("link", "show", "dev", "eth0")).contains("fa:16:3e:00:01:01");
        assertThat(podA.ip("route", "show", "default")).contains("via 10.0.1.1");
        assertThat(cached("port-1")).endsWith("used=c-pa/eth0");
        assertThat(cached("port-2")).endsWith("used=c-pb/eth0");
        assertThat(cached("port-3")).endsWith("used=");

        // the pod's frames leave the VM tagged 101: only the hypervisor's VLAN 101 reaches it
        hypervisor.netns().ip("addr", "add", "10.0.1.1/29", "dev", "vlan101");
        try {
            podA.exec("ping", "-c", "1", "-W", "2", "10.0.1.1");
            hypervisor.netns().exec("ping", "-c", "1", "-W", "2", "10.0.1.3");
            assertThat(sandboxes.get("pb").run(List.of("ping", "-c", "1", "-W", "1", "10.0.1.1")).ok())
                    .as("pod b (tag 102) does not reach VLAN 101").isFalse();
        } finally {
            hypervisor.netns().ip("addr", "del", "10.0.1.1/29", "dev", "vlan101");
        }
    }

    @Test
    void concurrentAddsNeverShareAnEntryAndAnExhaustedPoolSaysTryAgainLater() throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(3);
        List<Future<ObjectNode>> results = new ArrayList<>();
        try {
            for (String pod : List.of("c1", "c2", "c3")) {
                Callable<ObjectNode> call = () -> add(pod);
                results.add(threads.submit(call));
            }
            Set<String> ips = new HashSet<>();
            for (Future<ObjectNode> r : results) {
                ips.add(podIp(r.get()));
            }
            assertThat(ips).containsExactlyInAnyOrder("10.0.1.3/29", "10.0.1.4/29", "10.0.1.5/29");
        } finally {
            threads.shutdownNow();
        }
        Set<String> users = new HashSet<>();
        for (int i = 1; i <= 3; i++) {
            users.add(cached("port-" + i).replaceAll(".*used=", ""));
        }
        assertThat(users).containsExactlyInAnyOrder("c-c1/eth0", "c-c2/eth0", "c-c3/eth0");

        for (String pod : List.of("c4", "c5")) {
            CniFailure f = catchThrowableOfType(CniFailure.class, () -> add(pod));
            assertThat(f.code()).isEqualTo(CniFailure.TRY_AGAIN_LATER);
            assertThat(f.getMessage()).contains("underlay port pool of this VM is exhausted").contains("all 3");
            assertThat(vm.netns().run(List.of("ip", "link", "show", VethNames.hostVeth("c-" + pod, "eth0"))).ok())
                    .as("nothing plumbed for " + pod).isFalse();
        }

        CniRequest first = added.stream().filter(r -> r.podName().equals("c1")).findFirst().orElseThrow();
        String freed = podIp(results.get(0).get());
        handler.handle(request("DEL", first.containerId(), first.netns(), first.podName()));
        added.remove(first);
        assertThat(vm.netns().run(List.of("ip", "link", "show", VethNames.hostVeth(first.containerId(), "eth0"))).ok())
                .isFalse();
        assertThat(podIp(add("c6"))).isEqualTo(freed);
    }

    @Test
    void restartingTheVmsOvsKeepsTheCacheAndThePodsTaggedPortsWorking() throws Exception {
        add("r1");
        add("r2");
        String veth = VethNames.hostVeth("c-r1", "eth0");
        vm.restartOvs();

        assertThat(cached("port-1")).endsWith("used=c-r1/eth0");
        assertThat(cached("port-2")).endsWith("used=c-r2/eth0");
        assertThat(vm.vsctl("get", "Port", veth, "tag")).isEqualTo("101");
        hypervisor.netns().ip("addr", "add", "10.0.1.1/29", "dev", "vlan101");
        try {
            await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(500)).until(() -> sandboxes.get("r1")
                    .run(List.of("ping", "-c", "1", "-W", "1", "10.0.1.1")).ok());
        } finally {
            hypervisor.netns().ip("addr", "del", "10.0.1.1/29", "dev", "vlan101");
        }
        await().atMost(TIMEOUT).until(() -> ovs.isConnected()
                && new PortPool(ovs, TIMEOUT).read().free().size() == 1);
        assertThat(podIp(add("r3"))).isEqualTo("10.0.1.5/29");
        CniFailure f = catchThrowableOfType(CniFailure.class, () -> add("r4"));
        assertThat(f.code()).isEqualTo(CniFailure.TRY_AGAIN_LATER);
    }

    @Test
    void malformedEntriesAreNeverHandedOut() throws CniFailure {
        seed("bad-tag", "ip=10.0.1.6/29,gw=10.0.1.1,mac=fa:16:3e:00:01:06,tag=4095,used=");
        seed("dup-tag", "ip=10.0.1.6/29,gw=10.0.1.1,mac=fa:16:3e:00:01:07,tag=103,used=");
        await().atMost(TIMEOUT).until(() -> new PortPool(ovs, TIMEOUT).read().refused().size() == 3);
        ObjectNode a = add("m1");
        ObjectNode b = add("m2");
        assertThat(List.of(podIp(a), podIp(b))).containsExactly("10.0.1.3/29", "10.0.1.4/29");
        CniFailure f = catchThrowableOfType(CniFailure.class, () -> add("m3"));
        assertThat(f.code()).isEqualTo(CniFailure.TRY_AGAIN_LATER);
        assertThat(f.details()).contains("3 cached entries are refused").contains("4095");
    }

    private static CniRequest networkWide(String command, String validAttachments) {
        return new CniRequest(command, "", null, "", Map.of(), CniRequest.JSON.readTree("{\"cniVersion\":\"1.1.0\","
                + "\"name\":\"kovn\",\"type\":\"kovn-cni\",\"cni.dev/valid-attachments\":[" + validAttachments + "]}"));
    }

    private CniRequest check(String pod, ObjectNode prevResult) {
        ObjectNode config = (ObjectNode) CniRequest.JSON.readTree(CONFIG);
        config.set("prevResult", prevResult);
        return new CniRequest("CHECK", "c-" + pod, sandboxes.get(pod).path(), "eth0",
                Map.of("K8S_POD_NAMESPACE", "default", "K8S_POD_NAME", pod), config);
    }

    @Test
    void checkPassesForAPluggedPodAndNamesWhatIsWrongOnceItsTagAddressOrPoolEntryChanges() throws CniFailure {
        ObjectNode result = add("k1");
        String veth = VethNames.hostVeth("c-k1", "eth0");
        assertThat(handler.handle(check("k1", result))).isNull();

        vm.vsctl("set", "Port", veth, "tag=999");
        await().atMost(TIMEOUT).until(() -> ovs.port(veth).flatMap(p -> p.tag()).orElse(0L) == 999L);
        CniFailure wrongTag = catchThrowableOfType(CniFailure.class, () -> handler.handle(check("k1", result)));
        assertThat(wrongTag.code()).isEqualTo(CniFailure.SETUP_FAILED);
        assertThat(wrongTag.getMessage()).contains("default/k1").contains("VLAN tag 999, not 101");
        vm.vsctl("set", "Port", veth, "tag=101");
        await().atMost(TIMEOUT).until(() -> ovs.port(veth).flatMap(p -> p.tag()).orElse(0L) == 101L);

        sandboxes.get("k1").ip("addr", "del", "10.0.1.3/29", "dev", "eth0");
        CniFailure noAddress = catchThrowableOfType(CniFailure.class, () -> handler.handle(check("k1", result)));
        assertThat(noAddress.getMessage()).contains("lacks address 10.0.1.3/29");
        sandboxes.get("k1").ip("addr", "add", "10.0.1.3/29", "dev", "eth0");
        assertThat(handler.handle(check("k1", result))).isNull();

        seed("port-1", "ip=10.0.1.3/29,gw=10.0.1.1,mac=fa:16:3e:00:01:01,tag=101,used=");
        await().atMost(TIMEOUT).until(() -> new PortPool(ovs, TIMEOUT).read().free().size() == 3);
        CniFailure freed = catchThrowableOfType(CniFailure.class, () -> handler.handle(check("k1", result)));
        assertThat(freed.code()).isEqualTo(CniFailure.SETUP_FAILED);
        assertThat(freed.getMessage()).contains("no entry of the underlay pool is marked used by c-k1/eth0");
    }

    @Test
    void statusIsFineWithAPoolEvenAnExhaustedOneAndCode50WithAnEmptyOne() throws CniFailure {
        assertThat(handler.handle(networkWide("STATUS", ""))).isNull();
        add("s1");
        add("s2");
        add("s3");
        assertThat(handler.handle(networkWide("STATUS", ""))).as("all in use: ADD says try later, STATUS fine")
                .isNull();

        for (int i = 1; i <= 3; i++) {
            vm.vsctl("remove", "Open_vSwitch", ".", "external_ids", PoolEntry.KEY_PREFIX + "port-" + i);
        }
        seed("bad", "ip=10.0.1.6/29,gw=10.0.1.1,mac=fa:16:3e:00:01:06,tag=0,used=");
        await().atMost(TIMEOUT).until(() -> new PortPool(ovs, TIMEOUT).read().entries().isEmpty());
        CniFailure f = catchThrowableOfType(CniFailure.class, () -> handler.handle(networkWide("STATUS", "")));
        assertThat(f.code()).isEqualTo(CniFailure.PLUGIN_NOT_AVAILABLE);
        assertThat(f.getMessage()).contains("underlay port pool of this VM is empty").contains("1 refused as malformed");
    }

    @Test
    void gcRemovesThePortsOfAttachmentsTheRuntimeNoLongerHasAndFreesTheirEntries() throws CniFailure {
        add("g1");
        add("g2");
        // an ADD that died after taking its entry: no port, no veth, the entry held
        seed("port-3", "ip=10.0.1.5/29,gw=10.0.1.1,mac=fa:16:3e:00:01:03,tag=103,used=c-ghost/eth0");
        await().atMost(TIMEOUT).until(() -> new PortPool(ovs, TIMEOUT).read().free().isEmpty());

        assertThat(handler.handle(networkWide("GC", "{\"containerID\":\"c-g1\",\"ifname\":\"eth0\"}"))).isNull();

        await().atMost(TIMEOUT).until(() -> ovs.port(VethNames.hostVeth("c-g2", "eth0")).isEmpty());
        assertThat(vm.netns().run(List.of("ip", "link", "show", VethNames.hostVeth("c-g2", "eth0"))).ok()).isFalse();
        assertThat(cached("port-1")).endsWith("used=c-g1/eth0");
        assertThat(cached("port-2")).endsWith("used=");
        assertThat(cached("port-3")).endsWith("used=");
        assertThat(vm.vsctl("get", "Port", VethNames.hostVeth("c-g1", "eth0"), "tag")).isEqualTo("101");
        added.removeIf(r -> r.podName().equals("g2"));
        assertThat(podIp(add("g3"))).isEqualTo("10.0.1.4/29");
    }
}
