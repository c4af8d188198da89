package io.kovn.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestBuilder;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestConditionBuilder;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.kovn.pki.CertificateAuthority;
import io.kovn.pki.CertificateRequests;
import io.kovn.pki.KeyType;
import io.kovn.pki.Pem;
import io.kovn.testing.k8s.CsrApprovalDispatcher;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The signer's controller deletes its own decided requests once they are older than the retention, and only those. */
class NodeCsrControllerTest {
    private static final CertificateAuthority CA = CertificateAuthority.create("kovn test CA", KeyType.EC_P256,
            Duration.ofDays(1), Clock.systemUTC());
    private static final List<String> NODE_USAGES = List.of("digital signature", "key encipherment", "client auth");

    private final KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(),
            new HashMap<>(), new CsrApprovalDispatcher(), false);
    private final KubernetesClient client = start(server);

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
    void decidedRequestsOfItsSignerOlderThanTheRetentionAreDeleted() {
        Instant longAgo = Instant.now().minus(Duration.ofHours(2));
        Instant recently = Instant.now().minus(Duration.ofMinutes(5));
        csr("signed-long-ago", NodeCsrSigner.SIGNER_NAME, "Approved", longAgo, true);
        csr("denied-long-ago", NodeCsrSigner.SIGNER_NAME, "Denied", longAgo, false);
        csr("signed-recently", NodeCsrSigner.SIGNER_NAME, "Approved", recently, true);
        csr("approved-not-signed", NodeCsrSigner.SIGNER_NAME, "Approved", longAgo, false);
        csr("other-signer", "kubernetes.io/kube-apiserver-client", "Denied", longAgo, false);

        NodeCsrSigner signer = new NodeCsrSigner(client, CA, Duration.ofHours(6),
                new EventRecorder(client, "kovn-controller"), false);
        boolean[] leading = {false};
        try (NodeCsrController controller = new NodeCsrController(client, signer, CA, "kovn-system",
                () -> leading[0], Duration.ofMillis(200), Duration.ofHours(1))) {
            controller.start();
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5))
                    .until(() -> names().size() == 5); // a standby deletes nothing
            leading[0] = true;
            // approved-not-signed has no Node: the leader refuses it (Failed, now), so it is decided recently
            await().atMost(Duration.ofSeconds(20)).until(() -> client.certificates().v1().certificateSigningRequests()
                    .withName("approved-not-signed").get().getStatus().getConditions().size() == 2);
            await().atMost(Duration.ofSeconds(20)).until(() -> names().equals(Set.of("signed-recently",
                    "approved-not-signed", "other-signer")));
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5))
                    .until(() -> names().contains("approved-not-signed"));
            assertThat(client.certificates().v1().certificateSigningRequests().withName("approved-not-signed").get()
                    .getStatus().getConditions()).extracting(c -> c.getType()).containsExactly("Approved", "Failed");
        }
    }

    @Test
    void aRequestIsDecidedWhenItsNewestConditionWasWritten() {
        Instant approved = Instant.parse("2026-01-01T10:00:00Z");
        Instant failed = Instant.parse("2026-01-01T11:00:00Z");
        CertificateSigningRequest csr = new CertificateSigningRequestBuilder().withNewMetadata().withName("x")
                .withCreationTimestamp("2026-01-01T09:00:00Z").endMetadata().withNewStatus()
                .addToConditions(new CertificateSigningRequestConditionBuilder().withType("Approved")
                        .withLastUpdateTime(approved.toString()).build())
                .addToConditions(new CertificateSigningRequestConditionBuilder().withType("Failed")
                        .withLastTransitionTime(failed.toString()).build()).endStatus().build();
        assertThat(NodeCsrController.decidedAt(csr)).isEqualTo(failed);
        csr.getStatus().setConditions(List.of());
        assertThat(NodeCsrController.decidedAt(csr)).isEqualTo(Instant.parse("2026-01-01T09:00:00Z"));
    }

    private Set<String> names() {
        return client.certificates().v1().certificateSigningRequests().list().getItems().stream()
                .map(c -> c.getMetadata().getName()).collect(Collectors.toSet());
    }

    /** A CSR of {@code signer} with one condition of {@code type} written at {@code at}, signed or not. */
    private void csr(String name, String signer, String type, Instant at, boolean signed) {
        String request = Base64.getEncoder().encodeToString(Pem.encode(CertificateRequests.create(
                KeyType.EC_P256.generate(), "node1")).getBytes(StandardCharsets.US_ASCII));
        CertificateSigningRequest created = client.certificates().v1().certificateSigningRequests().resource(
                new CertificateSigningRequestBuilder().withNewMetadata().withName(name).endMetadata().withNewSpec()
                        .withSignerName(signer).withUsages(NODE_USAGES).withRequest(request).endSpec().build()).create();
        created.setStatus(new CertificateSigningRequestStatusBuilder()
                .addToConditions(new CertificateSigningRequestConditionBuilder().withType(type).withStatus("True")
                        .withReason("Test").withLastUpdateTime(at.toString()).withLastTransitionTime(at.toString())
                        .build())
                .withCertificate(signed ? Base64.getEncoder().encodeToString(Pem.encode(CA.certificate())
                        .getBytes(StandardCharsets.US_ASCII)) : null).build());
        client.certificates().v1().certificateSigningRequests().resource(created).updateStatus();
    }
}
