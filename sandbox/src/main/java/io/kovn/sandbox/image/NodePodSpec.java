package io.kovn.sandbox.image;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.kovn.deploy.manifests.ManifestSettings;
import io.kovn.deploy.manifests.Manifests;
import java.util.List;

/**
 * The node DaemonSet's pod spec as {@code kovn manifests --image IMAGE} generates it: what the sandbox's
 * containers run comes from here, so the sandbox tests the manifests' commands, mounts and capabilities.
 */
public final class NodePodSpec {
    private final PodSpec spec;

    private NodePodSpec(PodSpec spec) {
        this.spec = spec;
    }

    /** From the default manifests (one database) with {@code image}; with {@code tls}, those of {@code --tls}. */
    public static NodePodSpec of(String image, boolean tls) {
        ManifestSettings d = ManifestSettings.defaults();
        ManifestSettings s = new ManifestSettings(image, d.clusterSubnet(), d.nodeSubnetPrefix(), d.serviceCidr(),
                d.mtu(), false, tls);
        DaemonSet ds = Manifests.objects(s).stream().filter(DaemonSet.class::isInstance).map(DaemonSet.class::cast)
                .findFirst().orElseThrow(() -> new IllegalStateException("the manifests have no DaemonSet"));
        return new NodePodSpec(ds.getSpec().getTemplate().getSpec());
    }

    /** The container named {@code name} (ovsdb-server, ovs-vswitchd, ovn-controller, kovn-node). */
    public Container container(String name) {
        return spec.getContainers().stream().filter(c -> c.getName().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("the node DaemonSet has no container " + name));
    }

    /** The volume a container mounts by {@code name}. */
    public Volume volume(String name) {
        return spec.getVolumes().stream().filter(v -> v.getName().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("the node DaemonSet has no volume " + name));
    }

    /** Whether the pod is on the host network (the sandbox gives its containers the node's namespace). */
    public boolean hostNetwork() {
        return Boolean.TRUE.equals(spec.getHostNetwork());
    }

    /** Container names in the pod's order. */
    public List<String> containers() {
        return spec.getContainers().stream().map(Container::getName).toList();
    }
}
