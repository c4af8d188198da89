package io.kovn.deploy.manifests;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * The OVN databases: a StatefulSet of 1 member, or 3 in RAFT clusters ({@code --ha}), each pod running the NB
 * and SB ovsdb-servers and an ovn-northd (the northds share the work through the SB lock: one is active). The
 * pods are on the host network of control-plane nodes (the pod network needs them first), keep their databases
 * on persistent volumes, and are reached through one ClusterIP Service per member, whose address every kovn pod
 * gets from Kubernetes' service environment variables: a member list clients can follow to the RAFT leader.
 *
 * <p>With {@code --tls}, SB's network listener is {@code pssl:} with {@code role=ovn-controller} (OVN's RBAC: a
 * chassis, known by its certificate's CN, changes only its own rows), so ovn-northd reaches SB through its own
 * pod's unix socket. Clustered, an ovn-northd connects only while its member is SB's leader (it wants the
 * leader): the active one is always the one next to the leader, the others wait; a leader change moves the work.
 */
final class OvnDatabaseObjects {
    private static final String COMPONENT = "ovn-db";
    private static final String RUN = "/var/run/ovn";
    private static final String DATA = "/var/lib/ovn";

    private OvnDatabaseObjects() {
    }

    /** The Service name of member {@code i}. */
    static String memberService(int i) {
        return DeployNames.OVN_DB + "-" + i;
    }

    /**
     * The member list of one database as a remote option's value, with Kubernetes' {@code $(VAR)} expansion of
     * each member Service's address; for the {@code env} of a pod created after the Services.
     */
    static String remotes(ManifestSettings s, int port) {
        return IntStream.range(0, s.databaseMembers()).mapToObj(i -> scheme(s) + ":$(" + serviceHostVariable(i)
                + "):" + port).collect(Collectors.joining(","));
    }

    private static String serviceHostVariable(int i) {
        return memberService(i).toUpperCase(Locale.ROOT).replace('-', '_') + "_SERVICE_HOST";
    }

    private static String scheme(ManifestSettings s) {
        return s.tls() ? "ssl" : "tcp";
    }

    static List<HasMetadata> build(ManifestSettings s) {
        Map<String, String> labels = DeployNames.labels(COMPONENT);
        List<HasMetadata> out = new ArrayList<>();
        out.add(new ServiceBuilder().withNewMetadata().withName(DeployNames.OVN_DB).withNamespace(DeployNames.NAMESPACE)
                .withLabels(labels).endMetadata().withNewSpec().withClusterIP("None").withSelector(labels)
                .withPorts(ports()).withPublishNotReadyAddresses(true).endSpec().build());
        for (int i = 0; i < s.databaseMembers(); i++) {
            Map<String, String> selector = new LinkedHashMap<>(labels);
            selector.put("statefulset.kubernetes.io/pod-name", DeployNames.OVN_DB + "-" + i);
            out.add(new ServiceBuilder().withNewMetadata().withName(memberService(i))
                    .withNamespace(DeployNames.NAMESPACE).withLabels(labels).endMetadata().withNewSpec()
                    .withSelector(selector).withPorts(ports()).withPublishNotReadyAddresses(true).endSpec().build());
        }
        out.add(statefulSet(s, labels));
        if (s.ha()) {
            out.add(new PodDisruptionBudgetBuilder().withNewMetadata().withName(DeployNames.OVN_DB)
                    .withNamespace(DeployNames.NAMESPACE).withLabels(labels).endMetadata().withNewSpec()
                    .withMaxUnavailable(new IntOrString(1)).withNewSelector().withMatchLabels(labels).endSelector()
                    .endSpec().build());
        }
        return out;
    }

    private static List<ServicePort> ports() {
        return List.of(port("nb", Ports.NB), port("sb", Ports.SB), port("nb-raft", Ports.NB_RAFT),
                port("sb-raft", Ports.SB_RAFT));
    }

    private static ServicePort port(String name, int port) {
        return new ServicePortBuilder().withName(name).withPort(port).withNewTargetPort(port).withProtocol("TCP").build();
    }

