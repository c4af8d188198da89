package io.kovn.bench.scale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.kovn.controller.KovnController;
import io.kovn.ovn.Databases;
import io.kovn.ovn.Owners;
import io.kovn.ovn.annotations.PodNetwork;
import io.kovn.ovn.nb.ACL;
import io.kovn.ovn.nb.AddressSet;
import io.kovn.ovn.ops.NbTables;
import io.kovn.ovsdb.client.OvsdbClient;
import io.kovn.ovsdb.model.Row;
import io.kovn.ovsdb.replica.DatabaseReplica;
import io.kovn.ovsdb.replica.RowListener;
import io.kovn.testing.OvnDaemons;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.IntPredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A named port in a NetworkPolicy resolves through address sets, one per number the name has on the pods: 1,000
 * pods exposing {@code http} (on 8080, every tenth on 9090) give one ACL with two terms, whatever the number of pods,
 * and a pod event that brings no new number changes set members only (watched on a second NB client: no ACL row
 * touched). Egress resolves the name on the peer pods. The controller is fed from memory into a real NB.
 */
@Tag("integration")
class NamedPortSetsTest {
    private static final Pattern TERM = Pattern.compile("\\(ip4\\.dst == \\$(kovn_as_[0-9a-f]+) && tcp\\.dst == (\\d+)\\)");
    private static final String NS = "web";
    private static final int NODES = 8;

