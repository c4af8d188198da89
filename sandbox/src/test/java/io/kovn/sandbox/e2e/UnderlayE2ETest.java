package io.kovn.sandbox.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.kovn.ovn.annotations.UnderlayPool;
import io.kovn.sandbox.SandboxExec;
import io.kovn.sandbox.SandboxStatus;
import io.kovn.sandbox.UnderlaySandbox;
import io.kovn.sandbox.demo.Probe;
import io.kovn.sandbox.standins.RuntimePod;
import io.kovn.sandbox.state.SandboxState;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.parallel.ResourceLock;
import tools.jackson.databind.JsonNode;

/**
 * Underlay mode end to end (docs/underlay.md): pods in VMs on two hypervisors take pooled child ports of their VM's
 * port and talk by IP through the cloud's OVN; a standalone VM and a physical host reach them by their IPs; NB shows
 * parent_name and tag for every pod's port; a pod reaches a Service's ClusterIP through the load balancer the
 * controller put on the pod switches; a security profile allowing only TCP 8080 is enforced, and changing the pod's
 * annotation changes traffic (an unknown profile: an Event and no traffic); an exhausted pool gives CNI's try-later
 * and recovers when it grows; a VM's OVS restarted keeps its pool cache and pods; {@code kovn sandbox status} shows
 * the VMs' pools and the pods, and {@code kovn sandbox exec} runs in a pod.
 */
