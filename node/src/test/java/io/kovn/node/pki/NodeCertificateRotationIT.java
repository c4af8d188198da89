package io.kovn.node.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.NodeBuilder;
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
import io.kovn.ovsdb.client.OvsdbClient;
import io.kovn.ovsdb.client.OvsdbConnectionException;
import io.kovn.ovsdb.client.OvsdbTimeoutException;
import io.kovn.ovsdb.client.TlsConfig;
import io.kovn.ovsdb.model.Row;
import io.kovn.ovsdb.model.Table;
import io.kovn.ovsdb.wire.Condition;
import io.kovn.ovsdb.wire.Operation;
import io.kovn.pki.AtomicFiles;
import io.kovn.pki.CertificateAuthority;
import io.kovn.pki.KeyType;
import io.kovn.pki.Pem;
import io.kovn.pki.PkiDirectory;
import io.kovn.pki.Role;
import io.kovn.testing.OvnDaemons;
import io.kovn.testing.TlsOvsdbServer;
import io.kovn.testing.k8s.CsrApprovalDispatcher;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kovn's own OVSDB client on the enrolled certificate (the node agent's Southbound connection, files from the
 * SSL row): it writes its chassis row every 50 ms over a {@code pssl:} {@code role=ovn-controller} listener
 * while the certificate is renewed and, after the first certificate expired, while the server drops every
 * connection; the longest gap between two successful writes is measured. The expired first certificate is then
 * refused, and so is a plain {@code tcp:} connection to the listener.
 */
@Tag("integration")
class NodeCertificateRotationIT {
    private static final String NAMESPACE = "kovn-system";
    private static final Duration LIFETIME = Duration.ofSeconds(20);
    private static final Table<Row> CHASSIS = new Table<>("OVN_Southbound", "Chassis", r -> r);
    private static final Table<Row> ENCAP = new Table<>("OVN_Southbound", "Encap", r -> r);

    @TempDir
    Path tmp;

