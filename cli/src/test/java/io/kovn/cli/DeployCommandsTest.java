package io.kovn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.kovn.deploy.manifests.ManifestSettings;
import io.kovn.deploy.manifests.Manifests;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code kovn manifests} and {@code kovn install-host --dry-run} as a user runs them. */
class DeployCommandsTest {
    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();

    @Test
    void manifestsWritesTheFileOfItsOptionsIntoTheOutputDirectory() throws Exception {
        int rc = ManifestsCommand.command(new PrintWriter(out, true)).execute("--ha", "--image", "reg:5000/kovn:1",
                "--service-cidr", "10.96.0.0/12", "--output", dir.toString());

        assertThat(rc).isZero();
        Path file = dir.resolve("kovn-ha.yaml");
        assertThat(out.toString()).isEqualTo("wrote " + file + System.lineSeparator());
        String yaml = Files.readString(file, StandardCharsets.UTF_8);
        assertThat(yaml).startsWith("# kovn on Kubernetes, made by: kovn manifests --image reg:5000/kovn:1 "
                + "--service-cidr 10.96.0.0/12 --ha\n")
                .contains("image: \"reg:5000/kovn:1\"", "service-cidr: \"10.96.0.0/12\"", "replicas: 3")
                .doesNotContain("localhost/kovn:dev");
    }

    @Test
    void manifestsWithoutOutputPrintsTheDefaults() {
        assertThat(ManifestsCommand.command(new PrintWriter(out, true)).execute()).isZero();
        assertThat(out.toString()).isEqualTo(Manifests.yaml(ManifestSettings.defaults()));
    }

    @Test
    void manifestsRefusesABadNetwork() {
        StringWriter err = new StringWriter();
        int rc = ManifestsCommand.command(new PrintWriter(out, true)).setErr(new PrintWriter(err, true))
                .execute("--cluster-subnet", "10.244.0.0");
        assertThat(rc).isEqualTo(2);
        assertThat(err.toString()).contains("--cluster-subnet", "10.244.0.0/16");
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void installHostDryRunPrintsEveryStepAndChangesNothing() {
        Path etc = dir.resolve("etc");
        Path units = dir.resolve("units");
        int rc = InstallHostCommand.command(new PrintWriter(out, true)).execute("--role", "node", "--node-name", "w1",
                "--kubeconfig", "/etc/kovn/kubeconfig", "--central-ip", "10.0.0.1", "--kovn-home", "/opt/kovn",
                "--config-dir", etc.toString(), "--unit-dir", units.toString(), "--dry-run");

        assertThat(rc).isZero();
        assertThat(out.toString()).contains(
                "would write " + etc.resolve("node.yaml") + " (mode 600):",
                "    node-name: \"w1\"",
                "    sb-address: \"tcp:10.0.0.1:6642\"",
                "would write " + units.resolve("kovn-node.service") + " (mode 644):",
                "    ExecStart=/opt/kovn/bin/kovn node --config " + etc.resolve("node.yaml"),
                "would run systemctl enable --now openvswitch-switch.service ovn-host.service",
                "would run systemctl enable --now kovn-node.service");
        assertThat(etc).doesNotExist();
        assertThat(units).doesNotExist();
    }
}
