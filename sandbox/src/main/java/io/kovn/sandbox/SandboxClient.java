package io.kovn.sandbox;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.kovn.sandbox.proc.ProcessRef;
import io.kovn.sandbox.state.SandboxState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A running sandbox as other processes see it: its state and a client of its API. */
public final class SandboxClient {
    private SandboxClient() {
    }

    /** The state of the running sandbox in {@code dir}; fails with a helpful message if there is none. */
    public static SandboxState running(Path dir) {
        SandboxState s = SandboxState.read(dir.toAbsolutePath()).orElseThrow(() -> new IllegalStateException(
                "no sandbox in " + dir.toAbsolutePath() + ": start one with `kovn sandbox up`"));
        ProcessRef sup = s.supervisor();
        if (sup == null || !sup.alive()) {
            throw new IllegalStateException("the sandbox in " + dir.toAbsolutePath()
                    + " is not running (its supervisor is gone): `kovn sandbox down` removes what is left");
        }
        if (!s.ready()) {
            throw new IllegalStateException("the sandbox in " + dir.toAbsolutePath() + " is still coming up");
        }
        return s;
    }

    public static KubernetesClient client(SandboxState s) {
        try {
            Config config = Config.fromKubeconfig(Files.readString(Path.of(s.kubeconfig())));
            config.setRequestTimeout(10_000);
            return new KubernetesClientBuilder().withConfig(config).build();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + s.kubeconfig(), e);
        }
    }
}
