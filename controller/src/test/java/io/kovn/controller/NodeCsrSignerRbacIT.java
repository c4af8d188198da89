package io.kovn.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.kovn.ovsdb.client.OvsdbClient;
import io.kovn.ovsdb.client.TlsConfig;
import io.kovn.ovsdb.client.TransactionException;
import io.kovn.ovsdb.model.Row;
import io.kovn.ovsdb.model.Table;
import io.kovn.ovsdb.wire.Condition;
import io.kovn.ovsdb.wire.Operation;
import io.kovn.pki.AtomicFiles;
import io.kovn.pki.CertificateAuthority;
import io.kovn.pki.CertificateRequests;
import io.kovn.pki.KeyType;
import io.kovn.pki.NodeCsr;
import io.kovn.pki.Pem;
import io.kovn.pki.PkiDirectory;
import io.kovn.pki.Role;
import io.kovn.testing.OvnDaemons;
import io.kovn.testing.TlsOvsdbServer;
import io.kovn.testing.k8s.CsrApprovalDispatcher;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The certificate NodeCsrSigner issues for a node is the one OVN's SB RBAC needs: with it, the node writes its
 * own chassis rows over a {@code role=ovn-controller} listener and is refused on another node's.
 */
@Tag("integration")
class NodeCsrSignerRbacIT {
    private static final String SB = "OVN_Southbound";
    private static final Table<Row> CHASSIS = new Table<>(SB, "Chassis", r -> r);
    private static final Table<Row> ENCAP = new Table<>(SB, "Encap", r -> r);

    @TempDir
    Path tmp;

    @Test
    void aSignedNodeCertificateWritesItsOwnChassisAndNotAnothers() throws Exception {
        CertificateAuthority ca = CertificateAuthority.create("kovn test CA", KeyType.EC_P256, Duration.ofDays(1),
                Clock.systemUTC());
        new PkiDirectory(tmp).saveCa(ca);
        PkiDirectory.saveIssued(tmp, "ovn-central", ca.issue(Role.SB_SERVER, "ovn-central", List.of(), KeyType.EC_P256,
                Duration.ofHours(1)), false);

        KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new CsrApprovalDispatcher(), false);
        server.init();
        KeyPair key = KeyType.EC_P256.generate();
        String certPem;
        try (KubernetesClient client = server.createClient()) {
            for (String node : List.of("node1", "node2")) {
                client.nodes().resource(new NodeBuilder().withNewMetadata().withName(node).endMetadata().build()).create();
            }
            client.certificates().v1().certificateSigningRequests().resource(new CertificateSigningRequestBuilder()
                    .withNewMetadata().withName("node1").endMetadata().withNewSpec().withSignerName(NodeCsr.SIGNER_NAME)
                    .withUsages(NodeCsr.USAGES).withRequest(Base64.getEncoder().encodeToString(Pem.encode(
                            CertificateRequests.create(key, "node1")).getBytes(StandardCharsets.US_ASCII)))
                    .endSpec().build()).create();
            NodeCsrSigner signer = new NodeCsrSigner(client, ca, Duration.ofHours(1), new EventRecorder(client, "test"),
                    false);
            assertThat(signer.handle(client.certificates().v1().certificateSigningRequests().withName("node1").get()))
                    .isEqualTo(NodeCsrSigner.Decision.APPROVED);
            certPem = new String(Base64.getDecoder().decode(client.certificates().v1().certificateSigningRequests()
                    .withName("node1").get().getStatus().getCertificate()), StandardCharsets.US_ASCII);
        } finally {
            server.destroy();
        }
        Path nodeKey = tmp.resolve("node1-key.pem");
        Path nodeCert = tmp.resolve("node1-cert.pem");
        AtomicFiles.write(nodeKey, Pem.encode(key.getPrivate()).getBytes(StandardCharsets.US_ASCII), AtomicFiles.PRIVATE);
        AtomicFiles.write(nodeCert, certPem.getBytes(StandardCharsets.US_ASCII), AtomicFiles.PUBLIC);

        try (OvnDaemons nb = OvnDaemons.builder().nb().start();
             TlsOvsdbServer sb = TlsOvsdbServer.start(TlsOvsdbServer.Database.SB, PkiDirectory.keyFile(tmp, "ovn-central"),
                     PkiDirectory.certFile(tmp, "ovn-central"), tmp.resolve(PkiDirectory.CA_CERT))) {
            sb.startNorthd(nb.nbUnix());
            String remote = sb.listenSsl("ovn-controller");
            await().atMost(Duration.ofSeconds(20)).until(() -> sb.ctl("--bare", "--columns=name", "list", "RBAC_Role")
                    .contains("ovn-controller"));
            sb.ctl("chassis-add", "node2", "geneve", "192.0.2.2");
            try (OvsdbClient node1 = new OvsdbClient(remote, OvsdbClient.Options.defaults()
                    .withTls(new TlsConfig(nodeKey, nodeCert, tmp.resolve(PkiDirectory.CA_CERT)))).connectSync()) {
                Operation.Insert encap = Operation.insert(ENCAP).named("e").set("type", "geneve").set("ip", "192.0.2.1")
                        .set("chassis_name", "node1");
                node1.transact(SB, encap, Operation.insert(CHASSIS).set("name", "node1").set("encaps", Set.of(encap.ref())))
                        .get(10, TimeUnit.SECONDS);
                assertThat(sb.ctl("--bare", "--columns=name", "find", "Chassis", "name=node1")).isEqualTo("node1");

                Throwable t = catchThrowable(() -> node1.transact(SB, Operation.update(CHASSIS)
                        .where(new Condition("name", Condition.Function.EQ, "node2"))
                        .set("external_ids", Map.of("owner", "node1"))).get(10, TimeUnit.SECONDS));
                assertThat(t).isInstanceOf(ExecutionException.class).cause().isInstanceOf(TransactionException.class)
                        .hasMessageContaining("permission error")
                        .hasMessageContaining("RBAC rules for client \"node1\" role \"ovn-controller\"");
                assertThat(sb.ctl("get", "Chassis", "node2", "external_ids")).isEqualTo("{}");
            }
        }
    }
}
