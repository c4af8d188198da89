package io.kovn.sandbox.standins;

import io.kovn.sandbox.api.PodProcesses;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/** The pods the sandbox's pod runtimes run, as the API's logs and exec find them. */
public final class RuntimePodProcesses implements PodProcesses {
    private final Supplier<List<RuntimePod>> pods;

    public RuntimePodProcesses(Supplier<List<RuntimePod>> pods) {
        this.pods = pods;
    }

    private Optional<RuntimePod> find(String namespace, String pod) {
        return pods.get().stream().filter(p -> !p.stopping() && p.namespace().equals(namespace) && p.name().equals(pod))
                .findFirst();
    }

    @Override
    public Optional<Path> log(String namespace, String pod, String container) {
        return find(namespace, pod).flatMap(p -> p.log(container));
    }

    @Override
    public Optional<Path> netns(String namespace, String pod) {
        return find(namespace, pod).map(RuntimePod::netnsPath);
    }
}
