package io.kovn.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.kovn.controller.ControllerConfig;
import io.kovn.controller.ControllerOptions;
import io.kovn.deploy.host.HostInstallOptions;
import io.kovn.deploy.host.HostInstallPlan;
import io.kovn.deploy.host.HostStep;
import io.kovn.deploy.host.SystemdUnits;
import io.kovn.node.NodeAgentConfig;
import io.kovn.node.NodeOptions;
import io.kovn.ovn.config.ConfigException;
import io.kovn.ovn.config.ConfigSources;
import io.kovn.ovn.config.Configuration;
import io.kovn.ovn.config.OptionSet;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kovn install-host}'s plans: the files a role writes are config files its program accepts and units
 * systemd accepts ({@code systemd-analyze verify}, skipped where it is not installed), the commands are the
 * guides' init steps.
 */
class HostInstallPlanTest {
    /** This checkout: its bin/kovn is the executable the units name. */
    private static final Path HOME = Path.of("..").toAbsolutePath().normalize();

    @Test
    void aMasterGetsOvnCentralOnTcpAndTheControllerUnit(@TempDir Path dir) throws Exception {
        List<HostStep> plan = plan(dir, "--role", "master", "--kubeconfig", "/etc/kubernetes/admin.conf",
                "--central-ip", "10.0.0.1", "--cluster-subnet", "10.128.0.0/14");
        assertThat(commands(plan)).containsExactly(
                "systemctl enable --now ovn-central.service",
                "ovn-nbctl --timeout=30 set-connection ptcp:6641:10.0.0.1",
                "ovn-sbctl --timeout=30 set-connection ptcp:6642:10.0.0.1",
                "systemctl daemon-reload",
                "systemctl enable --now kovn-controller.service");
        HostStep.WriteFile config = file(plan, "controller.yaml");
        assertThat(config.mode()).isEqualTo(0600);
        ControllerConfig cfg = ControllerOptions.config(resolve(ControllerOptions.SET, config, dir, Map.of()));
        assertThat(cfg.nbAddress()).isEqualTo("tcp:10.0.0.1:6641");
        assertThat(cfg.clusterSubnet()).hasToString("10.128.0.0/14");
        assertThat(file(plan, SystemdUnits.CONTROLLER).content())
                .contains("ExecStart=" + HOME.resolve("bin/kovn") + " controller --config " + config.path());
    }

    @Test
    void aNodeGetsOvsOvnHostAndTheAgentUnit(@TempDir Path dir) throws Exception {
        List<HostStep> plan = plan(dir, "--role", "node", "--node-name", "worker-1", "--kubeconfig", "/etc/kovn/kc",
                "--central-ip", "10.0.0.1", "--encap-ip", "10.0.0.7");
        assertThat(commands(plan)).containsExactly(
                "systemctl enable --now openvswitch-switch.service ovn-host.service",
                "systemctl daemon-reload",
                "systemctl enable --now kovn-node.service");
        NodeAgentConfig cfg = NodeOptions.config(resolve(NodeOptions.SET, file(plan, "node.yaml"), dir, Map.of()));
        assertThat(cfg.nodeName()).isEqualTo("worker-1");
        assertThat(cfg.sbRemote()).isEqualTo("tcp:10.0.0.1:6642");
        assertThat(cfg.encapIp()).isEqualTo("10.0.0.7");
        assertThat(cfg.cniPluginSource()).isEqualTo(HOME);
        assertThat(cfg.gateway()).isNull();
    }

    @Test
    void aGatewaysAgentGetsTheGatewayOptions(@TempDir Path dir) throws Exception {
        List<HostStep> plan = plan(dir, "--role", "gateway", "--node-name", "gw-1", "--kubeconfig", "/etc/kovn/kc",
                "--physical-interface", "eth1", "--physical-ip", "10.33.74.138/24", "--default-gw", "10.33.74.253",
                "--rampout-ip-subnets", "10.244.1.0/24,10.244.2.0/24");
        NodeAgentConfig cfg = NodeOptions.config(resolve(NodeOptions.SET, file(plan, "node.yaml"), dir, Map.of()));
        assertThat(cfg.gateway().physicalInterface()).isEqualTo("eth1");
        assertThat(cfg.gateway().rampoutSubnets()).hasSize(2);
    }

    @Test
    void aRoleWithoutWhatItNeedsIsRefused(@TempDir Path dir) {
        assertThatThrownBy(() -> plan(dir, "--role", "node", "--kubeconfig", "k"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("--node-name");
        assertThatThrownBy(() -> plan(dir, "--role", "gateway", "--node-name", "n", "--kubeconfig", "k"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("--physical-interface");
        assertThatThrownBy(() -> plan(dir, "--role", "master", "--kubeconfig", "k", "--bridge-interface", "breth0"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("--role gateway");
    }

    @Test
    void systemdAcceptsTheUnits(@TempDir Path dir) throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/systemd-analyze")), "systemd-analyze is not installed");
        Path kovn = HOME.resolve("bin/kovn");
        Map<String, String> units = Map.of(SystemdUnits.CONTROLLER, SystemdUnits.controller(kovn, dir.resolve("c.yaml")),
                SystemdUnits.NODE, SystemdUnits.node(kovn, dir.resolve("n.yaml")));
        for (Map.Entry<String, String> u : units.entrySet()) {
            Path file = dir.resolve(u.getKey());
            Files.writeString(file, u.getValue(), StandardCharsets.UTF_8);
            Process p = new ProcessBuilder("systemd-analyze", "verify", "--man=no", file.toString())
                    .redirectErrorStream(true).start();
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(output).as(u.getKey() + ": systemd-analyze verify says").isEmpty();
            assertThat(p.exitValue()).isZero();
        }
    }

    private static List<HostStep> plan(Path dir, String... args) {
        Map<String, String> flags = new HashMap<>();
        for (int i = 0; i < args.length; i += 2) {
            flags.put(args[i].substring(2), args[i + 1]);
        }
        flags.put(HostInstallOptions.CONFIG_DIR.name(), dir.resolve("etc").toString());
        flags.put(HostInstallOptions.UNIT_DIR.name(), dir.resolve("units").toString());
        return HostInstallPlan.of(ConfigSources.of(flags, Map.of()).resolve(HostInstallOptions.SET), HOME);
    }

    private static List<String> commands(List<HostStep> plan) {
        return plan.stream().filter(HostStep.Run.class::isInstance)
                .map(s -> String.join(" ", ((HostStep.Run) s).argv())).toList();
    }

    private static HostStep.WriteFile file(List<HostStep> plan, String name) {
        return plan.stream().filter(HostStep.WriteFile.class::isInstance).map(HostStep.WriteFile.class::cast)
                .filter(f -> f.path().endsWith("/" + name)).findFirst().orElseThrow();
    }

    private static Configuration resolve(OptionSet set, HostStep.WriteFile f, Path dir,
            Map<String, String> env) throws IOException {
        Path file = dir.resolve(Path.of(f.path()).getFileName());
        Files.writeString(file, f.content(), StandardCharsets.UTF_8);
        return ConfigSources.of(Map.of(ConfigSources.CONFIG.name(), file.toString()), env).resolve(set);
    }
}
