package io.kovn.sandbox.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.kovn.controller.ControllerMain;
import io.kovn.controller.ControllerOptions;
import io.kovn.node.NodeMain;
import io.kovn.node.NodeOptions;
import io.kovn.ovn.config.ConfigSources;
import io.kovn.ovn.config.Configuration;
import io.kovn.sandbox.SandboxControl;
import io.kovn.sandbox.SandboxDown;
import io.kovn.sandbox.SandboxStatus;
import io.kovn.sandbox.SandboxUp;
import io.kovn.sandbox.proc.ProcessRef;
import io.kovn.sandbox.state.SandboxState;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.ResourceLock;
import tools.jackson.databind.JsonNode;

/**
 * {@code kovn sandbox up|status|down} as separate processes would run them: {@code up} leaves a supervisor
 * running, {@code status --json} describes it, {@code down} removes everything, also after the supervisor was
 * killed, and leaves no namespace, process or file behind.
 */
@Tag("integration")
@Tag("e2e")
@ResourceLock("kovn-sandbox")
class SandboxCliE2ETest {

    @Test
    void upStatusDownAndDownAfterACrash() throws Exception {
        Path dir = Files.createTempDirectory("kovn-sandbox-cli-");
        try {
            assertThat(up(dir)).isEqualTo(0);
            SandboxState s = SandboxState.read(dir).orElseThrow();
            assertThat(s.ready()).isTrue();
            JsonNode status = SandboxStatus.report(s);
            assertThat(status.path("unhealthy").isEmpty()).as("%s", status.path("unhealthy")).isTrue();
            assertThat(status.path("ovn").path("nbAddress").asString("")).isEqualTo("tcp:10.99.0.1:6641");
            assertThat(status.path("ovn").path("sbAddress").asString("")).isEqualTo("tcp:10.99.0.1:6642");
            assertThat(status.path("api").path("kubeconfig").asString("")).isEqualTo(dir.resolve("kubeconfig").toString());
            assertThat(status.path("external").path("netns").asString("")).isNotEmpty();
            assertThat(status.path("external").path("ip").asString("")).isEqualTo("10.99.0.2");
            assertThat(status.path("external").path("gatewayIp").asString("")).isEqualTo("172.18.0.1");
            assertThat(status.path("gatewayNetwork").path("subnet").asString("")).isEqualTo("172.18.0.0/24");
            assertThat(status.path("nodes").get(0).path("gatewayIp").asString("")).isEqualTo("172.18.0.11");
            assertThat(status.path("nodes").get(0).path("chassis").path("name").asString("")).isEqualTo("node1");
            assertThat(Files.exists(Path.of("/var/run/netns", status.path("nodes").get(0).path("netns").asString(""))))
                    .isTrue();
            assertStartedAsUsersStartThem(dir);
            assertKillAndRestartThroughTheSupervisor(dir);
            // a second `up` leaves the running sandbox alone
            assertThat(up(dir)).isEqualTo(0);
            assertThat(SandboxState.read(dir).orElseThrow().supervisor()).isEqualTo(s.supervisor());

            down(dir);
            assertGone(s);
            assertThat(down(dir)).contains("no sandbox");

            // the supervisor dies without cleaning up: down still removes everything
            assertThat(up(dir)).isEqualTo(0);
            SandboxState crashed = SandboxState.read(dir).orElseThrow();
            ProcessHandle supervisor = ProcessHandle.of(crashed.supervisor().pid()).orElseThrow();
            supervisor.destroyForcibly();
            supervisor.onExit().get();
            assertThat(SandboxStatus.report(crashed).path("unhealthy").toString()).contains("supervisor");
            String out = down(dir);
            assertThat(out).contains("leftover");
            assertGone(crashed);
        } finally {
            SandboxDown.down(dir, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        }
    }

    /**
     * {@code status --json} shows each component's command line: the controller and every node agent run the main
     * class that {@code kovn controller} / {@code kovn node} mount, with nothing but {@code --config FILE}, and the
     * file is a valid configuration of that program.
     */
    private static void assertStartedAsUsersStartThem(Path dir) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SandboxStatus.status(dir, true, new PrintStream(out, true, StandardCharsets.UTF_8));
        JsonNode status = SandboxState.json().readTree(out.toString(StandardCharsets.UTF_8));

        List<String> controller = strings(status.path("controller").path("command"));
        assertThat(tail(controller, ControllerMain.class)).containsExactly("--config", dir.resolve("controller.yaml").toString());
        Configuration c = ConfigSources.of(Map.of("config", dir.resolve("controller.yaml").toString()), Map.of())
                .resolve(ControllerOptions.SET);
        assertThat(c.get(ControllerOptions.NB.address())).isEqualTo(status.path("ovn").path("nbUnix").asString(""));

        assertThat(status.path("nodes")).isNotEmpty();
        for (JsonNode n : status.path("nodes")) {
            Path config = dir.resolve("nodes").resolve(n.path("name").asString("")).resolve("node.yaml");
            assertThat(tail(strings(n.path("agent").path("command")), NodeMain.class))
                    .containsExactly("--config", config.toString());
            Configuration nc = ConfigSources.of(Map.of("config", config.toString()), Map.of()).resolve(NodeOptions.SET);
            assertThat(nc.get(NodeOptions.NODE_NAME)).isEqualTo(n.path("name").asString(""));
            assertThat(nc.get(NodeOptions.HOST_NETNS)).isEqualTo(Path.of("/var/run/netns", n.path("netns").asString("")));
        }
        assertThat(SandboxStatus.text(status)).contains("java … " + ControllerMain.class.getName() + " --config ");
    }