@Tag("integration")
@Tag("e2e")
@ResourceLock("kovn-sandbox")
@ExtendWith(SharedUnderlaySandbox.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class UnderlayE2ETest {
    private static final String NS = "e2e-underlay";
    private static final Duration READY = Duration.ofSeconds(60);

    @BeforeAll
    static void namespace() {
        SharedUnderlaySandbox.sandbox().ensureNamespace(NS);
    }

    @AfterAll
    static void cleanUp() {
        UnderlaySandbox s = SharedUnderlaySandbox.sandbox();
        s.client().services().inNamespace(NS).delete();
        s.client().pods().inNamespace(NS).delete();
        s.client().nodes().withName("vm1").edit(n -> new NodeBuilder(n).editMetadata()
                .removeFromAnnotations(UnderlayPool.POOL_SIZE).endMetadata().build());
    }

    private static void pod(String name, String vm) {
        SharedUnderlaySandbox.sandbox().client().pods().inNamespace(NS).resource(new PodBuilder().withNewMetadata()
                .withName(name).withNamespace(NS).endMetadata().withNewSpec().withNodeName(vm).addNewContainer()
                .withName("echo").addNewPort().withName("http").withContainerPort(Pods.TCP).endPort().endContainer()
                .endSpec().build()).create();
    }

    private static RuntimePod ready(String name) {
        UnderlaySandbox s = SharedUnderlaySandbox.sandbox();
        await().atMost(READY).until(() -> s.pod(NS, name).map(RuntimePod::ip).isPresent());
        return s.pod(NS, name).orElseThrow();
    }

    private static void reaches(String from, Path netns, RuntimePod to) {
        Probe.Result ping = Probe.until(() -> Probe.ping(netns, to.ip()), Duration.ofSeconds(15));
        assertThat(ping.ok()).as("ping %s -> %s %s: %s", from, to.name(), to.ip(), ping).isTrue();
        Probe.Result tcp = Probe.until(() -> Probe.tcp(netns, to.ip(), Pods.TCP), Duration.ofSeconds(10));
        assertThat(tcp.answer()).as("TCP %s -> %s: %s", from, to.name(), tcp).isEqualTo(NS + "/" + to.name());
    }

    /** The pod's NB port is a child of its VM's port with the tag its veth has in the VM. */
    static void childPortOf(String vm, RuntimePod pod) {
        UnderlaySandbox s = SharedUnderlaySandbox.sandbox();
        String veth = s.vmOvs(vm, "--bare", "--columns=name", "find", "Interface",
                "external_ids:pod=" + pod.name());
        String port = s.vmOvs(vm, "get", "Interface", veth, "external_ids:\"kovn.io/underlay-port\"").replace("\"", "");
        String tag = s.vmOvs(vm, "get", "Port", veth, "tag");
        assertThat(s.nbctl("get", "logical_switch_port", port, "parent_name").replace("\"", "")).isEqualTo(s.vmPort(vm));
        assertThat(s.nbctl("get", "logical_switch_port", port, "tag")).isEqualTo(tag);
        assertThat(s.nbctl("get", "logical_switch_port", port, "addresses")).contains(pod.ip());
    }

    @Test
    @Order(1)
    void podsOnTwoHypervisorsTalkAndTheStandaloneVmAndThePhysicalHostReachThem() {
        UnderlaySandbox s = SharedUnderlaySandbox.sandbox();
        assertThat(s.hypervisorOf("vm1")).isNotEqualTo(s.hypervisorOf("vm2"));
        pod("a", "vm1");
        pod("b", "vm2");
        RuntimePod a = ready("a");
        RuntimePod b = ready("b");

        reaches("a", a.netnsPath(), b);
        reaches("b", b.netnsPath(), a);
        reaches("standalone VM", s.standaloneVm().path(), a);
        reaches("standalone VM", s.standaloneVm().path(), b);
        reaches("physical host", s.physicalHost().path(), a);
        reaches("physical host", s.physicalHost().path(), b);
        childPortOf("vm1", a);
        childPortOf("vm2", b);
        childPortsAreThePools();
    }

    /** Every child port in NB is a pool port of the back end: here kovn's own rows, owned by their Node. */
    void childPortsAreThePools() {
        assertThat(SharedUnderlaySandbox.sandbox().nbctl("--bare", "--columns=name", "find", "logical_switch_port",
                "parent_name!=[]", "external_ids:\"kovn.io/owner-type\"!=Node"))
                .as("every child port is kovn's, owned by its Node").isEmpty();
    }

    /** The cloud's admin defines the profile {@code web-only}, admitting only TCP {@link Pods#TCP}: here a port group. */
    void defineWebOnlyProfile() {
        UnderlaySandbox s = SharedUnderlaySandbox.sandbox();
        s.nbctl("pg-add", "web_only", "--", "set", "port_group", "web_only",
                "external_ids:\"kovn.io/security-profile\"=web-only");
        s.nbctl("acl-add", "web_only", "to-lport", "1002", "outport == @web_only && ip4 && tcp.dst == " + Pods.TCP,
                "allow-related");
        s.nbctl("acl-add", "web_only", "to-lport", "1001", "outport == @web_only && ip4", "drop");
    }

    @Test
    @Order(2)
    void aPodReachesAServiceByItsClusterIpThroughTheMasterOnlyLoadBalancer() {
        UnderlaySandbox s = SharedUnderlaySandbox.sandbox();
        s.client().pods().inNamespace(NS).withName("b").edit(p -> new PodBuilder(p).editMetadata()
                .addToLabels("app", "web").endMetadata().build());
        s.client().services().inNamespace(NS).resource(new ServiceBuilder().withNewMetadata().withName("web")
                .withNamespace(NS).endMetadata().withNewSpec().addToSelector("app", "web").addNewPort().withName("http")
                .withProtocol("TCP").withPort(80).withNewTargetPort(Pods.TCP).endPort().endSpec().build()).create();
        await().atMost(READY).until(() -> {
            Service svc = s.client().services().inNamespace(NS).withName("web").get();
            return svc.getSpec().getClusterIP() != null && !svc.getSpec().getClusterIP().isEmpty();
        });
        String vip = s.client().services().inNamespace(NS).withName("web").get().getSpec().getClusterIP();
        RuntimePod a = s.pod(NS, "a").orElseThrow();
        Probe.Result tcp = Probe.until(() -> Probe.tcp(a.netnsPath(), vip, 80), Duration.ofSeconds(30));
        assertThat(tcp.answer()).as("TCP a -> web %s:80: %s", vip, tcp).isEqualTo(NS + "/b");
        assertThat(s.nbctl("get", "load_balancer", "Service_" + NS + "/web_TCP", "vips")).contains(vip + ":80");
    }

    @Test
    @Order(3)
    void aSecurityProfileAllowingOnlyTcp8080IsEnforcedAndChangingTheAnnotationChangesTraffic() {
        UnderlaySandbox s = SharedUnderlaySandbox.sandbox();
        defineWebOnlyProfile();
        s.client().pods().inNamespace(NS).resource(new PodBuilder().withNewMetadata().withName("guarded")
                .withNamespace(NS).addToAnnotations("kovn.io/security-profiles", "web-only").endMetadata().withNewSpec()
                .withNodeName("vm2").addNewContainer().withName("echo").addNewPort().withName("http")
                .withContainerPort(Pods.TCP).endPort().endContainer().endSpec().build()).create();
        RuntimePod guarded = ready("guarded");
        RuntimePod a = s.pod(NS, "a").orElseThrow();

        await().atMost(READY).until(() -> !Probe.ping(a.netnsPath(), guarded.ip()).ok());
        Probe.Result tcp = Probe.until(() -> Probe.tcp(a.netnsPath(), guarded.ip(), Pods.TCP), Duration.ofSeconds(15));
        assertThat(tcp.answer()).as("TCP 8080 is allowed: %s", tcp).isEqualTo(NS + "/guarded");

        s.client().pods().inNamespace(NS).withName("guarded").edit(p -> new PodBuilder(p).editMetadata()
                .removeFromAnnotations("kovn.io/security-profiles").endMetadata().build());
        Probe.Result ping = Probe.until(() -> Probe.ping(a.netnsPath(), guarded.ip()), Duration.ofSeconds(30));
        assertThat(ping.ok()).as("without the profile the port is open again: %s", ping).isTrue();

        s.client().pods().inNamespace(NS).withName("guarded").edit(p -> new PodBuilder(p).editMetadata()
                .addToAnnotations("kovn.io/security-profiles", "no-such-profile").endMetadata().build());
        await().atMost(READY).until(() -> s.client().v1().events().inNamespace(NS).list().getItems().stream()
                .anyMatch(e -> "UnknownSecurityProfile".equals(e.getReason())
                        && "guarded".equals(e.getInvolvedObject().getName())));
        await().atMost(READY).until(() -> !Probe.tcp(a.netnsPath(), guarded.ip(), Pods.TCP).ok());
        s.client().pods().inNamespace(NS).withName("guarded").delete();
        await().atMost(READY).until(() -> s.pod(NS, "guarded").isEmpty());
    }

    @Test
    @Order(4)
    void anExhaustedPoolGivesTryLaterAndRecoversWhenThePoolGrows() {
        UnderlaySandbox s = SharedUnderlaySandbox.sandbox();
        for (int i = 1; i < SharedUnderlaySandbox.POOL_SIZE; i++) {
            pod("c" + i, "vm1");
            ready("c" + i);
        }
        pod("over", "vm1");
        await().atMost(READY).until(() -> Optional.ofNullable(s.pod(NS, "over").map(RuntimePod::lastError).orElse(null))
                .filter(e -> e.contains("code 11")).isPresent());
        assertThat(s.pod(NS, "over").orElseThrow().lastError()).contains("pool of this VM is exhausted");

        s.client().nodes().withName("vm1").edit(n -> new NodeBuilder(n).editMetadata()
                .addToAnnotations(UnderlayPool.POOL_SIZE, Integer.toString(SharedUnderlaySandbox.POOL_SIZE + 1))
                .endMetadata().build());
        RuntimePod over = ready("over");
        childPortOf("vm1", over);
        reaches("physical host", s.physicalHost().path(), over);
    }

    @Test
    @Order(5)
    void aVmRebootKeepsItsPoolCacheAndItsPodsPorts() {
        UnderlaySandbox s = SharedUnderlaySandbox.sandbox();
        RuntimePod a = ready("a");
        RuntimePod b = ready("b");
        int cached = s.cachedPorts("vm1");
        String veth = s.vmOvs("vm1", "--bare", "--columns=name", "find", "Interface", "external_ids:pod=a");
        String port = s.vmOvs("vm1", "get", "Interface", veth, "external_ids:\"kovn.io/underlay-port\"");
        String tag = s.vmOvs("vm1", "get", "Port", veth, "tag");

        s.rebootVmOvs("vm1");
        assertThat(s.cachedPorts("vm1")).as("pool ports cached in vm1 after its OVS restarted").isEqualTo(cached);
        assertThat(s.vmOvs("vm1", "get", "Interface", veth, "external_ids:\"kovn.io/underlay-port\"")).isEqualTo(port);
        assertThat(s.vmOvs("vm1", "get", "Port", veth, "tag")).isEqualTo(tag);
        reaches("b", b.netnsPath(), a);
        reaches("physical host", s.physicalHost().path(), a);

        // the agent serves again: a pod deleted gives its port back, and a new one takes it
        s.client().pods().inNamespace(NS).withName("c1").withGracePeriod(0).delete();
        await().atMost(READY).until(() -> s.pod(NS, "c1").isEmpty());
        pod("rebooted", "vm1");
        RuntimePod rebooted = ready("rebooted");
        childPortOf("vm1", rebooted);
        reaches("b", b.netnsPath(), rebooted);
    }

    @Test
    @Order(6)
    void sandboxStatusShowsTheVmsPoolsAndPodsAndExecRunsInAPod() throws Exception {
        UnderlaySandbox s = SharedUnderlaySandbox.sandbox();
        RuntimePod a = ready("a");
        ByteArrayOutputStream json = new ByteArrayOutputStream();
        SandboxStatus.status(s.stateDir(), true, new PrintStream(json, true, StandardCharsets.UTF_8));
        JsonNode r = SandboxState.json().readTree(json.toString(StandardCharsets.UTF_8));

        assertThat(r.path("mode").asString()).isEqualTo("underlay");
        assertThat(r.path("running").asBoolean()).isTrue();
        Map<String, JsonNode> vms = new HashMap<>();
        r.path("vms").forEach(v -> vms.put(v.path("name").asString(), v));
        assertThat(vms).containsOnlyKeys("vm1", "vm2");
        for (String vm : List.of("vm1", "vm2")) {
            JsonNode v = vms.get(vm);
            assertThat(v.path("hypervisor").asString()).isEqualTo(s.hypervisorOf(vm));
            assertThat(v.path("agent").path("alive").asBoolean()).as("agent of %s", vm).isTrue();
            JsonNode pool = v.path("pool");
            assertThat(pool.path("free").asInt() + pool.path("used").asInt()).as("pool of %s", vm)
                    .isEqualTo(s.cachedPorts(vm));
            long podsOnVm = s.client().pods().inNamespace(NS).list().getItems().stream()
                    .filter(p -> vm.equals(p.getSpec().getNodeName()) && s.pod(NS, p.getMetadata().getName()).isPresent())
                    .count();
            assertThat(pool.path("used").asLong()).as("entries used in %s", vm).isEqualTo(podsOnVm);
        }
        assertThat(r.path("pods")).anySatisfy(p -> {
            assertThat(p.path("name").asString()).isEqualTo("a");
            assertThat(p.path("node").asString()).isEqualTo("vm1");
            assertThat(p.path("ip").asString()).isEqualTo(a.ip());
        });
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        SandboxStatus.status(s.stateDir(), false, new PrintStream(text, true, StandardCharsets.UTF_8));
        assertThat(text.toString(StandardCharsets.UTF_8)).contains("underlay mode").contains("POOL (FREE/USED/REFUSED)")
                .containsPattern("vm1 +hv1 +10\\.98\\.0\\.11");

        String hasIp = "ip -o -4 addr show dev eth0 | grep -qF ' %s/'";
        assertThat(SandboxExec.exec(s.stateDir(), NS, "a", List.of("sh", "-c", String.format(hasIp, a.ip()))))
                .as("exec runs in pod a's namespace, which has its IP").isZero();
        assertThat(SandboxExec.exec(s.stateDir(), NS, "a", List.of("sh", "-c", String.format(hasIp, "10.255.255.1"))))
                .isEqualTo(1);
    }
}
