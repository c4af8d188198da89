package io.kovn.sandbox;

import io.fabric8.kubernetes.api.model.Secret;
import io.kovn.controller.CaSecret;
import io.kovn.ovsdb.client.TlsConfig;
import io.kovn.pki.CertificateAuthority;
import io.kovn.pki.KeyType;
import io.kovn.pki.Pem;
import io.kovn.pki.PkiDirectory;
import io.kovn.pki.Role;
import io.kovn.pki.SubjectAltName;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * The sandbox's PKI with {@code --tls}, made with kovn's own PKI code as {@code kovn pki init/issue} would on a
 * central node: a CA, the NB and SB servers' certificates (SANs: every central address), ovn-northd's client
 * certificate, and the CA as the Secret the controller's CSR signer reads. Node certificates are not made here:
 * the node agents enrol through the CSR API.
 */
final class SandboxPki {
    static final String CA_SECRET = CaSecret.DEFAULT_CA_SECRET;
    static final String NAMESPACE = "kovn-system";
    private static final Duration SERVER_LIFETIME = Duration.ofDays(30);

    private final Path dir;

    private SandboxPki(Path dir) {
        this.dir = dir;
    }

    /** Makes the CA and the central certificates in {@code dir} (0700; keys 0600). */
    static SandboxPki create(Path dir, List<String> centralIps) {
        try {
            PkiDirectory pki = new PkiDirectory(dir);
            CertificateAuthority ca = CertificateAuthority.create("kovn sandbox CA", KeyType.EC_P256, Duration.ofDays(365),
                    Clock.systemUTC());
            pki.saveCa(ca);
            List<SubjectAltName> sans = centralIps.stream().map(ip -> SubjectAltName.parse("IP:" + ip)).toList();
            PkiDirectory.saveIssued(dir, "ovn-nb", ca.issue(Role.NB_SERVER, "ovn-nb", sans, KeyType.EC_P256,
                    SERVER_LIFETIME), false);
            PkiDirectory.saveIssued(dir, "ovn-sb", ca.issue(Role.SB_SERVER, "ovn-sb", sans, KeyType.EC_P256,
                    SERVER_LIFETIME), false);
            PkiDirectory.saveIssued(dir, "ovn-northd", ca.issue(Role.NORTHD, "ovn-northd", List.of(), KeyType.EC_P256,
                    SERVER_LIFETIME), false);
            return new SandboxPki(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the sandbox PKI into " + dir, e);
        }
    }

    /** Key, certificate and CA of {@code name} ({@code ovn-nb}, {@code ovn-sb}, {@code ovn-northd}). */
    TlsConfig files(String name) {
        return new TlsConfig(PkiDirectory.keyFile(dir, name), PkiDirectory.certFile(dir, name),
                dir.resolve(PkiDirectory.CA_CERT));
    }

    /** The CA as the Secret {@code kovn controller --ca-secret} reads. */
    Secret caSecret() {
        PkiDirectory pki = new PkiDirectory(dir);
        try {
            return CaSecret.caSecret(NAMESPACE, CA_SECRET, Pem.readPrivateKey(pki.caKey()),
                    Pem.readCertificates(pki.caCert()).get(0));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Path dir() {
        return dir;
    }
}
