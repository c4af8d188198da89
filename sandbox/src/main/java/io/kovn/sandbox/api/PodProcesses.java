package io.kovn.sandbox.api;

import java.nio.file.Path;
import java.util.Optional;

/**
 * What the API needs of the pod runtime stand-ins to serve {@code kubectl logs} and {@code kubectl exec}: a
 * running pod's container log and network namespace. Empty for a pod that runs on no node of the sandbox.
 */
public interface PodProcesses {
    /** The file a container's process writes to; {@code container} null: the pod's first container. */
    Optional<Path> log(String namespace, String pod, String container);

    /** The network namespace the pod's containers run in. */
    Optional<Path> netns(String namespace, String pod);

    /** No pod runs anywhere (an API without nodes, as in unit tests). */
    PodProcesses NONE = new PodProcesses() {
        @Override
        public Optional<Path> log(String namespace, String pod, String container) {
            return Optional.empty();
        }

        @Override
        public Optional<Path> netns(String namespace, String pod) {
            return Optional.empty();
        }
    };
}
