package io.kovn.cli;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** How to reach the Kubernetes API: a kubeconfig file, or the usual auto-configuration (in-cluster, ~/.kube/config). */
final class KubeOptions {
    @Option(names = "--kubeconfig", description = "kubeconfig file (default: in-cluster config or ~/.kube/config)")
    Path kubeconfig;

    KubernetesClient client() throws Exception {
        Config config = kubeconfig == null ? Config.autoConfigure(null) : Config.fromKubeconfig(Files.readString(kubeconfig));
        return new KubernetesClientBuilder().withConfig(config).build();
    }
}
