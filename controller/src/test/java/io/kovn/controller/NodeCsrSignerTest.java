package io.kovn.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestBuilder;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestCondition;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestConditionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.kovn.ovn.annotations.GatewayConfig;
import io.kovn.pki.CertificateAuthority;
import io.kovn.pki.CertificateRequests;
import io.kovn.pki.KeyType;
import io.kovn.pki.Pem;
import io.kovn.testing.k8s.CsrApprovalDispatcher;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class NodeCsrSignerTest {
    private static final CertificateAuthority CA = CertificateAuthority.create("kovn test CA", KeyType.EC_P256,
            Duration.ofDays(1), Clock.systemUTC());
    private static final List<String> NODE_USAGES = List.of("digital signature", "key encipherment", "client auth");

    private final KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(),
            new HashMap<>(), new CsrApprovalDispatcher(), false);
    private final KubernetesClient client = start(server);
    private final NodeCsrSigner signer = new NodeCsrSigner(client, CA, Duration.ofHours(6),
            new EventRecorder(client, "kovn-controller"), false);

    private static KubernetesClient start(KubernetesMockServer server) {
        server.init();
        return server.createClient();
    }

    @AfterEach
    void close() {
        client.close();
        server.destroy();
    }

    private void node(String name) {
        client.nodes().resource(new NodeBuilder().withNewMetadata().withName(name).withUid(UUID.randomUUID().toString())
                .endMetadata().build()).create();
    }

    @Test
    void aRequestForAnExistingNodeIsApprovedAndSignedForTheNodesKey() throws Exception {
        node("node1");
        KeyPair key = KeyType.EC_P256.generate();
        CertificateSigningRequest csr = submit("node1-csr", CertificateRequests.create(key, "node1"), NODE_USAGES);

        assertThat(signer.handle(csr)).isEqualTo(NodeCsrSigner.Decision.APPROVED);
        CertificateSigningRequest stored = get("node1-csr");
        assertThat(stored.getStatus().getConditions()).extracting(CertificateSigningRequestCondition::getType,
                CertificateSigningRequestCondition::getReason).containsExactly(tuple(
                "Approved", "KovnNodeApproved"));
        X509Certificate cert = certificateOf(stored);
        cert.verify(CA.certificate().getPublicKey());
        assertThat(cert.getPublicKey()).isEqualTo(key.getPublic());
        assertThat(cert.getSubjectX500Principal().getName()).isEqualTo("CN=node1");
        assertThat(cert.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.2");
        assertThat(Duration.between(cert.getNotBefore().toInstant(), cert.getNotAfter().toInstant()))
                .isEqualTo(Duration.ofHours(6).plusMinutes(5));

        assertThat(signer.handle(stored)).as("a decided CSR is left alone").isEqualTo(NodeCsrSigner.Decision.IGNORED);
        assertThat(client.v1().events().inNamespace("default").list().getItems())
                .filteredOn(e -> "node1-csr".equals(e.getInvolvedObject().getName())).singleElement().satisfies(e -> {
                    assertThat(e.getType()).isEqualTo("Normal");
                    assertThat(e.getReason()).isEqualTo("CertificateSigned");
                    assertThat(e.getMessage()).contains("for Node node1 (CN=node1)", "valid until");
                });
    }

    @Test
    void aRequestApprovedBeforeItsNodeWasDeletedIsNotSigned() {
        node("node1");
        submit("late", CertificateRequests.create(KeyType.EC_P256.generate(), "node1"), NODE_USAGES);
        client.certificates().v1().certificateSigningRequests().withName("late").approve(
                new CertificateSigningRequestConditionBuilder()
                        .withType("Approved").withStatus("True").withReason("ByHand").build());
        client.nodes().withName("node1").delete();

        assertThat(signer.handle(get("late"))).isEqualTo(NodeCsrSigner.Decision.DENIED);
        CertificateSigningRequest stored = get("late");
        assertThat(stored.getStatus().getCertificate()).isNull();
        assertThat(stored.getStatus().getConditions()).extracting(CertificateSigningRequestCondition::getType)
                .containsExactly("Approved", "Failed");
        assertThat(NodeCsrSigner.finished(stored)).isTrue();
    }

    @Test
    void theCnMayBeTheChassisIdANodeAnnounces() {
        client.nodes().resource(new NodeBuilder().withNewMetadata().withName("node2")
                .addToAnnotations(GatewayConfig.CHASSIS_ANNOTATION, "0b8a3c52-4f7e-4d0e-9b63-1f1f1a2b3c4d").endMetadata()
                .build()).create();
        CertificateSigningRequest csr = submit("node2-csr", CertificateRequests.create(KeyType.EC_P256.generate(),
                "0b8a3c52-4f7e-4d0e-9b63-1f1f1a2b3c4d"), NODE_USAGES);
        assertThat(signer.handle(csr)).isEqualTo(NodeCsrSigner.Decision.APPROVED);
        assertThat(get("node2-csr").getStatus().getCertificate()).isNotBlank();
    }

    @Test
    void aCnOfNoNodeIsDeniedWithAnEvent() {
        node("node1");
        CertificateSigningRequest csr = submit("stranger", CertificateRequests.create(KeyType.EC_P256.generate(),
                "node9"), NODE_USAGES);
        assertThat(signer.handle(csr)).isEqualTo(NodeCsrSigner.Decision.DENIED);
        assertDenied("stranger", "no Node named node9 or with chassis node9");
    }

    @Test
    void extraOrMissingUsagesAreDenied() {
        node("node1");
        KeyPair key = KeyType.EC_P256.generate();
        submit("extra", CertificateRequests.create(key, "node1"), List.of("digital signature", "key encipherment",
                "client auth", "server auth"));
        submit("missing", CertificateRequests.create(key, "node1"), List.of("digital signature", "client auth"));
        submit("doubled", CertificateRequests.create(key, "node1"), List.of("digital signature", "client auth", "client auth"));
        for (String name : List.of("extra", "missing", "doubled")) {
            assertThat(signer.handle(get(name))).isEqualTo(NodeCsrSigner.Decision.DENIED);
            assertDenied(name, "are not exactly a node's");
        }
    }

    @Test
    void aRequestForMoreThanItsCnOrNotSignedByItsKeyIsDenied() throws Exception {
        node("node1");
        KeyPair key = KeyType.EC_P256.generate();
        var signerKey = new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate());
        submit("group", new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=node1,O=system:masters"),
                key.getPublic()).build(signerKey), NODE_USAGES);
        KeyPair victim = KeyType.EC_P256.generate();
        submit("forged", new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=node1"), victim.getPublic())
                .build(signerKey), NODE_USAGES);
        assertThat(signer.handle(get("group"))).isEqualTo(NodeCsrSigner.Decision.DENIED);
        assertDenied("group", "exactly CN=<name>");
        assertThat(signer.handle(get("forged"))).isEqualTo(NodeCsrSigner.Decision.DENIED);
        assertDenied("forged", "signature does not verify");
    }

    @Test
    void aNodeIdentityMayOnlyAskForItsOwnNodesCertificate() {
        node("node1");
        node("node2");
        KeyPair key = KeyType.EC_P256.generate();
        client.certificates().v1().certificateSigningRequests().resource(new CertificateSigningRequestBuilder()
                .withNewMetadata().withName("node2-for-node1").endMetadata().withNewSpec()
                .withSignerName(NodeCsrSigner.SIGNER_NAME).withUsages(NODE_USAGES).withUsername("system:node:node2")
                .withRequest(base64(Pem.encode(CertificateRequests.create(key, "node1")))).endSpec().build()).create();
        assertThat(signer.handle(get("node2-for-node1"))).isEqualTo(NodeCsrSigner.Decision.DENIED);
        assertDenied("node2-for-node1", "requester system:node:node2 may not ask for Node node1's certificate");
    }

    @Test
    void theAgentsServiceAccountGetsOnlyTheCertificateOfTheNodeItsTokenNames() {
        node("node1");
        node("node2");
        String agent = "system:serviceaccount:kovn-system:kovn-node";
        submitAs("from-node1", "node1", agent, Map.of(CsrRequester.NODE_NAME_EXTRA, List.of("node1")));
        submitAs("from-node2", "node1", agent, Map.of(CsrRequester.NODE_NAME_EXTRA, List.of("node2")));

        assertThat(signer.handle(get("from-node1"))).isEqualTo(NodeCsrSigner.Decision.APPROVED);
        assertThat(get("from-node1").getStatus().getConditions()).singleElement().satisfies(c -> assertThat(
                c.getMessage()).contains("requested by " + agent + " from a pod on Node node1"));
        assertThat(get("from-node1").getStatus().getCertificate()).isNotBlank();
        assertThat(signer.handle(get("from-node2"))).isEqualTo(NodeCsrSigner.Decision.DENIED);
        assertDenied("from-node2", "requester " + agent + " runs on Node node2, not on Node node1");
    }

    @Test
    void aServiceAccountWhoseTokenNamesNoNodeIsDeniedUnlessUnboundRequestsAreAllowed() {
        node("node1");
        String agent = "system:serviceaccount:kovn-system:kovn-node";
        submitAs("old-cluster", "node1", agent, Map.of());
        assertThat(signer.handle(get("old-cluster"))).isEqualTo(NodeCsrSigner.Decision.DENIED);
        assertDenied("old-cluster", "token names no node (" + CsrRequester.NODE_NAME_EXTRA + " missing: Kubernetes "
                + "before 1.30");

        NodeCsrSigner allowing = new NodeCsrSigner(client, CA, Duration.ofHours(6),
                new EventRecorder(client, "kovn-controller"), true);
        submitAs("old-cluster-allowed", "node1", agent, Map.of());
        assertThat(allowing.handle(get("old-cluster-allowed"))).isEqualTo(NodeCsrSigner.Decision.APPROVED);
        assertThat(get("old-cluster-allowed").getStatus().getConditions()).singleElement().satisfies(c -> assertThat(
                c.getMessage()).contains("names no node (accepted: --allow-unbound-node-csrs)"));
        submitAs("two-nodes", "node1", agent, Map.of(CsrRequester.NODE_NAME_EXTRA, List.of("node1", "node2")));
        assertThat(allowing.handle(get("two-nodes"))).as("a token naming another node is denied even so")
                .isEqualTo(NodeCsrSigner.Decision.DENIED);
    }

    @Test
    void otherSignersCsrsAreNotTouched() {
        node("node1");
        CertificateSigningRequest csr = client.certificates().v1().certificateSigningRequests().resource(
                new CertificateSigningRequestBuilder().withNewMetadata().withName("kubelet").endMetadata().withNewSpec()
                        .withSignerName("kubernetes.io/kube-apiserver-client-kubelet").withUsages(NODE_USAGES)
                        .withRequest(base64(Pem.encode(CertificateRequests.create(KeyType.EC_P256.generate(), "node1"))))
                        .endSpec().build()).create();
        assertThat(signer.handle(csr)).isEqualTo(NodeCsrSigner.Decision.IGNORED);
        assertThat(get("kubelet").getStatus() == null || get("kubelet").getStatus().getConditions().isEmpty()).isTrue();
    }

    private CertificateSigningRequest submit(String name, PKCS10CertificationRequest request, List<String> usages) {
        return client.certificates().v1().certificateSigningRequests().resource(new CertificateSigningRequestBuilder()
                .withNewMetadata().withName(name).endMetadata().withNewSpec().withSignerName(NodeCsrSigner.SIGNER_NAME)
                .withUsages(usages).withRequest(base64(Pem.encode(request))).endSpec().build()).create();
    }

    /** A CSR for CN={@code cn} as the API server records it for {@code username} with {@code extra}. */
    private void submitAs(String name, String cn, String username, Map<String, List<String>> extra) {
        client.certificates().v1().certificateSigningRequests().resource(new CertificateSigningRequestBuilder()
                .withNewMetadata().withName(name).endMetadata().withNewSpec().withSignerName(NodeCsrSigner.SIGNER_NAME)
                .withUsages(NODE_USAGES).withUsername(username).withExtra(extra)
                .withRequest(base64(Pem.encode(CertificateRequests.create(KeyType.EC_P256.generate(), cn)))).endSpec()
                .build()).create();
    }

    private CertificateSigningRequest get(String name) {
        return client.certificates().v1().certificateSigningRequests().withName(name).get();
    }

    private void assertDenied(String name, String why) {
        CertificateSigningRequest stored = get(name);
        assertThat(stored.getStatus().getCertificate()).isNull();
        assertThat(stored.getStatus().getConditions()).singleElement().satisfies(c -> {
            assertThat(c.getType()).isEqualTo("Denied");
            assertThat(c.getMessage()).contains(why);
        });
        assertThat(client.v1().events().inNamespace("default").list().getItems())
                .filteredOn(e -> name.equals(e.getInvolvedObject().getName()))
                .singleElement().satisfies(e -> {
                    assertThat(e.getReason()).isEqualTo("CertificateDenied");
                    assertThat(e.getType()).isEqualTo("Warning");
                    assertThat(e.getMessage()).contains(why);
                });
    }

    private static X509Certificate certificateOf(CertificateSigningRequest csr) throws Exception {
        byte[] pem = Base64.getDecoder().decode(csr.getStatus().getCertificate());
        return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(pem));
    }

    private static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.US_ASCII));
    }
}
