package io.kovn.node.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.kovn.controller.CaSecret;
import io.kovn.controller.EventRecorder;
import io.kovn.controller.NodeCsrController;
import io.kovn.controller.NodeCsrSigner;
import io.kovn.node.kube.AgentKubernetesClient;
import io.kovn.node.ovs.LocalOvs;
import io.kovn.pki.CertificateAuthority;
import io.kovn.pki.CertificateRequests;
import io.kovn.pki.KeyType;
import io.kovn.pki.NodeCsr;
import io.kovn.pki.Pem;
import io.kovn.pki.PkiDirectory;
import io.kovn.pki.Role;
import io.kovn.pki.SubjectAltName;
import io.kovn.testing.Netns;
import io.kovn.testing.OvnDaemons;
import io.kovn.testing.OvnNode;
import io.kovn.testing.TlsOvsdbServer;
import io.kovn.testing.Underlay;
import io.kovn.testing.k8s.CsrApprovalDispatcher;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CSR flow end to end with real OVN: the controller's signer (its CA read from a Secret) signs the node's
 * request, the node's ovn-controller (in its own namespace) joins a Southbound that listens on {@code pssl:}
 * only, with {@code role=ovn-controller}, using the enrolled certificate through the Open_vSwitch SSL row; the
 * certificate is renewed at 2/3 of its 20 s lifetime without dropping that connection, and after the first
 * certificate has expired ovn-controller reconnects with the renewed one. A request with a wrong CN or extra
 * usages is denied with an Event.
 */
@Tag("integration")
class NodeEnrollmentIT {
    private static final String NAMESPACE = "kovn-system";
    private static final Duration LIFETIME = Duration.ofSeconds(20);

    @TempDir
    Path tmp;