    @Test
    void theAgentsSouthboundClientKeepsWritingThroughARenewalAndAReconnectAfterExpiry() throws Exception {
        CertificateAuthority ca = CertificateAuthority.create("kovn test CA", KeyType.EC_P256, Duration.ofDays(1),
                Clock.systemUTC());
        Path central = tmp.resolve("central");
        PkiDirectory pki = new PkiDirectory(central);
        pki.saveCa(ca);
        PkiDirectory.saveIssued(central, "ovn-sb", ca.issue(Role.SB_SERVER, "ovn-sb", List.of(), KeyType.EC_P256,
                Duration.ofHours(1)), false);
        KubernetesMockServer api = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new CsrApprovalDispatcher(), false);
        api.init();
        try (KubernetesClient kube = api.createClient();
             OvnDaemons local = OvnDaemons.builder().nb().vswitchDb().start();
             TlsOvsdbServer sb = TlsOvsdbServer.start(TlsOvsdbServer.Database.SB, PkiDirectory.keyFile(central, "ovn-sb"),
                     PkiDirectory.certFile(central, "ovn-sb"), pki.caCert())) {
            kube.secrets().inNamespace(NAMESPACE).resource(CaSecret.caSecret(NAMESPACE, "kovn-ca",
                    Pem.readPrivateKey(pki.caKey()), ca.certificate())).create();
            kube.nodes().resource(new NodeBuilder().withNewMetadata().withName("node1").endMetadata().build()).create();
            sb.startNorthd(local.nbUnix());
            String remote = sb.listenSsl("ovn-controller");
            await().atMost(Duration.ofSeconds(20)).until(() -> sb.ctl("--bare", "--columns=name", "list", "RBAC_Role")
                    .contains("ovn-controller"));

            Path dir = tmp.resolve("node1-pki");
            try (NodeCsrController signer = signer(kube);
                 LocalOvs ovs = LocalOvs.connect(local.vswitchUnix(), Duration.ofSeconds(10))) {
                signer.start();
                try (KubernetesClient agentKube = AgentKubernetesClient.build(kube.getConfiguration(),
                        AgentKubernetesClient.serialization());
                     NodeCertificates certs = NodeCertificates.start(agentKube, ovs, "node1", "node1",
                        new NodeEnrollment(dir, NAMESPACE, Duration.ofSeconds(30)), Clock.systemUTC())) {
                    TlsConfig files = ovs.sslFiles().orElseThrow();
                    assertThat(files).isEqualTo(certs.files());
                    assertThat(Files.getPosixFilePermissions(files.privateKey())).isEqualTo(AtomicFiles.PRIVATE);
                    X509Certificate first = certs.certificate();
                    Path oldKey = tmp.resolve("old-key.pem");
                    Path oldCert = tmp.resolve("old-cert.pem");
                    Files.copy(files.privateKey(), oldKey);
                    Files.copy(files.certificate(), oldCert);

                    try (OvsdbClient agent = new OvsdbClient(remote, OvsdbClient.Options.defaults().withTls(files)
                            .withCallTimeout(Duration.ofSeconds(5)).withBackoff(Duration.ofMillis(100), Duration.ofSeconds(1)))) {
                        agent.connectSync();
                        Operation.Insert encap = Operation.insert(ENCAP).named("e").set("type", "geneve")
                                .set("ip", "192.0.2.1").set("chassis_name", "node1");
                        agent.transact("OVN_Southbound", encap, Operation.insert(CHASSIS).set("name", "node1")
                                .set("encaps", Set.of(encap.ref()))).get(10, TimeUnit.SECONDS);

                        AtomicBoolean writing = new AtomicBoolean(true);
                        AtomicLong lastOk = new AtomicLong(System.nanoTime());
                        AtomicLong longestGap = new AtomicLong();
                        AtomicInteger ok = new AtomicInteger();
                        AtomicInteger failed = new AtomicInteger();
                        Thread writer = new Thread(() -> {
                            for (int i = 0; writing.get(); i++) {
                                try {
                                    agent.transact("OVN_Southbound", Operation.update(CHASSIS)
                                            .where(new Condition("name", Condition.Function.EQ, "node1"))
                                            .set("external_ids", Map.of("tick", Integer.toString(i))))
                                            .get(10, TimeUnit.SECONDS);
                                    long now = System.nanoTime();
                                    longestGap.accumulateAndGet(now - lastOk.getAndSet(now), Math::max);
                                    ok.incrementAndGet();
                                } catch (Exception e) {
                                    failed.incrementAndGet();
                                }
                                sleep(50);
                            }
                        });
                        writer.start();
                        await().atMost(LIFETIME.plusSeconds(10)).until(() -> !certs.certificate().equals(first));
                        long gapThroughRenewal = longestGap.get();
                        await().atMost(LIFETIME).until(() -> Instant.now().isAfter(first.getNotAfter().toInstant().plusSeconds(1)));
                        sb.dropConnections();
                        sleep(3000);
                        writing.set(false);
                        writer.join();
                        System.out.printf("writes every 50 ms: %d ok, %d failed; longest gap between two successful "
                                + "writes: %d ms through the renewal, %d ms including the reconnect after expiry%n",
                                ok.get(), failed.get(), gapThroughRenewal / 1_000_000, longestGap.get() / 1_000_000);
                        assertThat(gapThroughRenewal).as("gap through the renewal").isLessThan(Duration.ofSeconds(1).toNanos());
                        // the reconnect's back-off and TLS handshake: about 0.5 s here, several seconds on a loaded CI machine
                        assertThat(longestGap.get()).as("gap including the reconnect").isLessThan(Duration.ofSeconds(10).toNanos());
                        assertThat(agent.stats().reconnects()).as("reconnected after the drop, with the renewed "
                                + "certificate (the first one had expired)").isGreaterThanOrEqualTo(1);
                        assertThat(sb.ctl("get", "Chassis", "node1", "external_ids")).startsWith("{tick=");
                    }

                    Throwable expired = refusal(remote, OvsdbClient.Options.defaults().withTls(new TlsConfig(oldKey, oldCert,
                            files.caCertificate())));
                    assertThat(expired).hasMessageContaining("certificate_expired");
                    refusal(remote.replace("ssl:", "tcp:"), OvsdbClient.Options.defaults());
                }
            }
        } finally {
            api.destroy();
        }
    }

    /** The first call over a connection the server refuses fails (with TLS 1.3 the handshake seems to succeed). */
    private static Throwable refusal(String remote, OvsdbClient.Options options) {
        try (OvsdbClient c = new OvsdbClient(remote, options.withCallTimeout(Duration.ofSeconds(3))
                .withBackoff(Duration.ofMillis(50), Duration.ofMillis(200)))) {
            c.connect();
            Throwable t = catchThrowable(() -> c.listDbs().get(10, TimeUnit.SECONDS));
            assertThat(t).as("list_dbs over a refused connection to " + remote).isInstanceOf(ExecutionException.class);
            assertThat(t.getCause()).isInstanceOfAny(OvsdbConnectionException.class, OvsdbTimeoutException.class);
            return t.getCause();
        }
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
