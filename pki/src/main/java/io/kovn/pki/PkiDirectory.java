package io.kovn.pki;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.List;

/**
 * The files of a PKI on disk: the CA as {@code ca-key.pem} (0600) and {@code ca-cert.pem} in a directory
 * readable by its owner only, and issued pairs as {@code NAME-key.pem} (0600) and {@code NAME-cert.pem}.
 */
public final class PkiDirectory {
    public static final String CA_KEY = "ca-key.pem";
    public static final String CA_CERT = "ca-cert.pem";

    private final Path dir;

    public PkiDirectory(Path dir) {
        this.dir = dir;
    }

    public Path caKey() {
        return dir.resolve(CA_KEY);
    }

    public Path caCert() {
        return dir.resolve(CA_CERT);
    }

    /** Writes {@code ca}; refuses to replace an existing CA, whose certificates would all stop verifying. */
    public void saveCa(CertificateAuthority ca) throws IOException {
        if (Files.exists(caKey()) || Files.exists(caCert())) {
            throw new IllegalArgumentException(dir + " already holds a CA (" + CA_KEY + ", " + CA_CERT
                    + "); remove it first if you really mean to replace it");
        }
        AtomicFiles.createPrivateDirectory(dir);
        AtomicFiles.write(caKey(), bytes(Pem.encode(ca.privateKey())), AtomicFiles.PRIVATE);
        AtomicFiles.write(caCert(), bytes(Pem.encode(ca.certificate())), AtomicFiles.PUBLIC);
    }

    public CertificateAuthority loadCa(Clock clock) throws IOException {
        if (!Files.exists(caKey()) || !Files.exists(caCert())) {
            throw new IllegalArgumentException(dir + " holds no CA (" + CA_KEY + ", " + CA_CERT
                    + "); run kovn pki init first");
        }
        return importCa(caKey(), caCert(), clock);
    }

    /** A CA from an existing key file and certificate file (the first certificate in it). */
    public static CertificateAuthority importCa(Path keyFile, Path certFile, Clock clock) throws IOException {
        PrivateKey key = Pem.readPrivateKey(keyFile);
        List<X509Certificate> certs = Pem.readCertificates(certFile);
        return CertificateAuthority.of(key, certs.get(0), clock);
    }

    /** Key and certificate file of an issued pair named {@code name} in {@code out}. */
    public static Path keyFile(Path out, String name) {
        return out.resolve(name + "-key.pem");
    }

    public static Path certFile(Path out, String name) {
        return out.resolve(name + "-cert.pem");
    }

    /** Writes {@code issued} as NAME-key.pem and NAME-cert.pem in {@code out}, replacing only if {@code replace}. */
    public static void saveIssued(Path out, String name, IssuedCertificate issued, boolean replace) throws IOException {
        CertificateAuthority.requireValidName(name);
        Path key = keyFile(out, name);
        Path cert = certFile(out, name);
        if (!replace && (Files.exists(key) || Files.exists(cert))) {
            throw new IllegalArgumentException(key + " or " + cert + " already exists; pass --force to replace them");
        }
        Files.createDirectories(out);
        AtomicFiles.write(key, bytes(Pem.encode(issued.privateKey())), AtomicFiles.PRIVATE);
        AtomicFiles.write(cert, bytes(Pem.encode(issued.certificate())), AtomicFiles.PUBLIC);
    }

    private static byte[] bytes(String pem) {
        return pem.getBytes(StandardCharsets.US_ASCII);
    }
}
