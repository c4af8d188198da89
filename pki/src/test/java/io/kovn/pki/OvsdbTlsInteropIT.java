package io.kovn.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import io.kovn.ovsdb.client.OvsdbClient;
import io.kovn.ovsdb.client.OvsdbConnectionException;
import io.kovn.ovsdb.client.OvsdbTimeoutException;
import io.kovn.ovsdb.client.TlsConfig;
import io.kovn.ovsdb.model.Row;
import io.kovn.ovsdb.model.Table;
import io.kovn.ovsdb.wire.Operation;
import io.kovn.testing.Exec;
import io.kovn.testing.TlsOvsdbServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Certificates made by kovn's PKI against a real NB ovsdb-server whose only network listener is {@code pssl:}:
 * OVS's own tools and kovn's client get in with them; a client certificate from another CA, an expired one and
 * a plain TCP connection do not.
 */
@Tag("integration")
class OvsdbTlsInteropIT {
    private static final Table<Row> LOGICAL_SWITCH = new Table<>("OVN_Northbound", "Logical_Switch", r -> r);
    private static final Duration REFUSAL_TIMEOUT = Duration.ofMillis(1500);

    @TempDir
    static Path tmp;
    static Path pki;
    static TlsOvsdbServer nb;
    static String sslRemote;

    @BeforeAll
    static void startNbWithKovnCertificates() throws Exception {
        pki = tmp.resolve("pki");
        // the CA was made three days ago, so that it can also issue a certificate that has already expired
        Clock threeDaysAgo = Clock.offset(Clock.systemUTC(), Duration.ofDays(-3));
        new PkiDirectory(pki).saveCa(CertificateAuthority.create("kovn test CA", KeyType.EC_P256, Duration.ofDays(30),
                threeDaysAgo));
        CertificateAuthority ca = new PkiDirectory(pki).loadCa(Clock.systemUTC());
        issue(ca, Role.NB_SERVER, "ovn-central", List.of(SubjectAltName.parse("IP:127.0.0.1")), pki);
        issue(ca, Role.CONTROLLER, "kovn-controller", List.of(), pki);
        issue(new PkiDirectory(pki).loadCa(threeDaysAgo), Role.CONTROLLER, "expired", List.of(), pki);

        Path other = tmp.resolve("other");
        new PkiDirectory(other).saveCa(CertificateAuthority.create("another CA", KeyType.EC_P256, Duration.ofDays(1),
                Clock.systemUTC()));
        issue(new PkiDirectory(other).loadCa(Clock.systemUTC()), Role.CONTROLLER, "kovn-controller", List.of(), other);

        nb = TlsOvsdbServer.start(TlsOvsdbServer.Database.NB, key(pki, "ovn-central"), cert(pki, "ovn-central"),
                pki.resolve(PkiDirectory.CA_CERT));
        sslRemote = nb.listenSsl(null);
    }

    @AfterAll
    static void stop() {
        if (nb != null) {
            nb.close();
        }
    }

    @Test
    void ovnNbctlGetsInWithAKovnClientCertificate() {
        Exec.Result r = nbctl(sslRemote, pki, "kovn-controller", "ls-add", "sw-from-nbctl");
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        assertThat(nb.ctl("--bare", "--columns=name", "find", "Logical_Switch", "name=sw-from-nbctl"))
                .isEqualTo("sw-from-nbctl");
    }

    @Test
    void kovnsClientGetsInWithAKovnClientCertificate() throws Exception {
        try (OvsdbClient c = new OvsdbClient(sslRemote, tls(pki, "kovn-controller"))) {
            c.connectSync();
            assertThat(c.listDbs().get(10, TimeUnit.SECONDS)).contains("OVN_Northbound");
            c.transact("OVN_Northbound", Operation.insert(LOGICAL_SWITCH).set("name", "sw-from-kovn"))
                    .get(10, TimeUnit.SECONDS);
        }
        assertThat(nb.ctl("--bare", "--columns=name", "find", "Logical_Switch", "name=sw-from-kovn"))
                .isEqualTo("sw-from-kovn");
    }

