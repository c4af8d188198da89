package io.kovn.sandbox.image;

import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HostPathVolumeSource;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.kovn.testing.DaemonLauncher;
import io.kovn.testing.Exec;
import io.kovn.testing.OvnNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs a sandbox node's ovsdb-server, ovs-vswitchd and ovn-controller as podman containers of kovn's image, each
 * as the node DaemonSet's container of that name ({@link NodePodSpec}): its command, its capabilities (drop ALL,
 * add the listed ones, no privilege escalation, its user), its host path mounts, and the node's network namespace
 * for hostNetwork. Two adaptations to this machine, and only these: every host path of the OVS and OVN
 * directories is the node's own directory (where the sandbox's tools look, as on a real node they are the host's
 * {@code /var/run/openvswitch} and so on); {@code /lib/modules}, which the DaemonSet mounts for the kernel
 * datapath, is left out when the machine has none, and ovs-vswitchd gets {@code /dev/net/tun} instead, for the
 * userspace datapath (the only one without the {@code openvswitch} kernel module). Containers are named
 * {@code <node namespace>-<container>}, so they start with {@code kovn-} and {@link #removeContainers} finds
 * them.
 */
public final class PodmanLauncher implements DaemonLauncher {
    /** crun cannot use this machine's cgroups; runc can. */
    private static final String RUNTIME = "/usr/sbin/runc";
    /** The file {@link #writeContainersConf} writes in the sandbox's state directory. */
    public static final String CONTAINERS_CONF = "containers.conf";
    private static final String MODULES = "/lib/modules";
    /** The node agent's container in the DaemonSet. */
    public static final String AGENT = "kovn-node";
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final NodePodSpec pod;
    private final String image;
    private final Path containersConf;

    /**
     * {@code containersConf}: podman's configuration for this machine ({@link #writeContainersConf}); {@code tls}:
     * the DaemonSet of {@code kovn manifests --tls} (the agent enrols, ovn-controller reads its files).
     */
    public PodmanLauncher(String image, Path containersConf, boolean tls) {
        this.pod = NodePodSpec.of(image, tls);
        this.image = image;
        this.containersConf = containersConf;
        if (!pod.hostNetwork()) {
            throw new IllegalStateException("the node DaemonSet is not on the host network");
        }
    }

    /**
     * Writes a containers.conf without default ulimits: runc cannot set rlimits when the machine itself is a
     * container (as this one and many CI runners are).
     */
    public static Path writeContainersConf(Path dir) {
        Path conf = dir.resolve(CONTAINERS_CONF);
        try {
            Files.writeString(conf, "[containers]\ndefault_ulimits = []\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return conf;
    }

    /** Whether podman has {@code image}; null if it has, else why not. */
    public static String missingImage(String image) {
        Exec.Result r = Exec.run(TIMEOUT, "podman", "image", "exists", image);
        return r.ok() ? null : "podman has no image " + image + " (build it with scripts/build-image.sh)";
    }

    @Override
    public List<String> command(OvnNode node, String daemon, List<String> nativeCommand) {
        Map<String, Path> volumes = new HashMap<>();
        pod.container(daemon).getVolumeMounts().forEach(m -> volumes.put(m.getName(), node.dir()));
        return run(name(node, daemon), daemon, node.netns().path(), volumes, Map.of());
    }

    /**
     * The command line of the DaemonSet's container {@code container}, named {@code name}, in the network namespace
     * {@code netns}: each volume it mounts from {@code volumes} (by volume name; {@code /lib/modules} left out where
     * it does not exist), its environment with the values of {@code env} in place of the manifest's (those the
     * manifest takes from the downward API or from Services, which the sandbox has not).
     */
    public List<String> run(String name, String container, Path netns, Map<String, Path> volumes,
                            Map<String, String> env) {
        Container c = pod.container(container);
        List<String> cmd = podman(containersConf);
        cmd.addAll(List.of("run", "--rm", "--replace", "--name", name, "--network", "ns:" + netns));
        cmd.addAll(security(c.getSecurityContext()));
        for (VolumeMount m : c.getVolumeMounts()) {
            cmd.addAll(mount(m, volumes));
        }
        if (container.equals("ovs-vswitchd")) {
            cmd.addAll(List.of("--device", "/dev/net/tun"));
        }
        for (EnvVar e : c.getEnv()) {
            String value = env.containsKey(e.getName()) ? env.get(e.getName()) : e.getValue();
            if (value == null) {
                throw new IllegalStateException(container + ": no value for " + e.getName() + " here");
            }
            cmd.addAll(List.of("--env", e.getName() + "=" + value));
        }
        cmd.add(image);
        cmd.addAll(c.getCommand());
        cmd.addAll(c.getArgs());
        return cmd;
    }

    /** Where {@code container} sees the volume {@code volume} (its mount path in the DaemonSet). */
    public String mountPath(String container, String volume) {
        return pod.container(container).getVolumeMounts().stream().filter(m -> m.getName().equals(volume))
                .map(VolumeMount::getMountPath).findFirst()
                .orElseThrow(() -> new IllegalArgumentException(container + " does not mount " + volume));
    }

    /** Kills the container {@code name} as a crash would (its podman client then ends too). */
    public void kill(String name) {
        List<String> cmd = podman(containersConf);
        cmd.addAll(List.of("kill", "--signal", "KILL", name));
        Exec.run(cmd, Map.of(), null, TIMEOUT);
    }

    @Override
    public void kill(OvnNode node, String daemon) {
        kill(name(node, daemon));
    }

    /** Removes every container of the node whose namespace is {@code netns}; what is gone already is skipped. */
    public static void removeContainers(String netns, Path containersConf) {
        List<String> list = podman(containersConf);
        list.addAll(List.of("ps", "--all", "--format", "{{.Names}}"));
        Exec.Result r = Exec.run(list, Map.of(), null, TIMEOUT);
        if (!r.ok()) {
            return;
        }
        List<String> ours = r.out().lines().filter(n -> n.startsWith(netns + "-")).toList();
        if (ours.isEmpty()) {
            return;
        }
        List<String> rm = podman(containersConf);
        rm.addAll(List.of("rm", "--force", "--time", "2"));
        rm.addAll(ours);
        Exec.run(rm, Map.of(), null, TIMEOUT);
    }

    private static String name(OvnNode node, String daemon) {
        return node.netns().name() + "-" + daemon;
    }

    private static List<String> podman(Path containersConf) {
        return new ArrayList<>(List.of("env", "CONTAINERS_CONF=" + containersConf, "podman", "--runtime", RUNTIME));
    }

    private static List<String> security(SecurityContext sc) {
        List<String> out = new ArrayList<>();
        if (sc == null) {
            return out;
        }
        if (Boolean.TRUE.equals(sc.getPrivileged())) {
            // the agent: it sets the gateway interface's sysctls, and an unprivileged container's /proc/sys is
            // read-only (podman's, as kubelet's)
            out.add("--privileged");
        }
        if (sc.getRunAsUser() != null) {
            out.addAll(List.of("--user", sc.getRunAsUser().toString()));
        }
        if (Boolean.FALSE.equals(sc.getAllowPrivilegeEscalation())) {
            out.addAll(List.of("--security-opt", "no-new-privileges"));
        }
        Capabilities caps = sc.getCapabilities();
        if (caps != null) {
            caps.getDrop().forEach(d -> out.addAll(List.of("--cap-drop", d)));
            caps.getAdd().forEach(a -> out.addAll(List.of("--cap-add", a)));
        }
        return out;
    }

    private List<String> mount(VolumeMount m, Map<String, Path> volumes) {
        HostPathVolumeSource host = pod.volume(m.getName()).getHostPath();
        Path source;
        if (host != null && host.getPath().equals(MODULES)) {
            if (!Files.isDirectory(Path.of(MODULES))) {
                return List.of(); // no kernel modules here: the userspace datapath instead (/dev/net/tun)
            }
            source = Path.of(MODULES);
        } else {
            source = volumes.get(m.getName());
            if (source == null) {
                throw new IllegalStateException("no directory for the volume " + m.getName() + " here");
            }
        }
        List<String> options = new ArrayList<>();
        if (Boolean.TRUE.equals(m.getReadOnly())) {
            options.add("ro");
        }
        if ("HostToContainer".equals(m.getMountPropagation())) {
            options.add("rslave");
        }
        return Arrays.asList("--volume", source + ":" + m.getMountPath() + (options.isEmpty() ? ""
                : ":" + String.join(",", options)));
    }
}
