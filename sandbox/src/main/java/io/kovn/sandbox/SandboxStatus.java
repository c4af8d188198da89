package io.kovn.sandbox;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kovn.sandbox.proc.ProcessRef;
import io.kovn.sandbox.standins.EndpointSliceMirror;
import io.kovn.sandbox.standins.PodRuntime;
import io.kovn.sandbox.state.SandboxState;
import io.kovn.sandbox.state.UnderlayState;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code kovn sandbox status [--json]}: nodes (with their chassis from the Southbound database), pods with
 * their IPs, nodes and network namespaces, services with their endpoints, and what is unhealthy; for the underlay
 * sandbox, {@link UnderlayStatus}.
 */
public final class SandboxStatus {
    private static final Duration POD_GRACE = Duration.ofSeconds(30);

    private SandboxStatus() {
    }

    /** Prints the status; returns 0 if everything is healthy, 1 otherwise (2: no sandbox). */
    public static int status(Path stateDir, boolean json, PrintStream out) {
        Optional<SandboxState> read = SandboxState.read(stateDir.toAbsolutePath());
        Optional<UnderlayState> underlay = read.isPresent() ? Optional.empty()
                : UnderlayState.read(stateDir.toAbsolutePath());
        if (read.isEmpty() && underlay.isEmpty()) {
            Optional<ProcessRef> starting = SandboxUp.supervisor(stateDir.toAbsolutePath()).filter(ProcessRef::alive);
            if (starting.isPresent()) {
                // the underlay sandbox writes its state once it is ready
                out.println(json ? "{\"running\":true,\"ready\":false}" : "a sandbox is coming up in "
                        + stateDir.toAbsolutePath() + " (supervisor pid " + starting.get().pid() + ")");
                return 1;
            }
            out.println(json ? "{\"running\":false}" : "no sandbox in " + stateDir.toAbsolutePath()
                    + " (start one with `kovn sandbox up`)");
            return 2;
        }
        ObjectNode report = underlay.map(UnderlayStatus::report).orElseGet(() -> report(read.get()));
        if (json) {
            out.println(report.toPrettyString());
        } else {
            out.print(underlay.isPresent() ? UnderlayStatus.text(report) : text(report));
        }
        return report.path("unhealthy").isEmpty() ? 0 : 1;
    }

