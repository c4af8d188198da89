package io.kovn.sandbox.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.kovn.ovn.Owners;
import io.kovn.sandbox.Sandbox;
import io.kovn.sandbox.demo.Probe;
import io.kovn.sandbox.standins.RuntimePod;
import io.kovn.sandbox.state.SandboxState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import tools.jackson.databind.JsonNode;

/**
 * What every failover test asserts once the cluster has recovered: 0 pods lost (every pod that should exist is
 * ready, no other is left), 0 duplicate IPs (over all namespaces), 0 duplicate NB rows (no two rows of a named
 * table with the same name and owner, exactly one port per pod owner, carrying the pod's address), and traffic
 * (pings between pods on different nodes).
 */
final class HaChecks {
    /** The NB tables whose rows have names; two with the same name and owner would be a duplicate. */
    private static final List<String> NAMED_TABLES = List.of("Logical_Switch", "Logical_Switch_Port",
            "Logical_Router", "Logical_Router_Port", "Load_Balancer", "Port_Group", "Address_Set");

    private HaChecks() {
    }

    /** Asserts everything; returns the pods by name as their nodes run them. */
    static Map<String, RuntimePod> converged(Sandbox s, Pods pods, Set<String> expected) {
        Map<String, RuntimePod> running = allReady(pods, expected);
        consistent(s, pods, expected, running);
        return running;
    }

    /** Waits until every pod of {@code expected} is ready. */
    static Map<String, RuntimePod> allReady(Pods pods, Set<String> expected) {
        Map<String, RuntimePod> running = new TreeMap<>();
        for (String name : expected) {
            running.put(name, pods.awaitReady(name));
        }
        return running;
    }

    /** Everything but readiness: no pod left over, no duplicate IP or NB row, NB addresses right, traffic. */
    static void consistent(Sandbox s, Pods pods, Set<String> expected, Map<String, RuntimePod> running) {
        Pods.await("only the expected pods in " + pods.namespace(), Duration.ofSeconds(60), () -> pods.client().pods()
                .inNamespace(pods.namespace()).list().getItems().stream().map(p -> p.getMetadata().getName())
                .collect(Collectors.toSet()).equals(expected));

        List<String> ips = pods.client().pods().inAnyNamespace().list().getItems().stream()
                .map(Pod::getStatus).filter(st -> st != null && st.getPodIP() != null).map(st -> st.getPodIP()).toList();
        assertThat(ips).as("pod IPs over all namespaces").doesNotHaveDuplicates();

        Set<String> ports = expected.stream().map(n -> pods.namespace() + "_" + n).collect(Collectors.toSet());
        Pods.await("exactly the namespace's pods as NB ports", Duration.ofSeconds(60),
                () -> Set.copyOf(pods.nbPorts()).equals(ports));
        assertThat(duplicateNbRows(s)).as("NB rows sharing a name and an owner").isEmpty();
        Map<String, Integer> perPod = new HashMap<>();
        Map<String, String> addresses = new HashMap<>();
        for (JsonNode row : list(s, "Logical_Switch_Port", "name,addresses,external_ids")) {
            Map<String, String> ids = map(row.path(2));
            if (Owners.TYPE_POD.equals(ids.get(Owners.OWNER_TYPE))
                    && ids.getOrDefault(Owners.OWNER, "").startsWith(pods.namespace() + "/")) {
                perPod.merge(ids.get(Owners.OWNER), 1, Integer::sum);
                addresses.put(row.path(0).asString(""), row.path(1).toString());
            }
        }
        assertThat(perPod).as("NB ports per pod owner").hasSize(expected.size()).allSatisfy((k, v) -> assertThat(v)
                .as("ports owned by %s", k).isEqualTo(1));
        for (RuntimePod p : running.values()) {
            assertThat(addresses.get(pods.namespace() + "_" + p.name())).as("NB addresses of %s", p.name())
                    .contains(p.ip());
        }
        traffic(pods, running.values());
    }

    /** Pings from each node's first pod to another node's last; asserts every one gets through. */
    static void traffic(Pods pods, Collection<RuntimePod> all) {
        Map<String, List<RuntimePod>> byNode = new TreeMap<>();
        for (RuntimePod p : all) {
            String node = pods.client().pods().inNamespace(p.namespace()).withName(p.name()).get().getSpec().getNodeName();
            byNode.computeIfAbsent(node, k -> new ArrayList<>()).add(p);
        }
        List<String> nodes = List.copyOf(byNode.keySet());
        assertThat(nodes).as("pods on more than one node").hasSizeGreaterThan(1);
        for (int i = 0; i < nodes.size(); i++) {
            List<RuntimePod> from = byNode.get(nodes.get(i));
            List<RuntimePod> to = byNode.get(nodes.get((i + 1) % nodes.size()));
            RuntimePod a = from.get(0);
            RuntimePod b = to.get(to.size() - 1);
            Probe.Result r = Probe.until(() -> Probe.ping(a.netnsPath(), b.ip()), Duration.ofSeconds(15));
            assertThat(r.ok()).as("ping %s -> %s (%s): %s", a.name(), b.name(), b.ip(), r).isTrue();
        }
    }

    /** "table name owner xN" for every name and owner that more than one row of a named table carries. */
    static List<String> duplicateNbRows(Sandbox s) {
        List<String> out = new ArrayList<>();
        for (String table : NAMED_TABLES) {
            Map<String, Integer> count = new TreeMap<>();
            for (JsonNode row : list(s, table, "name,external_ids")) {
                Map<String, String> ids = map(row.path(1));
                count.merge(row.path(0).asString("") + " owner " + ids.get(Owners.OWNER_TYPE) + ":"
                        + ids.get(Owners.OWNER), 1, Integer::sum);
            }
            count.forEach((k, v) -> {
                if (v > 1) {
                    out.add(table + " " + k + " x" + v);
                }
            });
        }
        return out;
    }

    private static JsonNode list(Sandbox s, String table, String columns) {
        return SandboxState.json().readTree(s.nbctl("--format=json", "--columns=" + columns, "list", table))
                .path("data");
    }

    /** An OVSDB map as ovn-nbctl's JSON prints it: ["map", [[k, v], ...]]. */
    private static Map<String, String> map(JsonNode m) {
        Map<String, String> out = new HashMap<>();
        for (JsonNode kv : m.path(1)) {
            out.put(kv.path(0).asString(""), kv.path(1).asString(""));
        }
        return out;
    }
}
