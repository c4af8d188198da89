package io.kovn.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.kovn.controller.ControllerConfig;
import io.kovn.controller.ControllerOptions;
import io.kovn.deploy.manifests.DeployNames;
import io.kovn.deploy.manifests.ManifestSettings;
import io.kovn.deploy.manifests.Manifests;
import io.kovn.node.NodeAgentConfig;
import io.kovn.node.NodeOptions;
import io.kovn.ovn.config.ConfigSources;
import io.kovn.ovn.config.Configuration;
import io.kovn.ovn.config.OptionSet;
import io.kovn.ovn.net.Ipv4Cidr;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The manifests {@code kovn manifests} writes: the committed defaults are current, every object reads into
 * fabric8's typed model with no unknown field, and the pods run the programs with config they accept.
 * {@code -Dkovn.writeManifests=true} rewrites deploy/manifests/.
 */
class ManifestsTest {
    private static final Path COMMITTED = Path.of("manifests");
    private static final Pattern SERVICE_HOST = Pattern.compile("\\$\\(([A-Z0-9_]+_SERVICE_HOST)\\)");

    static Stream<ManifestSettings> variants() {
        ManifestSettings d = ManifestSettings.defaults();
        return Stream.of(d, d.withHa(true), d.withTls(true), d.withHa(true).withTls(true));
    }

    static Stream<ManifestSettings> committed() {
        ManifestSettings d = ManifestSettings.defaults();
        return Stream.of(d, d.withHa(true), d.withTls(true), d.withHa(true).withTls(true));
    }

    @ParameterizedTest
    @MethodSource("committed")
    void theCommittedFileIsWhatTheGeneratorWrites(ManifestSettings s) throws Exception {
        Path file = COMMITTED.resolve(s.fileName());
        String generated = Manifests.yaml(s);
        if (Boolean.getBoolean("kovn.writeManifests")) {
            Files.createDirectories(COMMITTED);
            Files.writeString(file, generated, StandardCharsets.UTF_8);
        }
        assertThat(Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "")
                .as("deploy/manifests/" + s.fileName() + " is stale; regenerate: bin/kovn manifests"
                        + (s.ha() ? " --ha" : "") + (s.tls() ? " --tls" : "") + " --output deploy/manifests")
                .isEqualTo(generated);
    }

    @ParameterizedTest
    @MethodSource("variants")
    void everyObjectReadsIntoTheTypedModelWithNoUnknownField(ManifestSettings s) {
        List<HasMetadata> parsed = StrictKubernetesYaml.parse(Manifests.yaml(s));
        assertThat(parsed).extracting(o -> o.getKind() + "/" + o.getMetadata().getName())
                .containsExactlyElementsOf(Manifests.objects(s).stream()
                        .map(o -> o.getKind() + "/" + o.getMetadata().getName()).toList())
                .contains("Namespace/kovn-system", "ServiceAccount/kovn-controller", "ServiceAccount/kovn-node",
                        "ClusterRole/kovn-controller", "ClusterRole/kovn-node", "ConfigMap/kovn-config",
                        "StatefulSet/kovn-ovn-db", "Deployment/kovn-controller", "DaemonSet/kovn-node",
                        "PodDisruptionBudget/kovn-controller", "ValidatingAdmissionPolicy/kovn-ovn-annotations",
                        "ValidatingAdmissionPolicyBinding/kovn-ovn-annotations");
    }

    @ParameterizedTest
    @MethodSource("variants")
    void theDatabasesAreOneMemberOrThreeInRaft(ManifestSettings s) {
        StatefulSet db = only(StrictKubernetesYaml.parse(Manifests.yaml(s)), StatefulSet.class);
        assertThat(db.getSpec().getReplicas()).isEqualTo(s.ha() ? 3 : 1);
        assertThat(db.getSpec().getVolumeClaimTemplates()).singleElement()
                .satisfies(c -> assertThat(c.getMetadata().getName()).isEqualTo("data"));
        String nbScript = container(db.getSpec().getTemplate().getSpec(), "nb").getCommand().get(2);
        assertThat(nbScript).contains(s.ha() ? "ovsdb-tool create-cluster" : "ovsdb-tool create ")
                .contains(s.tls() ? "--remote=pssl:6641" : "--remote=ptcp:6641");
    }

