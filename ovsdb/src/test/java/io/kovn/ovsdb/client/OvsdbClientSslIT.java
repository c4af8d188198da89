package io.kovn.ovsdb.client;

import static io.kovn.ovsdb.Nb.DB;
import static io.kovn.ovsdb.Nb.LS;
import static io.kovn.ovsdb.Nb.LS_EXTERNAL_IDS;
import static io.kovn.ovsdb.Nb.LS_NAME;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.kovn.ovsdb.replica.DatabaseReplica;
import io.kovn.ovsdb.wire.Operation;
import io.kovn.testing.OvnDaemons;
import io.kovn.testing.WithOvn;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@WithOvn(ssl = true)
class OvsdbClientSslIT {
    private final OvnDaemons ovn;
    private final OvnDaemons.Pki pki;

    OvsdbClientSslIT(OvnDaemons ovn) {
        this.ovn = ovn;
        this.pki = ovn.pki();
    }

    private OvsdbClient.Options tls(Path key, Path cert, Path ca) {
        return OvsdbClient.Options.defaults().withTls(new TlsConfig(key, cert, ca));
    }

    @Test
    void talksToTheServerOverMutualTls() throws Exception {
        try (OvsdbClient c = new OvsdbClient(ovn.nbSsl(), tls(pki.clientKey(), pki.clientCert(), pki.caCert()))) {
            c.connectSync();
            assertThat(c.connectedRemote().kind()).isEqualTo(Remote.Kind.SSL);
            assertThat(c.listDbs().get(10, TimeUnit.SECONDS)).contains(DB);
            DatabaseReplica replica = c.replicate(DB, MonitorSpec.create().tables(LS)).get(10, TimeUnit.SECONDS);

            c.transact(DB, Operation.insert(LS).set(LS_NAME, "tls0").set(LS_EXTERNAL_IDS, Map.of("via", "ssl")))
                    .get(10, TimeUnit.SECONDS);
            assertThat(ovn.nbctl("get", "logical_switch", "tls0", "external_ids")).isEqualTo("{via=ssl}");
            await().atMost(Duration.ofSeconds(5)).until(() -> replica.byExternalId(LS, "via", "ssl").size() == 1);

            ovn.nbctl("set", "logical_switch", "tls0", "external_ids:via=nbctl");
            await().atMost(Duration.ofSeconds(5)).until(() -> replica.byExternalId(LS, "via", "nbctl").size() == 1);
            assertThat(replica.byExternalId(LS, "via", "ssl")).isEmpty();
        } finally {
            ovn.nbctl("--if-exists", "ls-del", "tls0");
        }
    }

    @Test
    void aServerSignedByAnotherCaIsRefusedWithAClearErrorAndNoHang(@TempDir Path tmp) throws Exception {
        Path otherCa = tmp.resolve("other-cacert.pem");
        Process p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", tmp.resolve("other-cakey.pem").toString(),
                "-out", otherCa.toString(), "-subj", "/CN=not the OVS switch CA", "-days", "1")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();

        Duration callTimeout = Duration.ofMillis(1500);
        try (OvsdbClient c = new OvsdbClient(ovn.nbSsl(), tls(pki.clientKey(), pki.clientCert(), otherCa)
                .withCallTimeout(callTimeout).withBackoff(Duration.ofMillis(50), Duration.ofMillis(200)))) {
            long start = System.nanoTime();
            assertThatThrownBy(c::connectSync).isInstanceOf(OvsdbConnectionException.class)
                    .hasMessageContaining(ovn.nbSsl()).hasMessageContaining("SSLHandshakeException")
                    .satisfies(e -> assertThat(causes(e)).anyMatch(SSLException.class::isInstance));
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertThat(ms).isBetween(callTimeout.toMillis() - 50, callTimeout.toMillis() + 3000);
            assertThat(c.connect()).as("still trying, in the background").isNotDone();
            assertThat(c.isConnected()).isFalse();
            // calls made meanwhile wait for a connection, within their timeout
            try {
                c.listDbs().get(10, TimeUnit.SECONDS);
                throw new AssertionError("list_dbs over a refused connection succeeded");
            } catch (ExecutionException e) {
                assertThat(e.getCause()).isInstanceOf(OvsdbTimeoutException.class);
            }
        }
    }

    private static List<Throwable> causes(Throwable t) {
        List<Throwable> out = new java.util.ArrayList<>();
        for (Throwable c = t; c != null && !out.contains(c); c = c.getCause()) {
            out.add(c);
        }
        return out;
    }

    @Test
    void missingOrUnusableTlsFilesAreRejectedUpFrontNamingTheFile(@TempDir Path tmp) throws Exception {
        String remote = ovn.nbSsl();
        Path missing = tmp.resolve("no-such-privkey.pem");
        assertThatThrownBy(() -> new OvsdbClient(remote, tls(missing, pki.clientCert(), pki.caCert())))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(missing.toString())
                .hasMessageContaining("private key");
        Path dir = Files.createDirectory(tmp.resolve("a-directory.pem"));
        assertThatThrownBy(() -> new OvsdbClient(remote, tls(pki.clientKey(), dir, pki.caCert())))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(dir.toString())
                .hasMessageContaining("certificate");
        Path garbage = Files.writeString(tmp.resolve("garbage.pem"), "not a PEM file\n");
        assertThatThrownBy(() -> new OvsdbClient(remote, tls(garbage, pki.clientCert(), pki.caCert())))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(garbage.toString());
        Path missingCa = tmp.resolve("no-such-cacert.pem");
        assertThatThrownBy(() -> new OvsdbClient(remote, tls(pki.clientKey(), pki.clientCert(), missingCa)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(missingCa.toString())
                .hasMessageContaining("CA certificate");
        assertThatThrownBy(() -> new OvsdbClient(remote))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs a private key");
    }
}