    @Test
    void aNodeEnrolsItsOvnControllerJoinsAnSslOnlySouthboundAndSurvivesARenewal() throws Exception {
        CertificateAuthority ca = CertificateAuthority.create("kovn test CA", KeyType.EC_P256, Duration.ofDays(1),
                Clock.systemUTC());
        PkiDirectory pki = new PkiDirectory(tmp.resolve("central"));
        pki.saveCa(ca);
        KubernetesMockServer api = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new CsrApprovalDispatcher(), false);
        api.init();
        try (KubernetesClient kube = api.createClient();
             Underlay underlay = Underlay.create();
             Netns central = Netns.create("central")) {
            String centralIp = underlay.attach(central, "eth0");
            PkiDirectory.saveIssued(tmp.resolve("central"), "ovn-sb", ca.issue(Role.SB_SERVER, "ovn-sb",
                    List.of(SubjectAltName.parse("IP:" + centralIp)), KeyType.EC_P256, Duration.ofHours(1)), false);
            kube.secrets().inNamespace(NAMESPACE).resource(CaSecret.caSecret(NAMESPACE, "kovn-ca",
                    Pem.readPrivateKey(pki.caKey()), ca.certificate())).create();

            try (OvnDaemons nb = OvnDaemons.builder().nb().start();
                 TlsOvsdbServer sb = TlsOvsdbServer.start(TlsOvsdbServer.Database.SB, central,
                         PkiDirectory.keyFile(tmp.resolve("central"), "ovn-sb"),
                         PkiDirectory.certFile(tmp.resolve("central"), "ovn-sb"), pki.caCert());
                 NodeCsrController signer = signer(kube);
                 OvnNode node1 = OvnNode.builder("node1").underlay(underlay).start()) {
                signer.start();
                sb.startNorthd(nb.nbUnix());
                String remote = sb.listenSsl("ovn-controller", centralIp);
                await().atMost(Duration.ofSeconds(20)).until(() -> sb.ctl("--bare", "--columns=name", "list",
                        "RBAC_Role").contains("ovn-controller"));
                kube.nodes().resource(new NodeBuilder().withNewMetadata().withName("node1").endMetadata().build()).create();
                node1.configureOvn(remote, "geneve"); // system-id node1; ovn-controller has no SSL row yet

                Path dir = tmp.resolve("node1-pki");
                try (LocalOvs ovs = LocalOvs.connect(node1.ovsdbRemote(), Duration.ofSeconds(10));
                     KubernetesClient agent = AgentKubernetesClient.build(kube.getConfiguration(),
                             AgentKubernetesClient.serialization());
                     NodeCertificates certs = NodeCertificates.start(agent, ovs, "node1", "node1",
                             new NodeEnrollment(dir, NAMESPACE, Duration.ofSeconds(30)), Clock.systemUTC())) {
                    assertThat(node1.vsctl("get-ssl")).startsWith("Private key: " + dir.resolve("node-key.pem") + "\n"
                            + "Certificate: " + dir.resolve("node-cert.pem") + "\nCA Certificate: " + dir.resolve("ca-cert.pem"));
                    await().atMost(Duration.ofSeconds(30)).until(() -> sb.ctl("--bare", "--columns=name", "list", "Chassis")
                            .equals("node1"));
                    assertThat(node1.appctl("ovn-controller", "connection-status")).isEqualTo("connected");
                    assertThat(kube.configMaps().inNamespace(NAMESPACE).withName(NodeCsr.CA_CONFIG_MAP).get().getData())
                            .containsEntry(NodeCsr.CA_CONFIG_MAP_KEY, Pem.encode(ca.certificate()));

                    X509Certificate first = certs.certificate();
                    List<Instant> disconnected = new ArrayList<>();
                    AtomicBoolean sampling = new AtomicBoolean(true);
                    Thread sampler = new Thread(() -> {
                        while (sampling.get()) {
                            String status = node1.appctl("ovn-controller", "connection-status");
                            if (!"connected".equals(status)) {
                                disconnected.add(Instant.now());
                            }
                            sleep(100);
                        }
                    });
                    sampler.start();
                    await().atMost(LIFETIME.plusSeconds(10)).until(() -> !certs.certificate().equals(first));
                    sleep(2000);
                    sampling.set(false);
                    sampler.join();
                    X509Certificate renewed = certs.certificate();
                    System.out.printf("renewal: first certificate %s..%s, renewed at %s; samples disconnected during "
                            + "the renewal: %d%n", first.getNotBefore().toInstant(), first.getNotAfter().toInstant(),
                            renewed.getNotBefore().toInstant(), disconnected.size());
                    assertThat(disconnected).as("ovn-controller's SB connection during the renewal").isEmpty();
                    assertThat(renewed.getSubjectX500Principal().getName()).isEqualTo("CN=node1");
                    assertThat(renewed.getPublicKey()).as("a new key").isNotEqualTo(first.getPublicKey());
                    assertThat(Pem.readCertificates(dir.resolve("node-cert.pem"))).containsExactly(renewed);

                    await().atMost(LIFETIME).until(() -> Instant.now().isAfter(first.getNotAfter().toInstant().plusSeconds(1)));
                    int logBefore = sb.log().length();
                    sb.dropConnections();
                    long dropped = System.nanoTime();
                    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() ->
                            "connected".equals(node1.appctl("ovn-controller", "connection-status"))
                                    && sb.ctl("--bare", "--columns=name", "list", "Chassis").equals("node1"));
                    System.out.printf("after the first certificate expired and the SB dropped every connection, "
                            + "ovn-controller was connected again in %d ms%n", (System.nanoTime() - dropped) / 1_000_000);
                    assertThat(sb.log().substring(logBefore)).doesNotContain("certificate verify failed");
                }
                assertDeniedWithEvent(kube, "wrong-cn", "node9", NodeCsr.USAGES, "no Node named node9");
                assertDeniedWithEvent(kube, "extra-usages", "node1", List.of("digital signature", "key encipherment",
                        "client auth", "server auth"), "are not exactly a node's");
            }
        } finally {
            api.destroy();
        }
    }

    private static void assertDeniedWithEvent(KubernetesClient kube, String name, String cn, List<String> usages,
                                              String why) {
        kube.certificates().v1().certificateSigningRequests().resource(new CertificateSigningRequestBuilder()
                .withNewMetadata().withName(name).endMetadata().withNewSpec().withSignerName(NodeCsr.SIGNER_NAME)
                .withUsages(usages).withRequest(Base64.getEncoder().encodeToString(Pem.encode(CertificateRequests.create(
                        KeyType.EC_P256.generate(), cn)).getBytes(StandardCharsets.US_ASCII))).endSpec().build()).create();
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            CertificateSigningRequest csr = kube.certificates().v1().certificateSigningRequests().withName(name).get();
            return csr.getStatus() != null && csr.getStatus().getConditions().stream()
                    .anyMatch(c -> c.getType().equals("Denied") && c.getMessage().contains(why));
        });
        assertThat(kube.certificates().v1().certificateSigningRequests().withName(name).get().getStatus().getCertificate())
                .isNull();
        assertThat(kube.v1().events().inNamespace("default").list().getItems())
                .filteredOn(e -> name.equals(e.getInvolvedObject().getName()))
                .singleElement().satisfies(e -> {
                    assertThat(e.getReason()).isEqualTo("CertificateDenied");
                    assertThat(e.getMessage()).contains(why);
                });
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The controller's CSR signer with the CA Secret the test stored, leading from the start. */
    private static NodeCsrController signer(KubernetesClient kube) {
        CertificateAuthority ca = CaSecret.load(kube, NAMESPACE, "kovn-ca", Clock.systemUTC());
        return new NodeCsrController(kube, new NodeCsrSigner(kube, ca, LIFETIME, new EventRecorder(kube, "kovn-controller"),
                false), ca, NAMESPACE, () -> true, Duration.ofSeconds(1), Duration.ZERO);
    }
}
