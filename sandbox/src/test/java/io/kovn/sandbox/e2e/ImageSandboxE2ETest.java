package io.kovn.sandbox.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.kovn.sandbox.Sandbox;
import io.kovn.sandbox.image.NodePodSpec;
import io.kovn.sandbox.state.SandboxState;
import io.kovn.testing.Exec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.parallel.ResourceLock;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code kovn sandbox up --image} ({@code scripts/test.sh --image}, which sets {@code -Dkovn.e2e.image}): every
 * node's ovsdb-server, ovs-vswitchd and ovn-controller is a running container of the image, in the node's network
 * namespace, with the node DaemonSet's command and capabilities. The traffic checks are the other e2e classes
 * of the same run (DemoE2ETest's matrix, PodNetworkE2ETest), on the same shared sandbox.
 */
@Tag("integration")
@Tag("e2e")
@ResourceLock("kovn-sandbox")
@ExtendWith(SharedSandbox.class)
@EnabledIfSystemProperty(named = SharedSandbox.IMAGE_PROPERTY, matches = ".+")
class ImageSandboxE2ETest {
    private static final List<String> CONTAINERS = List.of("ovsdb-server", "ovs-vswitchd", "ovn-controller",
            "kovn-node");

    @Test
    void nodePodContainersRunFromTheImageAsTheDaemonSetRunsThem() {
        Sandbox s = SharedSandbox.sandbox();
        String image = SharedSandbox.Holder.image();
        NodePodSpec pod = NodePodSpec.of(image, false);
        Path conf = s.stateDir().resolve("containers.conf");
        for (SandboxState.NodeState n : s.state().nodes()) {
            List<Long> inNamespace = Arrays.stream(Exec.run(Duration.ofSeconds(30), "ip", "netns", "pids", n.netns())
                    .check().out().split("\\s+")).filter(p -> !p.isBlank()).map(Long::parseLong).toList();
            for (String daemon : CONTAINERS) {
                String name = n.netns() + "-" + daemon;
                String[] f = Exec.run(List.of("env", "CONTAINERS_CONF=" + conf, "podman", "inspect", "--format",
                        "{{.State.Status}}|{{.ImageName}}|{{.State.Pid}}|{{range .EffectiveCaps}}{{.}} {{end}}",
                        name), Map.of(), null, Duration.ofSeconds(30)).check().out().trim().split("\\|", -1);
                assertThat(f[0]).as(name).isEqualTo("running");
                assertThat(f[1]).as(name).isEqualTo(image);
                assertThat(inNamespace).as("%s's process in %s", name, n.netns()).contains(Long.parseLong(f[2]));
                Container c = pod.container(daemon);
                Set<String> caps = Arrays.stream(f[3].trim().split("\\s+")).filter(x -> !x.isBlank())
                        .map(x -> x.replaceFirst("^CAP_", "")).collect(Collectors.toSet());
                if (Boolean.TRUE.equals(c.getSecurityContext().getPrivileged())) {
                    assertThat(caps).as("%s's capabilities (privileged)", name).contains("NET_ADMIN", "SYS_ADMIN");
                } else {
                    assertThat(caps).as("%s's capabilities", name)
                            .isEqualTo(Set.copyOf(c.getSecurityContext().getCapabilities().getAdd()));
                }
                String cmd = Exec.run(List.of("env", "CONTAINERS_CONF=" + conf, "podman", "inspect", "--format",
                        "{{json .Config.Cmd}}", name), Map.of(), null, Duration.ofSeconds(30)).check().out().trim();
                assertThat(List.of(JsonMapper.builder().build().readValue(cmd, String[].class))).as(name)
                        .isEqualTo(c.getCommand());
            }
        }
    }
}