    /**
     * {@code kill} and {@code restart} reach the supervisor over its control socket: ovn-controller of node1 is
     * SIGKILLed by its recorded pid and started again under a new one; what is not a target of this sandbox is
     * refused with the reason, as is a {@code wipe} of something else than nb or sb (HaFailoverE2ETest wipes NB).
     */
    private static void assertKillAndRestartThroughTheSupervisor(Path dir) {
        long before = ovnControllerPid(dir);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
        assertThat(SandboxControl.request(dir, "kill", List.of("ovn-controller", "node1"), o, e)).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("killed ovn-controller node1 (pid " + before + ")");
        assertThat(ProcessHandle.of(before).filter(ProcessHandle::isAlive)).isEmpty();
        assertThat(SandboxControl.request(dir, "restart", List.of("ovn-controller", "node1"), o, e)).isZero();
        assertThat(ovnControllerPid(dir)).isNotEqualTo(before).isPositive();
        assertThat(SandboxControl.request(dir, "kill", List.of("nb-member", "1"), o, e)).isEqualTo(1);
        assertThat(SandboxControl.request(dir, "kill", List.of("etcd"), o, e)).isEqualTo(1);
        assertThat(SandboxControl.request(dir, "wipe", List.of("etcd"), o, e)).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("standalone server").contains("unknown target 'etcd'")
                .contains("wipe what? nb or sb, not etcd");
    }

    private static long ovnControllerPid(Path dir) {
        return SandboxState.read(dir).orElseThrow().processes().stream()
                .filter(p -> p.role().equals("node1/ovn-controller") && p.alive()).mapToLong(ProcessRef::pid)
                .findFirst().orElse(-1);
    }

    /** The arguments after {@code main} on a java command line (fails if {@code main} is not the main class). */
    private static List<String> tail(List<String> command, Class<?> main) {
        assertThat(command).as("command line %s", command).contains(main.getName());
        return command.subList(command.indexOf(main.getName()) + 1, command.size());
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(a -> out.add(a.asString("")));
        return out;
    }

    private static int up(Path dir) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int rc = SandboxUp.up(new SandboxUp.Options(dir, 1, "geneve", 0, true, false, false),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(out, true, StandardCharsets.UTF_8));
        System.out.println(out.toString(StandardCharsets.UTF_8));
        return rc;
    }

    private static String down(Path dir) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SandboxDown.down(dir, new PrintStream(out, true, StandardCharsets.UTF_8));
        System.out.println(out.toString(StandardCharsets.UTF_8));
        return out.toString(StandardCharsets.UTF_8);
    }

    /** No process, namespace or file of that sandbox is left. */
    private static void assertGone(SandboxState s) throws IOException {
        List<ProcessRef> all = new ArrayList<>(s.processes());
        all.add(s.supervisor());
        s.nodes().forEach(n -> all.add(n.agent()));
        assertThat(all.stream().filter(ProcessRef::alive).toList()).isEmpty();
        try (Stream<Path> ns = Files.list(Path.of("/var/run/netns"))) {
            assertThat(ns.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(s.netnsPrefix())).toList())
                    .isEmpty();
        }
        assertThat(Files.exists(Path.of(s.stateDir()))).isFalse();
        s.dirs().forEach(d -> assertThat(Files.exists(Path.of(d))).as(d).isFalse());
    }
}
