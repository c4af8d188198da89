package io.kovn.deploy.manifests;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import io.kovn.controller.ControllerOptions;
import io.kovn.ovn.config.ConfigSources;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The controller: a Deployment of 2 (one leads through the Lease in kovn-system, the other waits), on the host
 * network of control-plane nodes because pods get their network from it, with a PodDisruptionBudget that keeps
 * one running during a drain. Ready is its {@code /healthz}: NB connected, in the election, and on the leader
 * every informer synced. It needs no root and no capability.
 */
final class ControllerObjects {
    private static final String COMPONENT = "controller";
    static final int REPLICAS = 2;

    private ControllerObjects() {
    }

    static List<HasMetadata> build(ManifestSettings s) {
        Map<String, String> labels = DeployNames.labels(COMPONENT);
        List<EnvVar> env = new ArrayList<>(List.of(
                PodParts.env(ControllerOptions.NB.address().env(), OvnDatabaseObjects.remotes(s, Ports.NB)),
                PodParts.field(ControllerOptions.IDENTITY.env(), "metadata.name"),
                PodParts.env("KOVN_JAVA_OPTS", "-XX:MaxRAMPercentage=70")));
        // a read-only root: /tmp is where Netty unpacks its native transport
        List<VolumeMount> mounts = new ArrayList<>(List.of(PodParts.readOnly("config", DeployNames.CONFIG_DIR),
                PodParts.mount("tmp", "/tmp")));
        List<Volume> volumes = new ArrayList<>(List.of(new VolumeBuilder().withName("config").withNewConfigMap()
                .withName(DeployNames.CONFIG_MAP).endConfigMap().build(),
                new VolumeBuilder().withName("tmp").withNewEmptyDir().endEmptyDir().build()));
        if (s.tls()) {
            mounts.add(PodParts.readOnly("tls", Pki.CLIENT_DIR));
            volumes.add(new VolumeBuilder().withName("tls").withNewSecret().withSecretName(Pki.CONTROLLER_SECRET)
                    .withDefaultMode(0400).endSecret().build());
        }
        return List.of(new DeploymentBuilder().withNewMetadata().withName(DeployNames.CONTROLLER)
                        .withNamespace(DeployNames.NAMESPACE).withLabels(labels).endMetadata().withNewSpec()
                        .withReplicas(REPLICAS).withNewSelector().withMatchLabels(labels).endSelector()
                        .withNewStrategy().withType("RollingUpdate").withNewRollingUpdate()
                        .withMaxUnavailable(new IntOrString(1)).withMaxSurge(new IntOrString(0)).endRollingUpdate()
                        .endStrategy()
                        .withNewTemplate().withNewMetadata().withLabels(labels).endMetadata().withNewSpec()
                        .withServiceAccountName(DeployNames.CONTROLLER).withHostNetwork(true)
                        .withDnsPolicy("ClusterFirstWithHostNet").withPriorityClassName("system-cluster-critical")
                        .withNodeSelector(Map.of("node-role.kubernetes.io/control-plane", ""))
                        .withTolerations(PodParts.controlPlaneTolerations())
                        .withNewAffinity().withNewPodAntiAffinity()
                        .addNewPreferredDuringSchedulingIgnoredDuringExecution().withWeight(100)
                        .withNewPodAffinityTerm().withTopologyKey("kubernetes.io/hostname").withNewLabelSelector()
                        .withMatchLabels(labels).endLabelSelector().endPodAffinityTerm()
                        .endPreferredDuringSchedulingIgnoredDuringExecution().endPodAntiAffinity().endAffinity()
                        .addToContainers(new ContainerBuilder().withName("controller").withImage(s.image())
                                .withCommand("kovn", "controller", ConfigSources.CONFIG.flag(),
                                        DeployNames.CONFIG_DIR + "/" + DeployNames.CONTROLLER_CONFIG)
                                .withEnv(env)
                                .addNewPort().withName("metrics").withContainerPort(Ports.CONTROLLER_METRICS).endPort()
                                .withReadinessProbe(PodParts.healthz(Ports.CONTROLLER_METRICS, 10, 3))
                                .withResources(PodParts.resources(200, 256, 1024))
                                .withSecurityContext(PodParts.nonRoot())
                                .withVolumeMounts(mounts).build())
                        .withVolumes(volumes).endSpec().endTemplate().endSpec().build(),
                new PodDisruptionBudgetBuilder().withNewMetadata().withName(DeployNames.CONTROLLER)
                        .withNamespace(DeployNames.NAMESPACE).withLabels(labels).endMetadata().withNewSpec()
                        .withMinAvailable(new IntOrString(1)).withNewSelector().withMatchLabels(labels).endSelector()
                        .endSpec().build());
    }
}
