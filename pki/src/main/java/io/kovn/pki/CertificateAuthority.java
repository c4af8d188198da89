package io.kovn.pki;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.List;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster CA: signs certificates for the OVN roles. Made fresh ({@link #create}) or from an existing CA's
 * key and certificate ({@link #of}), which must belong together and be a currently valid CA.
 */
public final class CertificateAuthority {
    private static final Logger LOG = LoggerFactory.getLogger(CertificateAuthority.class);
    /** A common name is at most 64 characters (RFC 5280's ub-common-name) and is also a file name here. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9._-]{0,63})");
    /**
     * notBefore is set this far back (at most a tenth of the lifetime, so that a certificate of a few minutes,
     * as tests use, still renews at 2/3 of its validity) so a peer whose clock is a little behind accepts it.
     */
    private static final Duration BACKDATE = Duration.ofMinutes(5);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final PrivateKey key;
    private final X509Certificate certificate;
    private final Clock clock;

    private CertificateAuthority(PrivateKey key, X509Certificate certificate, Clock clock) {
        this.key = key;
        this.certificate = certificate;
        this.clock = clock;
    }

    /** A new self-signed CA named {@code commonName}, valid for {@code lifetime} from now. */
    public static CertificateAuthority create(String commonName, KeyType type, Duration lifetime, Clock clock) {
        if (commonName.isBlank() || commonName.length() > 64) {
            throw new IllegalArgumentException("CA name must have 1 to 64 characters: '" + commonName + "'");
        }
        KeyPair pair = type.generate();
        X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, commonName).build();
        Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject, serial(), Date.from(now.minus(BACKDATE)),
                    Date.from(now.plus(lifetime)), subject, pair.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(pair.getPublic()));
            X509Certificate cert = sign(b, pair.getPrivate(), pair.getPublic());
            LOG.info("created CA '{}' ({}), valid until {}", commonName, type, cert.getNotAfter().toInstant());
            return new CertificateAuthority(pair.getPrivate(), cert, clock);
        } catch (GeneralSecurityException | CertIOException e) {
            throw new IllegalStateException("cannot create the CA certificate: " + e.getMessage(), e);
        }
    }

    /** An existing CA: the certificate must be a CA's, valid now, and {@code key} must be its key. */
    public static CertificateAuthority of(PrivateKey key, X509Certificate certificate, Clock clock) {
        String who = "CA certificate '" + certificate.getSubjectX500Principal().getName() + "'";
        if (certificate.getBasicConstraints() < 0) {
            throw new IllegalArgumentException(who + " is not a CA certificate (no basicConstraints CA:TRUE)");
        }
        boolean[] usage = certificate.getKeyUsage();
        if (usage != null && (usage.length <= 5 || !usage[5])) {
            throw new IllegalArgumentException(who + " may not sign certificates (its key usage lacks keyCertSign)");
        }
        Instant now = clock.instant();
        if (now.isAfter(certificate.getNotAfter().toInstant()) || now.isBefore(certificate.getNotBefore().toInstant())) {
            throw new IllegalArgumentException(who + " is not valid now: valid from "
                    + certificate.getNotBefore().toInstant() + " to " + certificate.getNotAfter().toInstant());
        }
        if (!belongTogether(key, certificate.getPublicKey())) {
            throw new IllegalArgumentException("the private key does not belong to " + who);
        }
        return new CertificateAuthority(key, certificate, clock);
    }

    public X509Certificate certificate() {
        return certificate;
    }

    PrivateKey privateKey() {
        return key;
    }

    /** A new key of {@code type} and a certificate for it, as {@link #sign} makes it. */
    public IssuedCertificate issue(Role role, String name, List<SubjectAltName> sans, KeyType type, Duration lifetime) {
        requireValidName(name);
        KeyPair pair = type.generate();
        return new IssuedCertificate(pair.getPrivate(), sign(pair.getPublic(), role, name, sans, lifetime));
    }

    /**
     * A certificate for {@code publicKey} with CN = {@code name}, the extended key usages of {@code role},
     * {@code sans}, valid for {@code lifetime} from now (never beyond the CA's own expiry).
     */
    public X509Certificate sign(PublicKey publicKey, Role role, String name, List<SubjectAltName> sans, Duration lifetime) {
        requireValidName(name);
        Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS); // X.509 times have whole seconds
        Instant notAfter = now.plus(lifetime);
        Instant caExpiry = certificate.getNotAfter().toInstant();
        if (notAfter.isAfter(caExpiry)) {
            throw new IllegalArgumentException("a certificate valid until " + notAfter + " would outlive the CA, "
                    + "which expires " + caExpiry + "; choose a shorter lifetime or a new CA");
        }
        X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, name).build();
        // the key encipherment bit is only defined for RSA keys (RFC 5480 excludes it for EC)
        int keyUsage = KeyUsage.digitalSignature | (publicKey.getAlgorithm().equals("RSA") ? KeyUsage.keyEncipherment : 0);
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(certificate, serial(),
                    Date.from(now.minus(backdate(lifetime))), Date.from(notAfter), subject, publicKey)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(keyUsage))
                    .addExtension(Extension.extendedKeyUsage, false,
                            new ExtendedKeyUsage(role.extendedKeyUsages().toArray(KeyPurposeId[]::new)))
                    .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(publicKey))
                    .addExtension(Extension.authorityKeyIdentifier, false,
                            ext.createAuthorityKeyIdentifier(certificate.getPublicKey()));
            if (!sans.isEmpty()) {
                b.addExtension(Extension.subjectAlternativeName, false,
                        new GeneralNames(sans.stream().map(SubjectAltName::toGeneralName).toArray(GeneralName[]::new)));
            }
            X509Certificate cert = sign(b, key, certificate.getPublicKey());
            LOG.info("issued {} certificate CN={} serial {} SANs {} valid until {}", role, name,
                    cert.getSerialNumber().toString(16), sans, cert.getNotAfter().toInstant());
            return cert;
        } catch (GeneralSecurityException | CertIOException e) {
            throw new IllegalStateException("cannot issue a certificate for " + name + ": " + e.getMessage(), e);
        }
    }

    private static Duration backdate(Duration lifetime) {
        Duration tenth = lifetime.dividedBy(10);
        return tenth.compareTo(BACKDATE) < 0 ? tenth : BACKDATE;
    }

    /**
     * When a certificate is due for renewal: at 2/3 of its validity (notBefore to notAfter), early enough that a
     * renewal failing for a while (the controller down, the API unreachable) still leaves time to retry.
     */
    public static Instant renewalTime(X509Certificate certificate) {
        Instant from = certificate.getNotBefore().toInstant();
        Duration validity = Duration.between(from, certificate.getNotAfter().toInstant());
        return from.plus(validity.multipliedBy(2).dividedBy(3));
    }

    public static void requireValidName(String name) {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("name '" + name + "' must be 1-64 letters, digits, '.', '_' or '-', "
                    + "starting with a letter or digit");
        }
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey signer, PublicKey verifier)
            throws GeneralSecurityException {
        try {
            X509Certificate cert = new JcaX509CertificateConverter().getCertificate(
                    b.build(new JcaContentSignerBuilder(KeyType.signatureAlgorithmFor(verifier)).build(signer)));
            cert.verify(verifier);
            return cert;
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException(e.getMessage(), e);
        }
    }

    /** Positive, 159 random bits: unique without a counter to keep, as RFC 5280 recommends. */
    private static BigInteger serial() {
        return new BigInteger(159, RANDOM).setBit(150);
    }

    /** Whether {@code key} is the private half of {@code publicKey} (a signature made with one verifies with the other). */
    public static boolean belongTogether(PrivateKey key, PublicKey publicKey) {
        try {
            byte[] challenge = new byte[32];
            RANDOM.nextBytes(challenge);
            String alg = KeyType.signatureAlgorithmFor(publicKey);
            Signature s = Signature.getInstance(alg);
            s.initSign(key);
            s.update(challenge);
            byte[] sig = s.sign();
            Signature v = Signature.getInstance(alg);
            v.initVerify(publicKey);
            v.update(challenge);
            return v.verify(sig);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return false;
        }
    }
}
