package io.kovn.sandbox;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kovn.sandbox.standins.PodRuntime;
import io.kovn.sandbox.state.SandboxState;
import io.kovn.sandbox.state.UnderlayState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** {@code kovn sandbox exec [-n NS] POD -- CMD...}: runs a command in a pod's network namespace (either sandbox's). */
public final class SandboxExec {
    private SandboxExec() {
    }

    /** The network namespace of a pod of the running sandbox. */
    public static Path podNetns(SandboxState s, String namespace, String pod) {
        try (KubernetesClient client = SandboxClient.client(s)) {
            return podNetns(client, namespace, pod);
        }
    }

    /** The network namespace the pod runtime stand-in gave a pod (either sandbox's). */
    static Path podNetns(KubernetesClient client, String namespace, String pod) {
        Pod p = client.pods().inNamespace(namespace).withName(pod).get();
        if (p == null) {
            throw new IllegalArgumentException("no pod " + namespace + "/" + pod);
        }
        String ns = p.getMetadata().getAnnotations() == null ? null
                : p.getMetadata().getAnnotations().get(PodRuntime.NETNS_ANNOTATION);
        if (ns == null || !Files.exists(Path.of(ns))) {
            throw new IllegalStateException("pod " + namespace + "/" + pod + " has no network namespace yet"
                    + (p.getSpec().getNodeName() == null ? " (not bound to a node)" : " (on " + p.getSpec().getNodeName() + ")"));
        }
        return Path.of(ns);
    }

    /** Runs {@code command} with this terminal's input and output; returns its exit code. */
    public static int exec(Path stateDir, String namespace, String pod, List<String> command) throws IOException,
            InterruptedException {
        if (command.isEmpty()) {
            throw new IllegalArgumentException("no command: kovn sandbox exec POD -- CMD...");
        }
        Optional<UnderlayState> underlay = SandboxState.read(stateDir.toAbsolutePath()).isPresent() ? Optional.empty()
                : UnderlayState.read(stateDir.toAbsolutePath());
        Path netns;
        if (underlay.isPresent()) {
            try (KubernetesClient client = UnderlayStatus.client(UnderlayStatus.running(underlay.get()))) {
                netns = podNetns(client, namespace, pod);
            }
        } else {
            netns = podNetns(SandboxClient.running(stateDir), namespace, pod);
        }
        List<String> cmd = new ArrayList<>(List.of("nsenter", "--net=" + netns, "--"));
        cmd.addAll(command);
        return new ProcessBuilder(cmd).inheritIO().start().waitFor();
    }
}
