package io.kovn.sandbox;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.kovn.node.underlay.PoolEntry;
import io.kovn.sandbox.proc.ProcessRef;
import io.kovn.sandbox.state.SandboxState;
import io.kovn.sandbox.state.UnderlayState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code kovn sandbox status [--json]} of the underlay sandbox (docs/underlay.md): the worker VMs with their
 * hypervisor, agent and pool cache (read from each VM's own Open_vSwitch database and parsed as the agent parses
 * it), the cloud's other machines, pods and Services as the overlay's status shows them, and what is unhealthy.
 */
final class UnderlayStatus {
    private UnderlayStatus() {
    }

    /** The running underlay sandbox's state and a client of its API; fails saying why when there is none. */
    static UnderlayState running(UnderlayState s) {
        if (s.supervisor() == null || !s.supervisor().alive()) {
            throw new IllegalStateException("the underlay sandbox in " + s.stateDir() + " is not running (its supervisor"
                    + " is gone): `kovn sandbox down` removes what is left");
        }
        return s;
    }

    static KubernetesClient client(UnderlayState s) {
        try {
            Config config = Config.fromKubeconfig(Files.readString(Path.of(s.kubeconfig())));
            config.setRequestTimeout(10_000);
            return new KubernetesClientBuilder().withConfig(config).build();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + s.kubeconfig(), e);
        }
    }

    static ObjectNode report(UnderlayState s) {
        List<String> unhealthy = new ArrayList<>();
        ObjectNode r = SandboxState.json().createObjectNode();
        boolean running = s.supervisor() != null && s.supervisor().alive();
        r.put("mode", "underlay").put("stateDir", s.stateDir()).put("running", running).put("ready", true)
                .put("neutron", s.neutron());
        r.put("supervisorPid", s.supervisor() == null ? -1 : s.supervisor().pid());
        r.put("upSeconds", (Instant.now().toEpochMilli() - s.startedAtMillis()) / 1000);
        r.putObject("api").put("url", s.apiUrl()).put("kubeconfig", s.kubeconfig());
        r.putObject("cloud").put("nbUnix", s.nbUnix());
        if (!running) {
            unhealthy.add("the supervisor (API server, stand-ins, pod runtimes) is not running: `kovn sandbox down`"
                    + " removes what is left");
        }
        ObjectNode controller = r.putObject("controller").put("pid", pid(s.controller()))
                .put("alive", alive(s.controller()));
        SandboxStatus.command(controller, s.controller());
        if (!alive(s.controller())) {
            unhealthy.add("the kovn controller is not running");
        }
        ArrayNode hypervisors = r.putArray("hypervisors");
        s.hypervisors().forEach(h -> hypervisors.addObject().put("name", h.name()).put("netns", h.netns()));
        for (UnderlayState.Host h : List.of(s.standaloneVm(), s.physicalHost())) {
            r.putObject(h.name()).put("netns", h.netns()).put("ip", h.ip());
        }
        ArrayNode vms = r.putArray("vms");
        for (UnderlayState.Vm vm : s.vms()) {
            ObjectNode o = vms.addObject().put("name", vm.name()).put("hypervisor", vm.hypervisor())
                    .put("ip", vm.ip()).put("netns", vm.netns()).put("ovsdb", vm.ovsdb());
            ObjectNode agent = o.putObject("agent").put("pid", pid(vm.agent())).put("alive", alive(vm.agent()))
                    .put("log", vm.agentLog());
            SandboxStatus.command(agent, vm.agent());
            if (!alive(vm.agent())) {
                unhealthy.add("the node agent of " + vm.name() + " is not running");
            }
            pool(vm, o.putObject("pool"), unhealthy);
        }
        List<Pod> pods = List.of();
        List<Service> services = List.of();
        List<EndpointSlice> slices = List.of();
        if (running) {
            try (KubernetesClient client = client(s)) {
                pods = client.pods().inAnyNamespace().list().getItems();
                services = client.services().inAnyNamespace().list().getItems();
                slices = client.discovery().v1().endpointSlices().inAnyNamespace().list().getItems();
            } catch (RuntimeException e) {
                unhealthy.add("the API does not answer: " + e.getMessage());
            }
        }
        SandboxStatus.workloads(r, pods, services, slices, unhealthy);
        ArrayNode u = r.putArray("unhealthy");
        unhealthy.forEach(u::add);
        return r;
    }

    /** The VM's pool cache: entries free, used and refused; none usable is unhealthy (no ADD can succeed). */
    private static void pool(UnderlayState.Vm vm, ObjectNode o, List<String> unhealthy) {
        JsonNode ids;
        try {
            ids = SandboxState.json().readTree(Tools.run("ovs-vsctl", "--db=" + vm.ovsdb(), "--timeout=5",
                    "--format=json", "--columns=external_ids", "list", "Open_vSwitch")).path("data").path(0).path(0)
                    .path(1);
        } catch (RuntimeException e) {
            o.put("error", e.getMessage());
            unhealthy.add("the Open_vSwitch database of " + vm.name() + " does not answer: " + e.getMessage());
            return;
        }
        int free = 0;
        int used = 0;
        List<String> refused = new ArrayList<>();
        for (JsonNode pair : ids) {
            String key = pair.path(0).asString("");
            if (!key.startsWith(PoolEntry.KEY_PREFIX)) {
                continue;
            }
            try {
                if (PoolEntry.parse(key.substring(PoolEntry.KEY_PREFIX.length()), pair.path(1).asString("")).isFree()) {
                    free++;
                } else {
                    used++;
                }
            } catch (IllegalArgumentException e) {
                refused.add(key + ": " + e.getMessage());
            }
        }
        o.put("free", free).put("used", used).put("refused", refused.size());
        ArrayNode refusedEntries = o.putArray("refusedEntries");
        refused.forEach(refusedEntries::add);
        if (free + used == 0) {
            unhealthy.add("the pool cache of " + vm.name() + " has no usable entry: its pods cannot start");
        }
    }

    private static long pid(ProcessRef p) {
        return p == null ? -1 : p.pid();
    }

    private static boolean alive(ProcessRef p) {
        return p != null && p.alive();
    }

    static String text(JsonNode r) {
        StringBuilder b = new StringBuilder();
        b.append("kovn sandbox (underlay mode").append(r.path("neutron").asBoolean() ? ", Neutron" : "")
                .append(") in ").append(r.path("stateDir").asString("")).append(": ")
                .append(r.path("running").asBoolean() ? "running" : "NOT RUNNING")
                .append(", supervisor pid ").append(r.path("supervisorPid").asLong()).append(", up ")
                .append(Duration.ofSeconds(r.path("upSeconds").asLong()).toString().substring(2).toLowerCase())
                .append('\n');
        b.append("API (emulated)  ").append(r.path("api").path("url").asString("")).append("   kubeconfig ")
                .append(r.path("api").path("kubeconfig").asString("")).append('\n');
        b.append("cloud's OVN     NB ").append(r.path("cloud").path("nbUnix").asString("")).append('\n');
        b.append("controller      pid ").append(r.path("controller").path("pid").asLong())
                .append(r.path("controller").path("alive").asBoolean() ? " running: " : " NOT RUNNING ")
                .append(SandboxStatus.shortCommand(r.path("controller").path("command"))).append('\n');
        List<String> hvs = new ArrayList<>();
        r.path("hypervisors").forEach(h -> hvs.add(h.path("name").asString("") + " (netns "
                + h.path("netns").asString("") + ")"));
        b.append("hypervisors     ").append(String.join(", ", hvs)).append('\n');
        for (String host : List.of("standalone", "physhost")) {
            b.append(String.format("%-16s", host.equals("standalone") ? "standalone VM" : "physical host"))
                    .append(r.path(host).path("ip").asString("")).append(" (netns ")
                    .append(r.path(host).path("netns").asString("")).append(")\n");
        }
        b.append('\n');
        Table vms = new Table("VM", "HYPERVISOR", "IP", "POOL (FREE/USED/REFUSED)", "AGENT", "NETNS");
        for (JsonNode v : r.path("vms")) {
            JsonNode pool = v.path("pool");
            vms.row(v.path("name").asString(""), v.path("hypervisor").asString(""), v.path("ip").asString(""),
                    pool.has("error") ? "UNREADABLE" : pool.path("free").asInt() + "/" + pool.path("used").asInt() + "/"
                            + pool.path("refused").asInt(),
                    (v.path("agent").path("alive").asBoolean() ? "pid " : "DOWN ") + v.path("agent").path("pid").asLong(),
                    v.path("netns").asString(""));
        }
        b.append(vms).append('\n');
        SandboxStatus.workloadsText(r, b);
        if (r.path("unhealthy").isEmpty()) {
            b.append("healthy: every process runs, every VM's pool cache has entries, every pod is ready\n");
        } else {
            b.append("UNHEALTHY:\n");
            r.path("unhealthy").forEach(u -> b.append("  - ").append(u.asString("")).append('\n'));
        }
        return b.toString();
    }
}