    /** Everything status shows, as JSON. */
    public static ObjectNode report(SandboxState s) {
        List<String> unhealthy = new ArrayList<>();
        ObjectNode r = SandboxState.json().createObjectNode();
        boolean running = s.supervisor() != null && s.supervisor().alive();
        r.put("stateDir", s.stateDir()).put("running", running).put("ready", s.ready());
        r.put("supervisorPid", s.supervisor() == null ? -1 : s.supervisor().pid());
        r.put("upSeconds", (Instant.now().toEpochMilli() - s.startedAtMillis()) / 1000);
        r.put("encap", s.encap());
        r.putObject("api").put("url", s.apiUrl()).put("kubeconfig", s.kubeconfig())
                .put("emulated", "fabric8 KubernetesMockServer (CRUD) with sandbox stand-ins");
        if (s.central() != null) {
            r.putObject("ovn").put("nbAddress", s.central().nbAddress()).put("sbAddress", s.central().sbAddress())
                    .put("nbUnix", s.central().nbUnix()).put("sbUnix", s.central().sbUnix())
                    .put("centralNetns", s.central().netns()).put("centralIp", s.central().ip());
        }
        r.putObject("underlay").put("netns", s.underlayNetns()).put("subnet", s.underlaySubnet());
        if (s.external() != null) {
            r.putObject("external").put("netns", s.external().netns()).put("ip", s.external().ip())
                    .put("gatewayIp", s.external().gatewayIp());
        }
        if (s.gatewayNetwork() != null) {
            r.putObject("gatewayNetwork").put("netns", s.gatewayNetwork().netns())
                    .put("subnet", s.gatewayNetwork().subnet()).put("nextHop", s.gatewayNetwork().nextHop());
        }
        r.put("clusterSubnet", s.clusterSubnet()).put("serviceCidr", s.serviceCidr());
        if (!running) {
            unhealthy.add("the supervisor (API server and stand-ins) is not running: `kovn sandbox down` removes what is left");
        }
        s.processes().stream().filter(p -> !p.alive())
                .forEach(p -> unhealthy.add("process " + p.role() + " (pid " + p.pid() + ") is not running"));
        r.put("ha", s.ha());
        if (s.ha()) {
            HaStatus.report(s, running, r, unhealthy);
        } else {
            Optional<ProcessRef> controller = s.processes().stream().filter(p -> p.role().equals("controller"))
                    .findFirst();
            ObjectNode controllerNode = r.putObject("controller")
                    .put("pid", controller.map(ProcessRef::pid).orElse(-1L))
                    .put("alive", controller.map(ProcessRef::alive).orElse(false));
            command(controllerNode, controller.orElse(null));
            if (controller.isEmpty()) {
                unhealthy.add("the kovn controller is not running");
            } else if (controller.get().alive() && !HaStatus.healthz(s.controllerMetricsPort()).isEmpty()) {
                unhealthy.add("the kovn controller's /healthz is not OK (no Northbound connection?)");
            }
        }

        TlsStatus.report(s, r, unhealthy, running);
        Map<String, JsonNode> chassis = running ? chassis(s) : Map.of();
        List<Node> nodes = List.of();
        List<Pod> pods = List.of();
        List<Service> services = List.of();
        List<EndpointSlice> slices = List.of();
        if (running && s.ready()) {
            try (KubernetesClient client = SandboxClient.client(s)) {
                nodes = client.nodes().list().getItems();
                pods = client.pods().inAnyNamespace().list().getItems();
                services = client.services().inAnyNamespace().list().getItems();
                slices = client.discovery().v1().endpointSlices().inAnyNamespace().list().getItems();
            } catch (RuntimeException e) {
                unhealthy.add("the API does not answer: " + e.getMessage());
            }
        }
        ArrayNode nodeArray = r.putArray("nodes");
        for (SandboxState.NodeState n : s.nodes()) {
            ObjectNode o = nodeArray.addObject().put("name", n.name()).put("ip", n.ip()).put("netns", n.netns())
                    .put("ovsdb", n.ovsdb()).put("gatewayIp", n.gatewayIp());
            Node k = nodes.stream().filter(x -> x.getMetadata().getName().equals(n.name())).findFirst().orElse(null);
            String subnet = k == null || k.getMetadata().getAnnotations() == null ? null
                    : k.getMetadata().getAnnotations().get("k8s.ovn.org/node-subnets");
            o.put("subnet", subnet == null ? null : subnet.replaceAll(".*\\[\"([^\"]+)\".*", "$1"));
            o.put("ready", k != null && k.getStatus().getConditions().stream()
                    .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus())));
            JsonNode ch = chassis.get(n.name());
            if (ch != null) {
                o.set("chassis", ch);
            } else {
                o.putNull("chassis");
                if (running) {
                    unhealthy.add("node " + n.name() + " has no chassis in the Southbound database");
                }
            }
            ObjectNode agent = o.putObject("agent").put("pid", n.agent() == null ? -1 : n.agent().pid())
                    .put("alive", n.agent() != null && n.agent().alive());
            command(agent, n.agent());
            if (n.agent() == null || !n.agent().alive()) {
                unhealthy.add("the node agent of " + n.name() + " is not running");
            }
            if (running && s.ready() && subnet == null) {
                unhealthy.add("node " + n.name() + " has no subnet (k8s.ovn.org/node-subnets)");
            }
        }
        workloads(r, pods, services, slices, unhealthy);
        ArrayNode u = r.putArray("unhealthy");
        unhealthy.forEach(u::add);
        return r;
    }

    /** The pods and Services of either sandbox, with what is unhealthy about them. */
    static void workloads(ObjectNode r, List<Pod> pods, List<Service> services, List<EndpointSlice> slices,
                          List<String> unhealthy) {
        ArrayNode podArray = r.putArray("pods");
        pods.stream().sorted(Comparator.comparing((Pod p) -> p.getMetadata().getNamespace())
                .thenComparing(p -> p.getMetadata().getName())).forEach(p -> {
                    boolean ready = p.getStatus() != null && p.getStatus().getConditions() != null
                            && p.getStatus().getConditions().stream()
                            .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
                    String netns = p.getMetadata().getAnnotations() == null ? null
                            : p.getMetadata().getAnnotations().get(PodRuntime.NETNS_ANNOTATION);
                    podArray.addObject().put("namespace", p.getMetadata().getNamespace())
                            .put("name", p.getMetadata().getName()).put("node", p.getSpec().getNodeName())
                            .put("ip", p.getStatus() == null ? null : p.getStatus().getPodIP())
                            .put("phase", p.getStatus() == null ? null : p.getStatus().getPhase())
                            .put("ready", ready).put("netns", netns);
                    Instant created = p.getMetadata().getCreationTimestamp() == null ? Instant.now()
                            : Instant.parse(p.getMetadata().getCreationTimestamp());
                    if (!ready && Duration.between(created, Instant.now()).compareTo(POD_GRACE) > 0
                            && !"Succeeded".equals(p.getStatus() == null ? null : p.getStatus().getPhase())) {
                        unhealthy.add("pod " + p.getMetadata().getNamespace() + "/" + p.getMetadata().getName()
                                + " is not ready after " + POD_GRACE.toSeconds() + " s" + reason(p));
                    }
                });
        ArrayNode svcArray = r.putArray("services");
        for (Service svc : services) {
            String ns = svc.getMetadata().getNamespace();
            String name = svc.getMetadata().getName();
            int total = 0;
            int ready = 0;
            for (EndpointSlice sl : slices) {
                if (sl.getMetadata().getNamespace().equals(ns) && sl.getMetadata().getLabels() != null
                        && name.equals(sl.getMetadata().getLabels().get(EndpointSliceMirror.SERVICE_NAME))
                        && sl.getEndpoints() != null) {
                    total += sl.getEndpoints().size();
                    ready += (int) sl.getEndpoints().stream()
                            .filter(e -> e.getConditions() != null && Boolean.TRUE.equals(e.getConditions().getReady())).count();
                }
            }
            ObjectNode o = svcArray.addObject().put("namespace", ns).put("name", name)
                    .put("clusterIP", svc.getSpec().getClusterIP());
            ArrayNode ports = o.putArray("ports");
            svc.getSpec().getPorts().forEach(p -> ports.add(p.getPort() + "/" + (p.getProtocol() == null ? "TCP" : p.getProtocol())));
            o.putObject("endpoints").put("ready", ready).put("total", total);
            boolean selector = svc.getSpec().getSelector() != null && !svc.getSpec().getSelector().isEmpty();
            if (selector && ready == 0) {
                unhealthy.add("service " + ns + "/" + name + " has no ready endpoints");
            }
        }
    }

    private static String reason(Pod p) {
        return p.getStatus() == null || p.getStatus().getConditions() == null ? "" : p.getStatus().getConditions().stream()
                .filter(c -> "Ready".equals(c.getType()) && c.getMessage() != null).map(c -> ": " + c.getMessage())
                .findFirst().orElse("");
    }

    /** The pods and Services tables of either sandbox. */
    static void workloadsText(JsonNode r, StringBuilder b) {
        Table pods = new Table("NAMESPACE", "POD", "NODE", "IP", "PHASE", "READY", "NETNS");
        for (JsonNode p : r.path("pods")) {
            pods.row(p.path("namespace").asString(""), p.path("name").asString(""), p.path("node").asString("-"),
                    p.path("ip").asString("-"), p.path("phase").asString("-"), p.path("ready").asBoolean() ? "yes" : "no",
                    p.path("netns").asString("-"));
        }
        b.append(pods.size() == 0 ? "no pods\n" : pods.toString()).append('\n');
        Table svcs = new Table("NAMESPACE", "SERVICE", "CLUSTER-IP", "PORTS", "ENDPOINTS (READY/ALL)");
        for (JsonNode s : r.path("services")) {
            List<String> ports = new ArrayList<>();
            s.path("ports").forEach(p -> ports.add(p.asString("")));
            svcs.row(s.path("namespace").asString(""), s.path("name").asString(""), s.path("clusterIP").asString("-"),
                    String.join(",", ports), s.path("endpoints").path("ready").asInt() + "/"
                            + s.path("endpoints").path("total").asInt());
        }
        b.append(svcs.size() == 0 ? "no services\n" : svcs.toString()).append('\n');
    }

    /** Chassis by hostname, with their encapsulations, from the Southbound database. */
    private static Map<String, JsonNode> chassis(SandboxState s) {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        try {
            JsonNode ch = SandboxState.json().readTree(Tools.run("ovn-sbctl", "--db=" + s.central().sbUnix(),
                    "--format=json", "--columns=name,hostname", "list", "Chassis"));
            JsonNode enc = SandboxState.json().readTree(Tools.run("ovn-sbctl", "--db=" + s.central().sbUnix(),
                    "--format=json", "--columns=chassis_name,type,ip", "list", "Encap"));
            for (JsonNode row : ch.path("data")) {
                ObjectNode o = SandboxState.json().createObjectNode().put("name", row.path(0).asString(""));
                for (JsonNode e : enc.path("data")) {
                    if (e.path(0).asString("").equals(o.path("name").asString(""))) {
                        o.put("encapType", e.path(1).asString("")).put("encapIp", e.path(2).asString(""));
                    }
                }
                out.put(row.path(1).asString(""), o);
            }
        } catch (RuntimeException e) {
            // reported as missing chassis
        }
        return out;
    }

    /** The process's command line, as started (what a user would type, after the JVM's own options). */
    static void command(ObjectNode o, ProcessRef p) {
        ArrayNode cmd = o.putArray("command");
        if (p != null) {
            p.commandLine().forEach(cmd::add);
        }
    }

    /** {@code java … <main class> <args>}: the class path and JVM options left out. */
    static String shortCommand(JsonNode command) {
        List<String> args = new ArrayList<>();
        command.forEach(a -> args.add(a.asString("")));
        int main = 1;
        while (main < args.size() && args.get(main).startsWith("-")) {
            main += args.get(main).equals("-cp") || args.get(main).equals("-classpath") ? 2 : 1;
        }
        return args.isEmpty() ? "-" : main >= args.size() ? String.join(" ", args)
                : "java … " + String.join(" ", args.subList(main, args.size()));
    }

    /** The human-readable form. */
    public static String text(JsonNode r) {
        StringBuilder b = new StringBuilder();
        b.append("kovn sandbox in ").append(r.path("stateDir").asString("")).append(": ")
                .append(r.path("running").asBoolean() ? (r.path("ready").asBoolean() ? "running" : "coming up")
                        : "NOT RUNNING")
                .append(", supervisor pid ").append(r.path("supervisorPid").asLong())
                .append(", up ").append(Duration.ofSeconds(r.path("upSeconds").asLong()).toString().substring(2).toLowerCase())
                .append(", ").append(r.path("encap").asString("")).append(" tunnels\n");
        b.append("API (emulated)  ").append(r.path("api").path("url").asString("")).append("   kubeconfig ")
                .append(r.path("api").path("kubeconfig").asString("")).append('\n');
        b.append("OVN central     NB ").append(r.path("ovn").path("nbAddress").asString("")).append("  SB ")
                .append(r.path("ovn").path("sbAddress").asString("")).append("  (netns ")
                .append(r.path("ovn").path("centralNetns").asString("")).append(")\n");
        b.append("external        ").append(r.path("external").path("ip").asString("")).append(" (netns ")
                .append(r.path("external").path("netns").asString("")).append(")");
        if (r.has("gatewayNetwork")) {
            b.append("; ").append(r.path("external").path("gatewayIp").asString("")).append(" on the gateway network ")
                    .append(r.path("gatewayNetwork").path("subnet").asString("")).append(" (netns ")
                    .append(r.path("gatewayNetwork").path("netns").asString("")).append(")");
        }
        b.append('\n');
        if (r.path("ha").asBoolean()) {
            HaStatus.text(r, b);
        } else {
            b.append("controller      pid ").append(r.path("controller").path("pid").asLong())
                    .append(r.path("controller").path("alive").asBoolean() ? " running: " : " NOT RUNNING")
                    .append(shortCommand(r.path("controller").path("command"))).append('\n');
        }
        for (JsonNode n : r.path("nodes")) {
            b.append(String.format("%-16s", "agent " + n.path("name").asString(""))).append(shortCommand(n.path("agent")
                    .path("command"))).append('\n');
        }
        b.append('\n');
        TlsStatus.text(r, b);
        Table nodes = new Table("NODE", "IP", "GATEWAY", "SUBNET", "READY", "CHASSIS", "AGENT", "NETNS");
        for (JsonNode n : r.path("nodes")) {
            JsonNode ch = n.path("chassis");
            nodes.row(n.path("name").asString(""), n.path("ip").asString(""), n.path("gatewayIp").asString("-"),
                    n.path("subnet").asString("-"),
                    n.path("ready").asBoolean() ? "yes" : "no",
                    ch.isNull() || ch.isMissingNode() ? "MISSING" : ch.path("name").asString("") + " ("
                            + ch.path("encapType").asString("") + " " + ch.path("encapIp").asString("") + ")",
                    (n.path("agent").path("alive").asBoolean() ? "pid " : "DOWN ") + n.path("agent").path("pid").asLong(),
                    n.path("netns").asString(""));
        }
        b.append(nodes).append('\n');
        workloadsText(r, b);
        if (r.path("unhealthy").isEmpty()) {
            b.append("healthy: every process runs, every node has its chassis and subnet, every pod is ready\n");
        } else {
            b.append("UNHEALTHY:\n");
            r.path("unhealthy").forEach(u -> b.append("  - ").append(u.asString("")).append('\n'));
        }
        return b.toString();
    }
}
