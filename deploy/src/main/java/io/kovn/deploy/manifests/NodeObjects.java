package io.kovn.deploy.manifests;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.kovn.node.NodeJvm;
import io.kovn.node.NodeOptions;
import io.kovn.ovn.config.ConfigSources;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The node DaemonSet: one pod per node, on the host network, with four containers sharing host directories:
 * ovsdb-server and ovs-vswitchd (the kernel datapath), ovn-controller, and the kovn node agent. The agent points
 * OVS at the Southbound, builds br-int and the management port, serves the CNI socket and only then installs
 * the plugin and the CNI config (kubelet calls a node's network ready when that config exists), and its
 * {@code /healthz} is the pod's readiness. Capabilities: NET_ADMIN for the daemons that change interfaces,
 * routes and flows; the agent is privileged: it enters pods' network namespaces (setns), and on a gateway node
 * sets the gateway interface's sysctls, which no capability allows in a container whose {@code /proc/sys} kubelet
 * mounts read-only (ovn-kubernetes' node pod is privileged for the same reasons). It tolerates every
 * taint: a node's network must come up before anything else can run there. With {@code --tls} the agent enrols
 * the node's certificate through a CSR into a host directory ovn-controller also mounts, and points the local
 * Open_vSwitch SSL row at it, so ovn-controller reaches the pssl-only Southbound with it.
 */
final class NodeObjects {
    private static final String COMPONENT = "node";
    private static final String PKI_VOLUME = "kovn-pki";

    private NodeObjects() {
    }

    static List<HasMetadata> build(ManifestSettings s) {
        Map<String, String> labels = DeployNames.labels(COMPONENT);
        List<Volume> volumes = new ArrayList<>(List.of(
                PodParts.hostPath("ovs-run", NodePaths.OVS_RUN, "DirectoryOrCreate"),
                PodParts.hostPath("ovs-etc", NodePaths.OVS_ETC, "DirectoryOrCreate"),
                PodParts.hostPath("ovs-log", NodePaths.OVS_LOG, "DirectoryOrCreate"),
                PodParts.hostPath("ovn-run", NodePaths.OVN_RUN, "DirectoryOrCreate"),
                PodParts.hostPath("ovn-log", NodePaths.OVN_LOG, "DirectoryOrCreate"),
                PodParts.hostPath("kovn-run", NodePaths.KOVN_RUN, "DirectoryOrCreate"),
                PodParts.hostPath("cni-conf", NodePaths.CNI_CONF, "DirectoryOrCreate"),
                PodParts.hostPath("cni-bin", NodePaths.CNI_BIN, "DirectoryOrCreate"),
                PodParts.hostPath("netns", NodePaths.NETNS, "DirectoryOrCreate"),
                PodParts.hostPath("modules", NodePaths.MODULES, "Directory"),
                new VolumeBuilder().withName("config").withNewConfigMap().withName(DeployNames.CONFIG_MAP)
                        .endConfigMap().build()));
        if (s.tls()) {
            volumes.add(PodParts.hostPath(PKI_VOLUME, NodePaths.KOVN_PKI, "DirectoryOrCreate"));
        }
        List<VolumeMount> ovs = List.of(PodParts.mount("ovs-run", NodePaths.OVS_RUN),
                PodParts.mount("ovs-etc", NodePaths.OVS_ETC), PodParts.mount("ovs-log", NodePaths.OVS_LOG));
        return List.of(new DaemonSetBuilder().withNewMetadata().withName(DeployNames.NODE)
                .withNamespace(DeployNames.NAMESPACE).withLabels(labels).endMetadata().withNewSpec()
                .withNewSelector().withMatchLabels(labels).endSelector()
                .withNewUpdateStrategy().withType("RollingUpdate").withNewRollingUpdate()
                .withMaxUnavailable(new IntOrString(1)).endRollingUpdate().endUpdateStrategy()
                .withNewTemplate().withNewMetadata().withLabels(labels).endMetadata().withNewSpec()
                .withServiceAccountName(DeployNames.NODE).withHostNetwork(true)
                .withDnsPolicy("ClusterFirstWithHostNet").withPriorityClassName("system-node-critical")
                .withNodeSelector(Map.of("kubernetes.io/os", "linux"))
                .withTolerations(new TolerationBuilder().withOperator("Exists").build())
                .withTerminationGracePeriodSeconds(30L)
                .withContainers(ovsdbServer(s, ovs), ovsVswitchd(s, ovs), ovnController(s, ovs), agent(s))
                .withVolumes(volumes).endSpec().endTemplate().endSpec().build());
    }

    private static Container ovsdbServer(ManifestSettings s, List<VolumeMount> ovs) {
        String db = NodePaths.OVS_ETC + "/conf.db";
        String schema = "/usr/share/openvswitch/vswitch.ovsschema";
        String script = "set -eu\n"
                + "if [ ! -f " + db + " ]; then\n"
                + "  ovsdb-tool create " + db + " " + schema + "\n"
                + "elif [ \"$(ovsdb-tool needs-conversion " + db + " " + schema + ")\" = yes ]; then\n"
                + "  ovsdb-tool convert " + db + " " + schema + "\n"
                + "fi\n"
                + "exec ovsdb-server " + db + " --remote=punix:" + NodePaths.OVS_RUN + "/db.sock"
                + " --remote=db:Open_vSwitch,Open_vSwitch,manager_options --pidfile=" + NodePaths.OVS_RUN
                + "/ovsdb-server.pid --unixctl=" + NodePaths.OVS_RUN + "/ovsdb-server.ctl -vconsole:info -vfile:off\n";
        return new ContainerBuilder().withName("ovsdb-server").withImage(s.image())
                .withCommand("/bin/sh", "-c", script)
                .withReadinessProbe(PodParts.exec(10, "ovsdb-client", "list-dbs", "unix:" + NodePaths.OVS_RUN + "/db.sock"))
                .withResources(PodParts.resources(10, 32, 256))
                .withSecurityContext(PodParts.capabilities())
                .withVolumeMounts(ovs).build();
    }

    private static Container ovsVswitchd(ManifestSettings s, List<VolumeMount> ovs) {
        String script = "set -eu\n"
                + "until [ -S " + NodePaths.OVS_RUN + "/db.sock ]; do sleep 1; done\n"
                + "ovs-vsctl --no-wait init\n"
                + "exec ovs-vswitchd unix:" + NodePaths.OVS_RUN + "/db.sock --pidfile=" + NodePaths.OVS_RUN
                + "/ovs-vswitchd.pid --unixctl=" + NodePaths.OVS_RUN + "/ovs-vswitchd.ctl -vconsole:info -vfile:off\n";
        return new ContainerBuilder().withName("ovs-vswitchd").withImage(s.image())
                .withCommand("/bin/sh", "-c", script)
                .withReadinessProbe(PodParts.exec(10, "ovs-appctl", "-t", NodePaths.OVS_RUN + "/ovs-vswitchd.ctl",
                        "version"))
                .withResources(PodParts.resources(50, 64, 1024))
                .withSecurityContext(PodParts.capabilities("NET_ADMIN", "NET_RAW"))
                .withVolumeMounts(concat(ovs, PodParts.readOnly("modules", NodePaths.MODULES))).build();
    }

    private static Container ovnController(ManifestSettings s, List<VolumeMount> ovs) {
        String script = "set -eu\n"
                + "until [ -S " + NodePaths.OVS_RUN + "/db.sock ]; do sleep 1; done\n"
                // ovn-controller takes no --unixctl: its socket is found through the pid file in /var/run/ovn
                + "exec ovn-controller unix:" + NodePaths.OVS_RUN + "/db.sock --pidfile=" + NodePaths.OVN_RUN
                + "/ovn-controller.pid -vconsole:info -vfile:off\n";
        return new ContainerBuilder().withName("ovn-controller").withImage(s.image())
                .withCommand("/bin/sh", "-c", script)
                .withReadinessProbe(PodParts.exec(10, "ovn-appctl", "-t", "ovn-controller", "connection-status"))
                .withResources(PodParts.resources(50, 64, 1024))
                .withSecurityContext(PodParts.capabilities("NET_ADMIN"))
                .withVolumeMounts(withPki(s, concat(ovs, PodParts.mount("ovn-run", NodePaths.OVN_RUN),
                        PodParts.mount("ovn-log", NodePaths.OVN_LOG)), true)).build();
    }

    private static Container agent(ManifestSettings s) {
        return new ContainerBuilder().withName("kovn-node").withImage(s.image())
                .withCommand("kovn", "node", ConfigSources.CONFIG.flag(),
                        DeployNames.CONFIG_DIR + "/" + DeployNames.NODE_CONFIG)
                .withEnv(PodParts.field(NodeOptions.NODE_NAME.env(), "spec.nodeName"),
                        PodParts.env(NodeOptions.SB_ADDRESS.env(), OvnDatabaseObjects.remotes(s, Ports.SB)),
                        PodParts.env(NodeOptions.NB_ADDRESS.env(), OvnDatabaseObjects.remotes(s, Ports.NB)),
                        PodParts.env("KOVN_JAVA_OPTS", "-XX:MaxRAMPercentage=70 " + NodeJvm.javaOpts()))
                .addNewPort().withName("metrics").withContainerPort(Ports.NODE_METRICS).endPort()
                .withReadinessProbe(PodParts.healthz(Ports.NODE_METRICS, 10, 3))
                .withResources(PodParts.resources(100, 160, 512))
                .withSecurityContext(PodParts.privileged())
                .withVolumeMounts(withPki(s, List.of(
                        PodParts.mount("ovs-run", NodePaths.OVS_RUN),
                        PodParts.mount("ovs-etc", NodePaths.OVS_ETC),
                        PodParts.mount("kovn-run", NodePaths.KOVN_RUN),
                        PodParts.mount("cni-conf", NodePaths.CNI_CONF),
                        PodParts.mount("cni-bin", NodePaths.CNI_BIN),
                        new VolumeMountBuilder().withName("netns").withMountPath(NodePaths.NETNS)
                                .withMountPropagation("HostToContainer").build(),
                        PodParts.readOnly("config", DeployNames.CONFIG_DIR)), false))
                .build();
    }

    /**
     * With {@code --tls}, {@code mounts} and the node's PKI directory: the agent enrols into it, ovn-controller
     * ({@code readOnly}) reads the files the SSL row names, so both see it at the same path.
     */
    private static List<VolumeMount> withPki(ManifestSettings s, List<VolumeMount> mounts, boolean readOnly) {
        if (!s.tls()) {
            return mounts;
        }
        return concat(mounts, readOnly ? PodParts.readOnly(PKI_VOLUME, NodePaths.KOVN_PKI)
                : PodParts.mount(PKI_VOLUME, NodePaths.KOVN_PKI));
    }

    private static List<VolumeMount> concat(List<VolumeMount> a, VolumeMount... more) {
        return Stream.concat(a.stream(), Arrays.stream(more)).toList();
    }
}