    @Test
    void theControllerRunsTwoReplicasThatElectALeaderAndReadsItsConfigMapFile(@TempDir Path dir) throws Exception {
        List<HasMetadata> objects = StrictKubernetesYaml.parse(Manifests.yaml(ManifestSettings.defaults()));
        Deployment controller = only(objects, Deployment.class);
        assertThat(controller.getSpec().getReplicas()).isEqualTo(2);
        PodSpec pod = controller.getSpec().getTemplate().getSpec();
        assertThat(pod.getServiceAccountName()).isEqualTo(DeployNames.CONTROLLER);
        Container c = container(pod, "controller");
        assertThat(c.getCommand()).containsExactly("kovn", "controller", "--config", "/etc/kovn/controller.yaml");

        ControllerConfig cfg = ControllerOptions.config(resolve(ControllerOptions.SET, objects, c, dir,
                DeployNames.CONTROLLER_CONFIG, Map.of()));
        assertThat(cfg.leaderElection()).isTrue();
        assertThat(cfg.leaseNamespace()).isEqualTo(DeployNames.NAMESPACE);
        assertThat(cfg.clusterSubnet()).isEqualTo(Ipv4Cidr.parse("10.244.0.0/16"));
        assertThat(cfg.nbAddress()).isEqualTo("tcp:10.96.0.50:6641");
    }

