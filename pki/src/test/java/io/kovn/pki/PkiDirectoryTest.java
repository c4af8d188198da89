package io.kovn.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.PKCS8Generator;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

class PkiDirectoryTest {
    private static final Clock CLOCK = Clock.systemUTC();

    @TempDir
    Path tmp;

    @Test
    void theCaKeyIsWrittenOwnerOnlyInAnOwnerOnlyDirectoryAndLoadsBack() throws Exception {
        PkiDirectory pki = new PkiDirectory(tmp.resolve("pki"));
        CertificateAuthority ca = CertificateAuthority.create("kovn", KeyType.EC_P256, Duration.ofDays(1), CLOCK);
        pki.saveCa(ca);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp.resolve("pki")))).isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(pki.caKey()))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(pki.caCert()))).isEqualTo("rw-r--r--");
        assertThat(Files.readString(pki.caKey())).startsWith("-----BEGIN PRIVATE KEY-----");
        assertThat(Files.readString(pki.caCert())).startsWith("-----BEGIN CERTIFICATE-----");
        assertThat(pki.loadCa(CLOCK).certificate()).isEqualTo(ca.certificate());
        try (var files = Files.list(tmp.resolve("pki"))) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("ca-key.pem", "ca-cert.pem");
        }
    }

    @Test
    void anExistingCaIsNeverReplaced() throws Exception {
        PkiDirectory pki = new PkiDirectory(tmp);
        pki.saveCa(CertificateAuthority.create("first", KeyType.EC_P256, Duration.ofDays(1), CLOCK));
        String before = Files.readString(pki.caKey());
        assertThatThrownBy(() -> pki.saveCa(CertificateAuthority.create("second", KeyType.EC_P256, Duration.ofDays(1), CLOCK)))
                .hasMessageContaining("already holds a CA");
        assertThat(Files.readString(pki.caKey())).isEqualTo(before);
    }

    @Test
    void issuedPairsAreWrittenAsNameKeyAndNameCertAndReplacedOnlyWhenAsked() throws Exception {
        CertificateAuthority ca = CertificateAuthority.create("kovn", KeyType.EC_P256, Duration.ofDays(1), CLOCK);
        IssuedCertificate first = ca.issue(Role.OVN_CONTROLLER, "chassis1", List.of(), KeyType.EC_P256, Duration.ofHours(1));
        PkiDirectory.saveIssued(tmp, "chassis1", first, false);
        Path key = tmp.resolve("chassis1-key.pem");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).isEqualTo("rw-------");
        assertThat(Pem.readPrivateKey(key)).isEqualTo(first.privateKey());
        assertThat(Pem.readCertificates(tmp.resolve("chassis1-cert.pem"))).containsExactly(first.certificate());

        IssuedCertificate second = ca.issue(Role.OVN_CONTROLLER, "chassis1", List.of(), KeyType.EC_P256, Duration.ofHours(1));
        assertThatThrownBy(() -> PkiDirectory.saveIssued(tmp, "chassis1", second, false)).hasMessageContaining("--force");
        assertThat(Pem.readPrivateKey(key)).isEqualTo(first.privateKey());
        PkiDirectory.saveIssued(tmp, "chassis1", second, true);
        assertThat(Pem.readPrivateKey(key)).isEqualTo(second.privateKey());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).isEqualTo("rw-------");
        try (var files = Files.list(tmp)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder("chassis1-key.pem", "chassis1-cert.pem");
        }
    }

    @Test
    void aCaInTraditionalPkcs1FormIsImported() throws Exception {
        CertificateAuthority ca = CertificateAuthority.create("legacy", KeyType.RSA_3072, Duration.ofDays(1), CLOCK);
        StringWriter pkcs1 = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(pkcs1)) {
            w.writeObject(ca.privateKey());
        }
        assertThat(pkcs1.toString()).startsWith("-----BEGIN RSA PRIVATE KEY-----");
        Path key = Files.writeString(tmp.resolve("cakey.pem"), pkcs1.toString());
        Path cert = Files.writeString(tmp.resolve("cacert.pem"), Pem.encode(ca.certificate()));
        assertThat(PkiDirectory.importCa(key, cert, CLOCK).certificate()).isEqualTo(ca.certificate());
    }

    @Test
    void encryptedKeysAndWrongFilesAreRefusedNamingTheFile() throws Exception {
        CertificateAuthority ca = CertificateAuthority.create("kovn", KeyType.EC_P256, Duration.ofDays(1), CLOCK);
        StringWriter encrypted = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(encrypted)) {
            w.writeObject(new JcaPKCS8Generator(ca.privateKey(), new JceOpenSSLPKCS8EncryptorBuilder(
                    PKCS8Generator.AES_256_CBC).setProvider(new BouncyCastleProvider()).setPassword("secret".toCharArray()).build()));
        }
        Path key = Files.writeString(tmp.resolve("enc.pem"), encrypted.toString());
        Path cert = Files.writeString(tmp.resolve("cert.pem"), Pem.encode(ca.certificate()));
        assertThatThrownBy(() -> PkiDirectory.importCa(key, cert, CLOCK)).hasMessageContaining(key.toString())
                .hasMessageContaining("encrypted private key");
        assertThatThrownBy(() -> PkiDirectory.importCa(cert, cert, CLOCK)).hasMessageContaining(cert.toString())
                .hasMessageContaining("no private key but a certificate");
        Path garbage = Files.writeString(tmp.resolve("garbage.pem"), "hello\n");
        assertThatThrownBy(() -> Pem.readCertificates(garbage)).hasMessageContaining(garbage + " holds no PEM object");
        Path binary = Files.write(tmp.resolve("cert.der"), ca.certificate().getEncoded());
        assertThatThrownBy(() -> Pem.readCertificates(binary)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(binary + " is not a PEM text file");
        assertThatThrownBy(() -> new PkiDirectory(tmp.resolve("none")).loadCa(CLOCK)).hasMessageContaining("kovn pki init");
    }

    @Test
    void keyMaterialNeverReachesTheLog() throws Exception {
        Logger logger = (Logger) LoggerFactory.getLogger(CertificateAuthority.class);
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        log.start();
        Level level = logger.getLevel();
        logger.setLevel(Level.INFO); // what is issued is logged at INFO
        logger.addAppender(log);
        try {
            CertificateAuthority ca = CertificateAuthority.create("kovn", KeyType.EC_P256, Duration.ofDays(1), CLOCK);
            IssuedCertificate issued = ca.issue(Role.NB_SERVER, "nb", List.of(), KeyType.EC_P256, Duration.ofHours(1));
            PkiDirectory.saveIssued(tmp, "nb", issued, false);
            new PkiDirectory(tmp.resolve("ca")).saveCa(ca);
            assertThat(log.list).extracting(ILoggingEvent::getFormattedMessage)
                    .anyMatch(m -> m.contains("issued nb-server certificate CN=nb"));
            for (byte[] secret : List.of(ca.privateKey().getEncoded(), issued.privateKey().getEncoded())) {
                String b64 = Base64.getEncoder().encodeToString(secret);
                assertThat(log.list).extracting(ILoggingEvent::getFormattedMessage)
                        .noneMatch(m -> m.contains(b64.substring(b64.length() - 40, b64.length() - 4)));
            }
        } finally {
            logger.detachAppender(log);
            logger.setLevel(level);
        }
    }
}
