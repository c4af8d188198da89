package io.kovn.sandbox.e2e;

import static org.assertj.core.api.Assertions.assertThat;

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

    private static int up(Path dir) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int rc = SandboxUp.up(new SandboxUp.Options(dir, 1, "geneve", 0, true),
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
