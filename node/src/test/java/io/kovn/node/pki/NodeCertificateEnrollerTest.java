package io.kovn.node.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestConditionBuilder;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.kovn.ovsdb.client.TlsConfig;
import io.kovn.pki.CertificateAuthority;
import io.kovn.pki.CertificateRequests;
import io.kovn.pki.KeyType;
import io.kovn.pki.NodeCsr;
import io.kovn.pki.Pem;
import io.kovn.pki.Role;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node's side of enrolment against fabric8's mock API server; the signer's side is played here by a
 * thread that decides the CSR as the controller's NodeCsrSigner would (that class has its own tests).
 */
class NodeCertificateEnrollerTest {
    private static final CertificateAuthority CA = CertificateAuthority.create("kovn test CA", KeyType.EC_P256,
            Duration.ofDays(1), Clock.systemUTC());

    private final KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(),
            new HashMap<>(), new KubernetesCrudDispatcher(), false);
    private final KubernetesClient client = start(server);

    @TempDir
    Path tmp;

    private static KubernetesClient start(KubernetesMockServer server) {
        server.init();
        return server.createClient();
    }

    @AfterEach
    void close() {
        client.close();
        server.destroy();
    }

    @Test
    void aSignedCertificateIsCheckedAndWrittenWithTheKeyOwnerOnly() throws Exception {
        CompletableFuture<CertificateSigningRequest> seen = decideNextCsr(csr -> {
            CertificateRequests.Validated v = CertificateRequests.validate(Pem.parseCertificationRequest(
                    new String(Base64.getDecoder().decode(csr.getSpec().getRequest()), StandardCharsets.US_ASCII)));
            X509Certificate cert = CA.sign(v.publicKey(), Role.OVN_CONTROLLER, v.commonName(), List.of(), Duration.ofHours(1));
            csr.getStatus().getConditions().add(new CertificateSigningRequestConditionBuilder().withType("Approved")
                    .withStatus("True").withReason("Test").build());
            csr.getStatus().setCertificate(base64(Pem.encode(cert)));
            return csr;
        });
        TlsConfig files = new NodeCertificateEnroller(client, tmp.resolve("tls"), Duration.ofSeconds(20))
                .enroll("chassis-1", CA.certificate());

        CertificateSigningRequest csr = seen.join();
        assertThat(csr.getSpec().getSignerName()).isEqualTo("kovn.io/ovn-node");
        assertThat(csr.getSpec().getUsages()).containsExactly("digital signature", "key encipherment", "client auth");
        assertThat(csr.getMetadata().getName()).startsWith("kovn-node-chassis-1-");

        assertThat(files.privateKey()).isEqualTo(tmp.resolve("tls/node-key.pem"));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(files.privateKey()))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp.resolve("tls")))).isEqualTo("rwx------");
        X509Certificate cert = Pem.readCertificates(files.certificate()).get(0);
        assertThat(cert.getSubjectX500Principal().getName()).isEqualTo("CN=chassis-1");
        assertThat(cert.getPublicKey().getEncoded()).isEqualTo(
                CertificateRequests.validate(Pem.parseCertificationRequest(new String(Base64.getDecoder()
                        .decode(csr.getSpec().getRequest()), StandardCharsets.US_ASCII))).publicKey().getEncoded());
        assertThat(Pem.readCertificates(files.caCertificate())).containsExactly(CA.certificate());
        assertThat(Pem.readPrivateKey(files.privateKey()).getAlgorithm()).isEqualTo("EC");
    }

    @Test
    void aDeniedCsrFailsWithTheSignersReasonAndWritesNothing() {
        decideNextCsr(csr -> {
            csr.getStatus().getConditions().add(new CertificateSigningRequestConditionBuilder().withType("Denied")
                    .withStatus("True").withReason("KovnNodeDenied").withMessage("no Node named chassis-1").build());
            return csr;
        });
        assertThatThrownBy(() -> new NodeCertificateEnroller(client, tmp.resolve("tls"), Duration.ofSeconds(20))
                .enroll("chassis-1", CA.certificate()))
                .hasMessageMatching("CSR kovn-node-chassis-1-[0-9a-f]{8} was denied: no Node named chassis-1");
        assertThat(tmp.resolve("tls")).doesNotExist();
    }

    @Test
    void aCertificateFromAnotherCaOrForAnotherKeyIsRejected() {
        CertificateAuthority other = CertificateAuthority.create("other", KeyType.EC_P256, Duration.ofDays(1), Clock.systemUTC());
        decideNextCsr(csr -> {
            var issued = other.issue(Role.OVN_CONTROLLER, "chassis-1", List.of(), KeyType.EC_P256, Duration.ofHours(1));
            csr.getStatus().setCertificate(base64(Pem.encode(issued.certificate())));
            return csr;
        });
        assertThatThrownBy(() -> new NodeCertificateEnroller(client, tmp.resolve("a"), Duration.ofSeconds(20))
                .enroll("chassis-1", CA.certificate())).hasMessageContaining("not one the CA issued");
        decideNextCsr(csr -> {
            var issued = CA.issue(Role.OVN_CONTROLLER, "chassis-1", List.of(), KeyType.EC_P256, Duration.ofHours(1));
            csr.getStatus().setCertificate(base64(Pem.encode(issued.certificate())));
            return csr;
        });
        assertThatThrownBy(() -> new NodeCertificateEnroller(client, tmp.resolve("b"), Duration.ofSeconds(20))
                .enroll("chassis-1", CA.certificate())).hasMessageContaining("for another key");
        assertThat(tmp.resolve("a")).doesNotExist();
        assertThat(tmp.resolve("b")).doesNotExist();
    }

    @Test
    void noSignerMeansAClearTimeout() {
        assertThatThrownBy(() -> new NodeCertificateEnroller(client, tmp.resolve("tls"), Duration.ofSeconds(1))
                .enroll("chassis-1", CA.certificate())).hasMessageContaining("was not signed within 1 s");
    }

    /** Waits (in the background) for the next undecided CSR of kovn's signer and writes {@code decide}'s status. */
    private CompletableFuture<CertificateSigningRequest> decideNextCsr(UnaryOperator<CertificateSigningRequest> decide) {
        return CompletableFuture.supplyAsync(() -> {
            long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            while (System.nanoTime() < deadline) {
                for (CertificateSigningRequest csr : client.certificates().v1().certificateSigningRequests().list().getItems()) {
                    boolean undecided = csr.getStatus() == null || csr.getStatus().getCertificate() == null
                            && csr.getStatus().getConditions().isEmpty();
                    if (NodeCsr.SIGNER_NAME.equals(csr.getSpec().getSignerName()) && undecided) {
                        client.certificates().v1().certificateSigningRequests().withName(csr.getMetadata().getName())
                                .editStatus(c -> {
                                    if (c.getStatus() == null) {
                                        c.setStatus(new CertificateSigningRequestStatus());
                                    }
                                    return decide.apply(c);
                                });
                        return csr;
                    }
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
            throw new IllegalStateException("no CSR appeared");
        });
    }

    private static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.US_ASCII));
    }
}