    private static HasMetadata statefulSet(ManifestSettings s, Map<String, String> labels) {
        List<VolumeMount> mounts = List.of(PodParts.mount("data", DATA), PodParts.mount("run", RUN));
        List<Volume> volumes = new ArrayList<>(List.of(new VolumeBuilder().withName("run").withNewEmptyDir()
                .endEmptyDir().build()));
        List<VolumeMount> nbMounts = new ArrayList<>(mounts);
        List<VolumeMount> sbMounts = new ArrayList<>(mounts);
        List<VolumeMount> northdMounts = new ArrayList<>(List.of(PodParts.mount("run", RUN)));
        if (s.tls()) {
            volumes.add(secret("nb-tls", Pki.NB_SERVER_SECRET));
            volumes.add(secret("sb-tls", Pki.SB_SERVER_SECRET));
            volumes.add(secret("northd-tls", Pki.NORTHD_SECRET));
            nbMounts.add(PodParts.readOnly("nb-tls", Pki.NB_SERVER_DIR));
            sbMounts.add(PodParts.readOnly("sb-tls", Pki.SB_SERVER_DIR));
            northdMounts.add(PodParts.readOnly("northd-tls", Pki.CLIENT_DIR));
        }
        List<Container> containers = List.of(
                database(s, "nb", "ovnnb_db", "ovn-nb", "OVN_Northbound", Ports.NB, Ports.NB_RAFT, Pki.NB_SERVER_DIR,
                        nbMounts),
                database(s, "sb", "ovnsb_db", "ovn-sb", "OVN_Southbound", Ports.SB, Ports.SB_RAFT, Pki.SB_SERVER_DIR,
                        sbMounts),
                northd(s, northdMounts));
        return new StatefulSetBuilder().withNewMetadata().withName(DeployNames.OVN_DB)
                .withNamespace(DeployNames.NAMESPACE).withLabels(labels).endMetadata().withNewSpec()
                .withServiceName(DeployNames.OVN_DB).withReplicas(s.databaseMembers())
                .withNewSelector().withMatchLabels(labels).endSelector()
                .withNewTemplate().withNewMetadata().withLabels(labels).endMetadata().withNewSpec()
                .withHostNetwork(true).withDnsPolicy("ClusterFirstWithHostNet")
                .withPriorityClassName("system-cluster-critical").withAutomountServiceAccountToken(false)
                .withNodeSelector(new LinkedHashMap<>(Map.of("node-role.kubernetes.io/control-plane", "")))
                .withTolerations(PodParts.controlPlaneTolerations())
                .withNewAffinity().withNewPodAntiAffinity().addNewRequiredDuringSchedulingIgnoredDuringExecution()
                .withTopologyKey("kubernetes.io/hostname").withNewLabelSelector().withMatchLabels(labels)
                .endLabelSelector().endRequiredDuringSchedulingIgnoredDuringExecution().endPodAntiAffinity()
                .endAffinity()
                .withTerminationGracePeriodSeconds(30L)
                .withContainers(containers).withVolumes(volumes).endSpec().endTemplate()
                .withVolumeClaimTemplates(new PersistentVolumeClaimBuilder().withNewMetadata().withName("data")
                        .endMetadata().withNewSpec().withAccessModes("ReadWriteOnce").withNewResources()
                        .withRequests(Map.of("storage", new Quantity("1Gi"))).endResources().endSpec().build())
                .endSpec().build();
    }

    private static Volume secret(String name, String secret) {
        return new VolumeBuilder().withName(name).withNewSecret().withSecretName(secret).withDefaultMode(0400)
                .endSecret().build();
    }

