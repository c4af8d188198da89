package io.kovn.node.pki;

import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestBuilder;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientTimeoutException;
import io.kovn.ovsdb.client.TlsConfig;
import io.kovn.pki.AtomicFiles;
import io.kovn.pki.CertificateAuthority;
import io.kovn.pki.CertificateRequests;
import io.kovn.pki.KeyType;
import io.kovn.pki.NodeCsr;
import io.kovn.pki.Pem;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Obtains the node's certificate without copying files by hand: generates a key that never leaves the node,
 * submits a {@code certificates.k8s.io/v1} CSR (signer {@value NodeCsr#SIGNER_NAME}, CN = chassis name), waits
 * for the controller to sign it, checks what came back, and writes key (0600), certificate and CA atomically.
 */
public final class NodeCertificateEnroller {
    public static final String KEY_FILE = "node-key.pem";
    public static final String CERT_FILE = "node-cert.pem";
    public static final String CA_FILE = "ca-cert.pem";
    /** A returned certificate is a few kilobytes; more is not one. */
    private static final int MAX_CERTIFICATE_CHARS = 64 * 1024;
    private static final Logger log = LoggerFactory.getLogger(NodeCertificateEnroller.class);

    private final KubernetesClient kube;
    private final Path dir;
    private final Duration timeout;

    public NodeCertificateEnroller(KubernetesClient kube, Path dir, Duration timeout) {
        this.kube = kube;
        this.dir = dir;
        this.timeout = timeout;
    }

    /**
     * Enrolls chassis {@code chassis}, trusting certificates signed by {@code ca}; returns the files written.
     * Fails, writing nothing, if the CSR is denied or not signed within the timeout, or the certificate returned
     * is not for this key and name or not signed by {@code ca}.
     */
    public TlsConfig enroll(String chassis, X509Certificate ca) throws IOException {
        CertificateAuthority.requireValidName(chassis);
        KeyPair key = KeyType.EC_P256.generate();
        String name = "kovn-node-" + chassis.toLowerCase(Locale.ROOT).replace('_', '-') + "-"
                + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        String request = Base64.getEncoder().encodeToString(
                Pem.encode(CertificateRequests.create(key, chassis)).getBytes(StandardCharsets.US_ASCII));
        kube.certificates().v1().certificateSigningRequests().resource(new CertificateSigningRequestBuilder()
                .withNewMetadata().withName(name).endMetadata().withNewSpec().withSignerName(NodeCsr.SIGNER_NAME)
                .withUsages(NodeCsr.USAGES).withRequest(request).endSpec().build()).create();
        log.info("submitted CSR {} for chassis {}; waiting up to {} s for signer {}", name, chassis,
                timeout.toSeconds(), NodeCsr.SIGNER_NAME);
        X509Certificate cert = check(awaitCertificate(name), key, chassis, ca);
        AtomicFiles.createPrivateDirectory(dir);
        TlsConfig files = new TlsConfig(dir.resolve(KEY_FILE), dir.resolve(CERT_FILE), dir.resolve(CA_FILE));
        AtomicFiles.write(files.caCertificate(), bytes(Pem.encode(ca)), AtomicFiles.PUBLIC);
        AtomicFiles.write(files.privateKey(), bytes(Pem.encode(key.getPrivate())), AtomicFiles.PRIVATE);
        AtomicFiles.write(files.certificate(), bytes(Pem.encode(cert)), AtomicFiles.PUBLIC);
        log.info("chassis {}: certificate serial {} valid until {} written to {}", chassis,
                cert.getSerialNumber().toString(16), cert.getNotAfter().toInstant(), dir);
        return files;
    }

    private String awaitCertificate(String name) {
        CertificateSigningRequest done;
        try {
            done = kube.certificates().v1().certificateSigningRequests().withName(name).waitUntilCondition(
                    c -> c == null || c.getStatus() != null && (c.getStatus().getCertificate() != null
                            || refusal(c).isPresent()), timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (KubernetesClientTimeoutException e) {
            throw new IllegalStateException("CSR " + name + " was not signed within " + timeout.toSeconds()
                    + " s; is the kovn controller running with the CA?", e);
        }
        if (done == null) {
            throw new IllegalStateException("CSR " + name + " was deleted before it was signed");
        }
        Optional<CertificateSigningRequestCondition> refused = refusal(done);
        if (refused.isPresent()) {
            throw new IllegalStateException("CSR " + name + " was " + refused.get().getType().toLowerCase(Locale.ROOT)
                    + ": " + refused.get().getMessage());
        }
        String b64 = done.getStatus().getCertificate();
        if (b64.length() > MAX_CERTIFICATE_CHARS) {
            throw new IllegalStateException("CSR " + name + ": the certificate returned is over " + MAX_CERTIFICATE_CHARS
                    + " characters");
        }
        return new String(Base64.getDecoder().decode(b64), StandardCharsets.US_ASCII);
    }

    private static Optional<CertificateSigningRequestCondition> refusal(CertificateSigningRequest c) {
        return c.getStatus().getConditions().stream()
                .filter(x -> List.of("Denied", "Failed").contains(x.getType())).findFirst();
    }

    private static X509Certificate check(String pem, KeyPair key, String chassis, X509Certificate ca) {
        try {
            X509Certificate cert = (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
            cert.verify(ca.getPublicKey());
            cert.checkValidity();
            if (!cert.getPublicKey().equals(key.getPublic())) {
                throw new IllegalStateException("the signed certificate is for another key");
            }
            if (!cert.getSubjectX500Principal().getName().equals("CN=" + chassis)) {
                throw new IllegalStateException("the signed certificate is for " + cert.getSubjectX500Principal().getName()
                        + ", not CN=" + chassis);
            }
            return cert;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the signed certificate is not one the CA issued: " + e.getMessage(), e);
        }
    }

    private static byte[] bytes(String pem) {
        return pem.getBytes(StandardCharsets.US_ASCII);
    }
}
