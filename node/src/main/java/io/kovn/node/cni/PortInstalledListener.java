package io.kovn.node.cni;

import io.kovn.node.kube.AgentPod;
import java.time.Instant;

/**
 * Told by CNI ADD when ovn-controller has marked a pod's OVS interface ovn-installed. Called on the request's
 * thread: an implementation must return at once (queue, never call the API).
 */
public interface PortInstalledListener {
    PortInstalledListener NONE = (pod, hostVeth, seenAt) -> { };

    void installed(AgentPod pod, String hostVeth, Instant seenAt);
}