    /** One database's ovsdb-server: created (or joined to member 0's cluster) on first start, then run. */
    private static Container database(ManifestSettings s, String name, String file, String schemaName, String dbName,
                                      int port, int raftPort, String tlsDir, List<VolumeMount> mounts) {
        String db = DATA + "/" + file + ".db";
        String schema = "/usr/share/ovn/" + schemaName + ".ovsschema";
        String listen = s.tls() ? "pssl:" + port : "ptcp:" + port;
        String tls = s.tls() ? " --private-key=" + tlsDir + "/tls.key --certificate=" + tlsDir + "/tls.crt --ca-cert="
                + tlsDir + "/ca.crt" : "";
        String create = s.ha()
                ? "member=${POD_NAME##*-}\n"
                + "if [ ! -f " + db + " ]; then\n"
                + "  if [ \"$member\" = 0 ]; then\n"
                + "    ovsdb-tool create-cluster " + db + " " + schema + " " + scheme(s) + ":$POD_IP:" + raftPort + "\n"
                + "  else\n"
                + "    ovsdb-tool join-cluster " + db + " " + dbName + " " + scheme(s) + ":$POD_IP:" + raftPort + " "
                + scheme(s) + ":$" + serviceHostVariable(0) + ":" + raftPort + "\n"
                + "  fi\n"
                + "fi\n"
                : "if [ ! -f " + db + " ]; then\n"
                + "  ovsdb-tool create " + db + " " + schema + "\n"
                + "elif [ \"$(ovsdb-tool needs-conversion " + db + " " + schema + ")\" = yes ]; then\n"
                + "  ovsdb-tool convert " + db + " " + schema + "\n"
                + "fi\n";
        String socket = RUN + "/" + file + ".sock";
        String remote = " --remote=" + listen;
        String connection = "";
        if (s.tls() && port == Ports.SB) {
            // chassis under OVN's RBAC: SB's network listener comes from its Connection table with
            // role=ovn-controller (a command-line remote can't carry a role), written once the server answers on
            // its socket; ovn-northd, which needs all of SB, uses the socket
            remote = " --remote=db:OVN_Southbound,SB_Global,connections";
            connection = "(until ovn-sbctl --no-leader-only --db=unix:" + socket + " --timeout=10 set-connection"
                    + " role=ovn-controller " + listen + "; do sleep 2; done) >/dev/null 2>&1 &\n";
        }
        String script = "set -eu\n" + create + connection
                + "exec ovsdb-server " + db + remote + " --remote=punix:" + socket
                + " --pidfile=" + RUN + "/" + file + ".pid --unixctl=" + RUN + "/" + file + ".ctl" + tls
                + " -vconsole:info -vfile:off\n";
        return new ContainerBuilder().withName(name).withImage(s.image())
                .withCommand("/bin/sh", "-c", script)
                .withEnv(PodParts.field("POD_NAME", "metadata.name"), PodParts.field("POD_IP", "status.podIP"))
                .addNewPort().withName(name).withContainerPort(port).endPort()
                .addNewPort().withName(name + "-raft").withContainerPort(raftPort).endPort()
                .withReadinessProbe(PodParts.exec(10, "ovsdb-client", "list-dbs", "unix:" + RUN + "/" + file + ".sock"))
                .withResources(PodParts.resources(50, 64, 2048))
                .withSecurityContext(PodParts.capabilities())
                .withVolumeMounts(mounts).build();
    }

    private static Container northd(ManifestSettings s, List<VolumeMount> mounts) {
        String tls = s.tls() ? " --private-key=" + Pki.CLIENT_DIR + "/tls.key --certificate=" + Pki.CLIENT_DIR
                + "/tls.crt --ca-cert=" + Pki.CLIENT_DIR + "/ca.crt" : "";
        String script = "exec ovn-northd --ovnnb-db=\"$NB\" --ovnsb-db=\"$SB\" --pidfile=" + RUN + "/ovn-northd.pid"
                + " --unixctl=" + RUN + "/ovn-northd.ctl" + tls + " -vconsole:info -vfile:off\n";
        return new ContainerBuilder().withName("northd").withImage(s.image())
                .withCommand("/bin/sh", "-c", script)
                .withEnv(PodParts.env("NB", remotes(s, Ports.NB)), PodParts.env("SB", s.tls()
                        ? "unix:" + RUN + "/ovnsb_db.sock" : remotes(s, Ports.SB)))
                .withReadinessProbe(PodParts.exec(10, "ovn-appctl", "-t", RUN + "/ovn-northd.ctl", "status"))
                .withResources(PodParts.resources(50, 64, 1024))
                .withSecurityContext(PodParts.capabilities())
                .withVolumeMounts(mounts).build();
    }
}
