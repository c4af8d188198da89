package io.kovn.deploy.manifests;

import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.CapabilitiesBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Pieces every kovn pod spec uses: host paths, capabilities, probes, resources, the downward API. */
final class PodParts {
    private PodParts() {
    }

    static Volume hostPath(String name, String path, String type) {
        return new VolumeBuilder().withName(name).withNewHostPath().withPath(path).withType(type).endHostPath().build();
    }

    static VolumeMount mount(String name, String path) {
        return new VolumeMountBuilder().withName(name).withMountPath(path).build();
    }

    static VolumeMount readOnly(String name, String path) {
        return new VolumeMountBuilder().withName(name).withMountPath(path).withReadOnly(true).build();
    }

    /** Runs as root (the daemons' files on the host are root's) with no capability but those named. */
    static SecurityContext capabilities(String... add) {
        Capabilities caps = new CapabilitiesBuilder().withDrop("ALL").withAdd(add).build();
        return new SecurityContextBuilder().withRunAsUser(0L).withPrivileged(false)
                .withAllowPrivilegeEscalation(false).withCapabilities(caps).build();
    }

    /**
     * Privileged: for the node agent, which sets the gateway interface's sysctls, and kubelet gives an unprivileged
     * container a read-only {@code /proc/sys} whatever its capabilities.
     */
    static SecurityContext privileged() {
        return new SecurityContextBuilder().withRunAsUser(0L).withPrivileged(true).build();
    }

    /** The controller's: it only talks to the API and NB, so it runs as nobody with no capability. */
    static SecurityContext nonRoot() {
        return new SecurityContextBuilder().withRunAsUser(65534L).withRunAsNonRoot(true).withPrivileged(false)
                .withAllowPrivilegeEscalation(false).withReadOnlyRootFilesystem(true)
                .withCapabilities(new CapabilitiesBuilder().withDrop("ALL").build()).build();
    }

    static EnvVar env(String name, String value) {
        return new EnvVarBuilder().withName(name).withValue(value).build();
    }

    /** An environment variable from the pod's own fields, e.g. {@code spec.nodeName}. */
    static EnvVar field(String name, String fieldPath) {
        return new EnvVarBuilder().withName(name).withNewValueFrom().withNewFieldRef().withFieldPath(fieldPath)
                .endFieldRef().endValueFrom().build();
    }

    static Probe healthz(int port, int periodSeconds, int failureThreshold) {
        return new ProbeBuilder().withNewHttpGet().withPath("/healthz").withNewPort(port).endHttpGet()
                .withPeriodSeconds(periodSeconds).withFailureThreshold(failureThreshold).withTimeoutSeconds(5).build();
    }

    static Probe exec(int periodSeconds, String... command) {
        return new ProbeBuilder().withNewExec().withCommand(command).endExec().withPeriodSeconds(periodSeconds)
                .withTimeoutSeconds(5).build();
    }

    /**
     * Requests (cpu millicores, memory MiB) and a memory limit; no CPU limit (throttling a datapath hurts). The
     * requests are what the sandbox's processes used (RSS and CPU from /proc, docs/install.md "Resources"), rounded
     * up; the limits leave room for larger clusters, whose databases, flows and informer caches grow with them.
     */
    static ResourceRequirements resources(int cpuMillis, int memoryMiB, int memoryLimitMiB) {
        return new ResourceRequirementsBuilder()
                .withRequests(new TreeMap<>(Map.of("cpu", new Quantity(cpuMillis + "m"),
                        "memory", new Quantity(memoryMiB + "Mi"))))
                .withLimits(new TreeMap<>(Map.of("memory", new Quantity(memoryLimitMiB + "Mi")))).build();
    }

    /** Tolerations for the cluster's own components: control-plane nodes and nodes whose network is not up yet. */
    static List<Toleration> controlPlaneTolerations() {
        return List.of(
                toleration("node-role.kubernetes.io/control-plane", "NoSchedule"),
                toleration("node.kubernetes.io/not-ready", "NoSchedule"),
                toleration("node.kubernetes.io/network-unavailable", "NoSchedule"),
                toleration("node.cloudprovider.kubernetes.io/uninitialized", "NoSchedule"));
    }

    private static Toleration toleration(String key, String effect) {
        return new TolerationBuilder().withKey(key).withOperator("Exists").withEffect(effect).build();
    }
}