    @Test
    void theNodePodRunsTheAgentOnTheHostNetworkWithItsConfigMapFile(@TempDir Path dir) throws Exception {
        ManifestSettings s = ManifestSettings.defaults().withHa(true);
        List<HasMetadata> objects = StrictKubernetesYaml.parse(Manifests.yaml(s));
        DaemonSet ds = only(objects, DaemonSet.class);
        PodSpec pod = ds.getSpec().getTemplate().getSpec();
        assertThat(pod.getHostNetwork()).isTrue();
        assertThat(pod.getContainers()).extracting(Container::getName)
                .containsExactly("ovsdb-server", "ovs-vswitchd", "ovn-controller", "kovn-node");
        Container agent = container(pod, "kovn-node");
        assertThat(agent.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
        assertThat(agent.getReadinessProbe().getHttpGet().getPort().getIntVal()).isEqualTo(9411);
        // privileged: a gateway node's agent sets sysctls, and an unprivileged container's /proc/sys is read-only
        assertThat(agent.getSecurityContext().getPrivileged()).isTrue();
        assertThat(pod.getContainers()).filteredOn(c -> !c.getName().equals("kovn-node"))
                .allSatisfy(c -> assertThat(c.getSecurityContext().getPrivileged()).isFalse());
        assertThat(pod.getVolumes()).extracting(v -> v.getHostPath() == null ? null : v.getHostPath().getPath())
                .contains("/var/run/openvswitch", "/etc/cni/net.d", "/opt/cni/bin", "/var/run/netns");

        NodeAgentConfig cfg = NodeOptions.config(resolve(NodeOptions.SET, objects, agent, dir,
                DeployNames.NODE_CONFIG, Map.of("KOVN_NODE_NAME", "worker-1")));
        assertThat(cfg.nodeName()).isEqualTo("worker-1");
        assertThat(cfg.sbRemote()).isEqualTo("tcp:10.96.0.50:6642,tcp:10.96.0.51:6642,tcp:10.96.0.52:6642");
        assertThat(cfg.cniConfDir()).isEqualTo(Path.of("/etc/cni/net.d"));
        assertThat(cfg.cniBinDir()).isEqualTo(Path.of("/opt/cni/bin"));
        assertThat(cfg.cniPluginSource()).isEqualTo(Path.of(DeployNames.KOVN_HOME));
        assertThat(cfg.ovsdbRemote()).isEqualTo("unix:/var/run/openvswitch/db.sock");
    }

    @Test
    void withTlsTheControllerSignsNodeCsrsAndEachAgentEnrolsWhereOvnControllerReads(@TempDir Path dir)
            throws Exception {
        List<HasMetadata> objects = StrictKubernetesYaml.parse(Manifests.yaml(ManifestSettings.defaults().withHa(true)
                .withTls(true)));
        Container controller = container(only(objects, Deployment.class).getSpec().getTemplate().getSpec(), "controller");
        Configuration controllerConfig = resolve(ControllerOptions.SET, objects, controller, dir,
                DeployNames.CONTROLLER_CONFIG, Map.of());
        assertThat(ControllerOptions.nodeSigning(controllerConfig)).hasValueSatisfying(n -> {
            assertThat(n.caSecret()).isEqualTo("kovn-ca");
            assertThat(n.namespace()).isEqualTo(DeployNames.NAMESPACE);
            assertThat(n.allowUnbound()).isFalse();
        });
        assertThat(ControllerOptions.config(controllerConfig).nbAddress())
                .isEqualTo("ssl:10.96.0.50:6641,ssl:10.96.0.51:6641,ssl:10.96.0.52:6641");

        PodSpec pod = only(objects, DaemonSet.class).getSpec().getTemplate().getSpec();
        Container agent = container(pod, "kovn-node");
        NodeAgentConfig cfg = NodeOptions.config(resolve(NodeOptions.SET, objects, agent, dir,
                DeployNames.NODE_CONFIG, Map.of("KOVN_NODE_NAME", "worker-1")));
        assertThat(cfg.sbRemote()).isEqualTo("ssl:10.96.0.50:6642,ssl:10.96.0.51:6642,ssl:10.96.0.52:6642");
        assertThat(cfg.enrollment()).isNotNull();
        assertThat(cfg.enrollment().namespace()).isEqualTo(DeployNames.NAMESPACE);
        String pki = cfg.enrollment().dir().toString();
        VolumeMount written = mountAt(agent, pki);
        VolumeMount read = mountAt(container(pod, "ovn-controller"), pki);
        assertThat(written.getReadOnly()).as("the agent writes the key and certificates").isNotEqualTo(Boolean.TRUE);
        assertThat(read.getReadOnly()).as("ovn-controller only reads them").isTrue();
        assertThat(read.getName()).isEqualTo(written.getName());
        assertThat(pod.getVolumes()).filteredOn(v -> v.getName().equals(read.getName())).singleElement()
                .satisfies(v -> assertThat(v.getHostPath().getPath()).isEqualTo(pki));

        PodSpec db = only(objects, StatefulSet.class).getSpec().getTemplate().getSpec();
        for (String[] d : new String[][] {{"nb", "6641", "kovn-nb-server-tls"}, {"sb", "6642", "kovn-sb-server-tls"}}) {
            Container server = container(db, d[0]);
            String script = server.getCommand().get(2);
            assertThat(script).contains("ssl:$POD_IP:").doesNotContain("ptcp", "tcp:$");
            if (d[0].equals("nb")) {
                assertThat(script).contains("--remote=pssl:" + d[1]);
            } else { // chassis under OVN's RBAC: the listener from the Connection table, with its role
                assertThat(script).contains("--remote=db:OVN_Southbound,SB_Global,connections",
                        "set-connection role=ovn-controller pssl:" + d[1]).doesNotContain("--remote=pssl");
            }
            String tlsDir = script.replaceAll("(?s).*--private-key=(\\S+)/tls\\.key.*", "$1");
            String volume = mountAt(server, tlsDir).getName();
            assertThat(db.getVolumes()).filteredOn(v -> v.getName().equals(volume)).singleElement()
                    .satisfies(v -> assertThat(v.getSecret().getSecretName()).isEqualTo(d[2]));
        }
        // the role-bound listener is for chassis: ovn-northd, which writes all of SB, uses its pod's socket
        assertThat(container(db, "northd").getEnv()).filteredOn(e -> e.getName().equals("SB")).singleElement()
                .satisfies(e -> assertThat(e.getValue()).isEqualTo("unix:/var/run/ovn/ovnsb_db.sock"));
    }

    private static VolumeMount mountAt(Container c, String path) {
        return c.getVolumeMounts().stream().filter(m -> m.getMountPath().equals(path)).findFirst()
                .orElseThrow(() -> new AssertionError(c.getName() + " mounts nothing at " + path));
    }

    @Test
    void theAdmissionPolicyNamesTheServiceAccountsTheManifestsCreate() {
        List<HasMetadata> objects = Manifests.objects(ManifestSettings.defaults());
        List<String> accounts = objects.stream().filter(ServiceAccount.class::isInstance)
                .map(o -> DeployNames.serviceAccountUser(o.getMetadata().getName())).toList();
        assertThat(accounts).hasSize(2);
        String policy = DeployResources.read(DeployResources.ANNOTATION_POLICY);
        accounts.forEach(a -> assertThat(policy).contains("'" + a + "'"));
    }

    /**
     * Resolves {@code set} as the container would: its config file from the ConfigMap, its environment with the
     * member Services' addresses (10.96.0.50, .51, ...) expanded as Kubernetes expands them, {@code extra} for
     * the downward API.
     */
    private static Configuration resolve(OptionSet set, List<HasMetadata> objects, Container c,
            Path dir, String key, Map<String, String> extra) throws Exception {
        ConfigMap cm = only(objects, ConfigMap.class);
        Path file = dir.resolve(key);
        Files.writeString(file, cm.getData().get(key), StandardCharsets.UTF_8);
        Map<String, String> env = new HashMap<>(extra);
        for (EnvVar e : c.getEnv()) {
            if (e.getValue() != null) {
                env.put(e.getName(), expand(e.getValue()));
            }
        }
        return ConfigSources.of(Map.of(ConfigSources.CONFIG.name(), file.toString()), env).resolve(set);
    }

    private static String expand(String value) {
        Matcher m = SERVICE_HOST.matcher(value);
        StringBuilder b = new StringBuilder();
        while (m.find()) {
            int member = Integer.parseInt(m.group(1).replaceAll("\\D", ""));
            m.appendReplacement(b, "10.96.0." + (50 + member));
        }
        return m.appendTail(b).toString();
    }

    private static <T> T only(List<HasMetadata> objects, Class<T> type) {
        return objects.stream().filter(type::isInstance).map(type::cast).reduce((a, b) -> {
            throw new AssertionError("more than one " + type.getSimpleName());
        }).orElseThrow();
    }

    private static Container container(PodSpec pod, String name) {
        return pod.getContainers().stream().filter(c -> c.getName().equals(name)).findFirst().orElseThrow();
    }
}
