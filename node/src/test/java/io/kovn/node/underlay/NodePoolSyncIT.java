package io.kovn.node.underlay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.kovn.node.kube.AgentKubernetesClient;
import io.kovn.node.ovs.LocalOvs;
import io.kovn.ovn.annotations.UnderlayPool;
import io.kovn.ovn.net.Ipv4Address;
import io.kovn.ovn.net.Ipv4InterfaceAddress;
import io.kovn.ovn.net.MacAddress;
import io.kovn.testing.VmOvs;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The agent's side of the published pool, with a real VM OVS and fabric8's mock API: the Node's annotation becomes
 * the cache, changes and removals apply to free entries only, and a hostile annotation changes nothing.
 */
@Tag("integration")
class NodePoolSyncIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    /** The mock server logs every request through java.util.logging; kept referenced so the level sticks. */
    private static final Logger QUIET = Logger.getLogger("io.fabric8.mockwebserver");

    static {
        QUIET.setLevel(Level.WARNING);
    }

    private static UnderlayPool.Port port(int tag) {
        return new UnderlayPool.Port("kup-" + tag, Ipv4InterfaceAddress.parse("10.128.3." + (tag + 1) + "/24"),
                Ipv4Address.parse("10.128.3.1"), MacAddress.parse("0a:58:0a:80:03:0" + (tag + 1)), tag);
    }

    private static void annotate(KubernetesClient kube, String value) {
        kube.nodes().withName("vm1").edit(n -> new NodeBuilder(n).editMetadata()
                .addToAnnotations(UnderlayPool.ANNOTATION, value).endMetadata().build());
    }

    private static Map<String, String> cache(LocalOvs ovs) {
        Map<String, String> out = new TreeMap<>();
        ovs.externalIds().forEach((k, v) -> {
            if (k.startsWith(PoolEntry.KEY_PREFIX)) {
                out.put(k.substring(PoolEntry.KEY_PREFIX.length()), v);
            }
        });
        return out;
    }

    @Test
    void theCacheFollowsTheNodesPoolExceptWhatPodsHold() {
        KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(), false);
        server.init();
        try (VmOvs vm = VmOvs.start("psync", TIMEOUT); LocalOvs ovs = LocalOvs.connect(vm.ovsdbRemote(), TIMEOUT);
             KubernetesClient kube = server.createClient();
             KubernetesClient agent = AgentKubernetesClient.build(kube.getConfiguration(),
                     AgentKubernetesClient.serialization())) {
            kube.nodes().resource(new NodeBuilder().withNewMetadata().withName("vm1").endMetadata().build()).create();
            PortPool pool = new PortPool(ovs, TIMEOUT);
            try (NodePoolSync sync = NodePoolSync.start(agent, "vm1", pool)) {
                annotate(kube, new UnderlayPool(List.of(port(1), port(2), port(3))).toJson());
                await().atMost(TIMEOUT).until(() -> cache(ovs).size() == 3);
                assertThat(cache(ovs)).containsEntry("kup-1", "ip=10.128.3.2/24,gw=10.128.3.1,mac=0a:58:0a:80:03:02,tag=1,used=");
                assertThat(pool.read().free()).hasSize(3);

                PoolEntry held = pool.take("c1", "eth0").orElseThrow();
                assertThat(held.portId()).isEqualTo("kup-1");
                annotate(kube, new UnderlayPool(List.of(port(2), port(4))).toJson());
                await().atMost(TIMEOUT).until(() -> cache(ovs).keySet().equals(Set.of("kup-1", "kup-2", "kup-4")));
                assertThat(cache(ovs).get("kup-1")).as("held by a pod: stays until its DEL").endsWith("used=c1/eth0");

                String before = cache(ovs).toString();
                annotate(kube, "[{\"port\":\"kup-9;reboot\",\"ip\":\"10.128.3.9/24\",\"gw\":\"10.128.3.1\","
                        + "\"mac\":\"0a:58:0a:80:03:09\",\"tag\":9}]");
                await().atMost(TIMEOUT).until(() -> sync.problem().isPresent());
                assertThat(sync.problem().get()).contains("refused");
                assertThat(cache(ovs)).as("a hostile annotation changes nothing").hasToString(before);

                pool.release("c1", "eth0");
                annotate(kube, new UnderlayPool(List.of(port(2), port(4))).toJson());
                await().atMost(TIMEOUT).until(() -> cache(ovs).keySet().equals(Set.of("kup-2", "kup-4")));
                assertThat(sync.problem()).isEmpty();
            }
        } finally {
            server.destroy();
        }
    }
}