    @Test
    void aClientCertificateFromAnotherCaIsRefused() {
        Path other = tmp.resolve("other");
        int logBefore = nb.log().length();
        // the client trusts our server; it is the server that refuses the client's certificate
        // the JDK offers no certificate the server's CA list does not name, so the server finds none
        // ovn-nbctl first: ovsdb-server rate-limits its log lines, and the kovn client's reconnects would use them up
        Exec.Result r = nb.run("ovn-nbctl", "--db=" + sslRemote, "--timeout=3", "-p", key(other, "kovn-controller").toString(),
                "-c", cert(other, "kovn-controller").toString(), "-C", pki.resolve(PkiDirectory.CA_CERT).toString(), "ls-list");
        assertThat(r.exitCode()).as(r.out()).isNotZero();
        await().atMost(Duration.ofSeconds(5)).until(() -> nb.log().substring(logBefore).contains("certificate verify failed"));
        assertThat(refusalSeenByKovnClient(sslRemote, OvsdbClient.Options.defaults().withTls(new TlsConfig(
                key(other, "kovn-controller"), cert(other, "kovn-controller"), pki.resolve(PkiDirectory.CA_CERT)))))
                .contains("certificate_required");
    }

    @Test
    void anExpiredClientCertificateIsRefused() {
        int logBefore = nb.log().length();
        assertThat(CertificateDescription.describe(readCert(cert(pki, "expired")), Clock.systemUTC().instant()))
                .contains("EXPIRED");
        Exec.Result r = nbctl(sslRemote, pki, "expired", "--timeout=3", "ls-list");
        assertThat(r.exitCode()).as(r.out()).isNotZero();
        await().atMost(Duration.ofSeconds(5)).until(() -> nb.log().substring(logBefore).contains("certificate verify failed"));
        assertThat(refusalSeenByKovnClient(sslRemote, tls(pki, "expired"))).contains("certificate_expired");
    }

    @Test
    void aPlainTcpConnectionToTheSslListenerFails() {
        String tcp = sslRemote.replace("ssl:", "tcp:");
        refusalSeenByKovnClient(tcp, OvsdbClient.Options.defaults());
        Exec.Result r = nb.run("ovn-nbctl", "--db=" + tcp, "--timeout=3", "ls-list");
        assertThat(r.exitCode()).as(r.out()).isNotZero();
    }

    /**
     * The client's side of a TLS 1.3 handshake completes before the server has checked the client's certificate,
     * so a refusal shows as the first call failing, never as an answer.
     */
    private static String refusalSeenByKovnClient(String remote, OvsdbClient.Options options) {
        try (OvsdbClient c = new OvsdbClient(remote, options.withCallTimeout(REFUSAL_TIMEOUT)
                .withBackoff(Duration.ofMillis(50), Duration.ofMillis(200)))) {
            c.connect();
            Throwable t = catchThrowable(() -> c.listDbs().get(10, TimeUnit.SECONDS));
            assertThat(t).as("list_dbs over a refused connection").isInstanceOf(ExecutionException.class);
            assertThat(t.getCause()).isInstanceOfAny(OvsdbConnectionException.class, OvsdbTimeoutException.class);
            return t.getCause().getMessage();
        }
    }

    private static Exec.Result nbctl(String remote, Path dir, String name, String... args) {
        List<String> cmd = new ArrayList<>(List.of("--db=" + remote, "-p", key(dir, name).toString(),
                "-c", cert(dir, name).toString(), "-C", dir.resolve(PkiDirectory.CA_CERT).toString()));
        cmd.addAll(List.of(args));
        return nb.run("ovn-nbctl", cmd.toArray(String[]::new));
    }

    static OvsdbClient.Options tls(Path dir, String name) {
        return OvsdbClient.Options.defaults().withTls(new TlsConfig(key(dir, name), cert(dir, name),
                dir.resolve(PkiDirectory.CA_CERT)));
    }

    static void issue(CertificateAuthority ca, Role role, String name, List<SubjectAltName> sans, Path dir) throws Exception {
        PkiDirectory.saveIssued(dir, name, ca.issue(role, name, sans, KeyType.EC_P256, Duration.ofHours(1)), false);
    }

    static Path key(Path dir, String name) {
        return PkiDirectory.keyFile(dir, name);
    }

    static Path cert(Path dir, String name) {
        return PkiDirectory.certFile(dir, name);
    }

    private static X509Certificate readCert(Path file) {
        try {
            return Pem.readCertificates(file).get(0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