    @Test
    void thousandPodsMakeOneAclOfTwoTermsAndAPodEventTouchesOnlyASet() throws Exception {
        List<HasMetadata> objects = cluster();
        for (int i = 0; i < 1000; i++) {
            objects.add(pod(NS, "server-" + i, "server", i % 10 == 0 ? 9090 : 8080));
        }
        objects.add(new NetworkPolicyBuilder().withNewMetadata().withNamespace(NS).withName("http").endMetadata()
                .withNewSpec().withNewPodSelector().addToMatchLabels("app", "server").endPodSelector()
                .addNewIngress().addNewPort().withProtocol("TCP").withPort(new IntOrString("http")).endPort().endIngress()
                .endSpec().build());
        MemoryCluster cluster = MemoryCluster.of(objects);
        Map<String, String> ips = annotatedIps(cluster);
        try (OvnDaemons ovn = OvnDaemons.builder().nb().start();
             OvsdbClient observer = new OvsdbClient(ovn.nbUnix()).connectSync()) {
            DatabaseReplica nb = observer.replicate(Databases.NORTHBOUND, NbTables.monitorSpec()).get(1, TimeUnit.MINUTES);
            try (KovnController c = new KovnController(ScaleBench.config(ovn.nbUnix()), cluster)) {
                c.start();
                await().atMost(Duration.ofMinutes(2)).until(() -> ips.size() == 1000 && c.idle());
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(setsByPort(nb, "web/http"))
                        .containsOnlyKeys(8080, 9090));
                ACL acl = onlyAcl(nb, "web/http");
                assertThat(terms(acl.match())).containsOnlyKeys(8080, 9090);
                assertThat(acl.externalIds()).containsEntry(Owners.RULE, "ingress/0");
                Map<Integer, AddressSet> sets = setsByPort(nb, "web/http");
                assertThat(terms(acl.match())).containsEntry(8080, sets.get(8080).name())
                        .containsEntry(9090, sets.get(9090).name());
                assertThat(new TreeSet<>(sets.get(8080).addresses())).isEqualTo(ipsOf(ips, "server-", i -> i % 10 != 0));
                assertThat(new TreeSet<>(sets.get(9090).addresses())).isEqualTo(ipsOf(ips, "server-", i -> i % 10 == 0));
                assertThat(sets.get(9090).externalIds()).containsEntry(Owners.OWNER_TYPE, Owners.TYPE_NETWORK_POLICY)
                        .containsEntry(Owners.RULE, "ingress").containsEntry(Owners.NAMED_PORT, "http tcp/9090");

                // one more pod on 8080: a mutate of that set, no ACL row written
                List<String> changes = record(nb);
                double opsBefore = c.metrics().registry().get("kovn_nb_operations").counter().count();
                cluster.put(pod(NS, "server-new", "server", 8080));
                await().atMost(Duration.ofSeconds(30)).until(() -> ips.containsKey("server-new") && c.idle()
                        && setsByPort(nb, "web/http").get(8080).addresses().contains(ips.get("server-new")));
                await().pollDelay(Duration.ofMillis(500)).atMost(Duration.ofSeconds(10)).until(c::idle);
                assertThat(changes).as("NB rows the pod event changed (table op)")
                        .noneMatch(x -> x.startsWith(ACL.TABLE_NAME)).contains(AddressSet.TABLE_NAME + " update");
                assertThat(onlyAcl(nb, "web/http").uuid()).isEqualTo(acl.uuid());
                System.out.printf("[named-ports] 1000 pods exposing http: ACL match of %d characters; one pod added: "
                        + "%.0f NB operations, rows changed %s%n", acl.match().length(),
                        c.metrics().registry().get("kovn_nb_operations").counter().count() - opsBefore, changes);

                // the last pods on 9090 go: their set is deleted and the ACL loses that term
                for (int i = 0; i < 1000; i += 10) {
                    cluster.delete(cluster.pod(NS, "server-" + i));
                }
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    assertThat(setsByPort(nb, "web/http")).containsOnlyKeys(8080);
                    assertThat(terms(onlyAcl(nb, "web/http").match())).containsOnlyKeys(8080);
                });
                // a pod brings the number back: the set and the term return (the pod cannot add a term itself: its
                // reconcile asks for the policy's)
                cluster.put(pod(NS, "server-back", "server", 9090));
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    assertThat(setsByPort(nb, "web/http")).containsOnlyKeys(8080, 9090);
                    assertThat(terms(onlyAcl(nb, "web/http").match())).containsOnlyKeys(8080, 9090);
                    assertThat(setsByPort(nb, "web/http").get(9090).addresses()).containsExactly(ips.get("server-back"));
                });
                // closed only once the deletions' other keys are done too: a batch cut short is work the restart does
                await().pollDelay(Duration.ofMillis(500)).atMost(Duration.ofSeconds(30)).until(c::idle);
            }
            // an idle restart writes nothing
            try (KovnController c = new KovnController(ScaleBench.config(ovn.nbUnix()), cluster)) {
                c.start();
                await().atMost(Duration.ofMinutes(1)).until(c::idle);
                await().pollDelay(Duration.ofMillis(500)).atMost(Duration.ofSeconds(30)).until(c::idle);
                assertThat(c.metrics().nbTransactions()).as("NB transactions of an idle restart").isZero();
            }
        }
    }

    /**
     * An egress rule's named port is resolved on the peers it admits (the destinations), not on the pods the policy
     * selects; a policy no longer naming the port leaves no set behind.
     */
    @Test
    void egressResolvesOnThePeersAndStaleSetsGo() throws Exception {
        List<HasMetadata> objects = cluster();
        for (int i = 0; i < 20; i++) {
            objects.add(pod(NS, "server-" + i, "server", i < 5 ? 9090 : 8080));
            objects.add(pod(NS, "client-" + i, "client", 7070));
        }
        NetworkPolicy named = new NetworkPolicyBuilder().withNewMetadata().withNamespace(NS).withName("out").endMetadata()
                .withNewSpec().withNewPodSelector().addToMatchLabels("app", "client").endPodSelector()
                .withPolicyTypes("Egress").addNewEgress().addNewTo().withNewPodSelector().addToMatchLabels("app", "server")
                .endPodSelector().endTo().addNewPort().withProtocol("TCP").withPort(new IntOrString("http")).endPort()
                .endEgress().endSpec().build();
        objects.add(named);
        MemoryCluster cluster = MemoryCluster.of(objects);
        Map<String, String> ips = annotatedIps(cluster);
        try (OvnDaemons ovn = OvnDaemons.builder().nb().start();
             OvsdbClient observer = new OvsdbClient(ovn.nbUnix()).connectSync();
             KovnController c = new KovnController(ScaleBench.config(ovn.nbUnix()), cluster)) {
            DatabaseReplica nb = observer.replicate(Databases.NORTHBOUND, NbTables.monitorSpec()).get(1, TimeUnit.MINUTES);
            c.start();
            await().atMost(Duration.ofMinutes(1)).until(() -> ips.size() == 40 && c.idle());
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(setsByPort(nb, "web/out"))
                    .containsOnlyKeys(8080, 9090));
            Map<Integer, AddressSet> sets = setsByPort(nb, "web/out");
            assertThat(new TreeSet<>(sets.get(9090).addresses())).isEqualTo(ipsOf(ips, "server-", i -> i < 5));
            assertThat(new TreeSet<>(sets.get(8080).addresses())).isEqualTo(ipsOf(ips, "server-", i -> i >= 5));
            assertThat(sets.get(8080).externalIds()).containsEntry(Owners.RULE, "egress/0");
            ACL acl = onlyAcl(nb, "web/out");
            assertThat(acl.direction()).isEqualTo("from-lport");
            assertThat(terms(acl.match())).containsOnlyKeys(8080, 9090);

            cluster.put(new NetworkPolicyBuilder(named).editSpec().editFirstEgress().editFirstPort()
                    .withPort(new IntOrString(8080)).endPort().endEgress().endSpec().build());
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                assertThat(setsByPort(nb, "web/out")).isEmpty();
                assertThat(onlyAcl(nb, "web/out").match()).doesNotContain("9090").contains("tcp.dst == 8080");
            });
        }
    }

    /** The nodes (a /24 each: room for 2,000 pods) and the namespace. */
    private static List<HasMetadata> cluster() {
        List<HasMetadata> out = new ArrayList<>();
        for (int n = 0; n < NODES; n++) {
            out.add(new NodeBuilder().withNewMetadata().withName("node-" + n).withUid("uid-node-" + n).endMetadata().build());
        }
        out.add(new NamespaceBuilder().withNewMetadata().withName(NS).withUid("uid-ns").endMetadata().build());
        return out;
    }

    private static Pod pod(String ns, String name, String app, int http) {
        return new PodBuilder().withNewMetadata().withNamespace(ns).withName(name).withUid("uid-" + name)
                .withLabels(Map.of("app", app)).endMetadata().withNewSpec()
                .withNodeName("node-" + Math.floorMod(name.hashCode(), NODES)).addNewContainer().withName("c")
                .withImage("x").addNewPort().withName("http").withContainerPort(http).withProtocol("TCP").endPort()
                .endContainer().endSpec().withNewStatus().withPhase("Running").endStatus().build();
    }

    /** Pod name to the address the controller annotated it with. */
    private static Map<String, String> annotatedIps(MemoryCluster cluster) {
        Map<String, String> ips = new ConcurrentHashMap<>();
        cluster.onPodAnnotated((p, t) -> ips.put(p.getMetadata().getName(),
                PodNetwork.parse(p.getMetadata().getAnnotations().get(PodNetwork.ANNOTATION)).ip()));
        return ips;
    }

    private static Set<String> ipsOf(Map<String, String> ips, String prefix, IntPredicate which) {
        Set<String> out = new TreeSet<>();
        ips.forEach((name, ip) -> {
            if (name.startsWith(prefix) && name.substring(prefix.length()).matches("\\d+")
                    && which.test(Integer.parseInt(name.substring(prefix.length())))) {
                out.add(ip);
            }
        });
        return out;
    }

    /** The policy's named-port address sets by the number they stand for. */
    private static Map<Integer, AddressSet> setsByPort(DatabaseReplica nb, String policy) {
        Map<Integer, AddressSet> out = new TreeMap<>();
        for (AddressSet as : nb.byExternalId(AddressSet.TABLE, Owners.OWNER, policy)) {
            String port = as.externalIds().get(Owners.NAMED_PORT);
            if (port != null) {
                out.put(Integer.parseInt(port.substring(port.indexOf('/') + 1)), as);
            }
        }
        return out;
    }

    private static ACL onlyAcl(DatabaseReplica nb, String policy) {
        List<ACL> acls = nb.byExternalId(ACL.TABLE, Owners.OWNER, policy);
        assertThat(acls).hasSize(1);
        return acls.get(0);
    }

    /** The named-port terms of a match: number to address set. */
    private static Map<Integer, String> terms(String match) {
        Map<Integer, String> out = new TreeMap<>();
        Matcher m = TERM.matcher(match);
        while (m.find()) {
            assertThat(out.put(Integer.parseInt(m.group(2)), m.group(1))).as("one term per number").isNull();
        }
        return out;
    }

    /** From now on, "table add|update|delete" for every ACL and address set row the observer sees change. */
    private static List<String> record(DatabaseReplica nb) {
        List<String> changes = new CopyOnWriteArrayList<>();
        for (String table : List.of(ACL.TABLE_NAME, AddressSet.TABLE_NAME)) {
            nb.addListener(table, new RowListener<>() {
                @Override
                public void onAdd(Row row) {
                    changes.add(table + " add");
                }

                @Override
                public void onUpdate(Row old, Row row) {
                    changes.add(table + " update");
                }

                @Override
                public void onDelete(Row old) {
                    changes.add(table + " delete");
                }
            });
        }
        return changes;
    }
}
