package io.kovn.pki;

import java.security.KeyPair;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;
import org.bouncycastle.openssl.PEMException;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * PKCS#10 requests for a node's certificate: the node makes one for a key that never leaves it; the signer
 * accepts only a request that proves possession of the key and asks for nothing but {@code CN=NAME}.
 */
public final class CertificateRequests {

    /** What a valid request asks for. */
    public record Validated(String commonName, PublicKey publicKey) {
    }

    private CertificateRequests() {
    }

    public static PKCS10CertificationRequest create(KeyPair key, String commonName) {
        CertificateAuthority.requireValidName(commonName);
        X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, commonName).build();
        try {
            return new JcaPKCS10CertificationRequestBuilder(subject, key.getPublic()).build(
                    new JcaContentSignerBuilder(KeyType.signatureAlgorithmFor(key.getPublic())).build(key.getPrivate()));
        } catch (OperatorCreationException e) {
            throw new IllegalStateException("cannot sign a certificate request: " + e.getMessage(), e);
        }
    }

    /**
     * The request's name and key, if its signature verifies, its subject is exactly one valid CN, it requests no
     * attributes (no SANs, no extensions) and its key is EC P-256 or RSA of at least 2048 bits.
     */
    public static Validated validate(PKCS10CertificationRequest csr) {
        PublicKey key;
        try {
            key = new JcaPEMKeyConverter().getPublicKey(csr.getSubjectPublicKeyInfo());
            if (!csr.isSignatureValid(new JcaContentVerifierProviderBuilder().build(key))) {
                throw new IllegalArgumentException("the request's signature does not verify");
            }
        } catch (PKCSException | OperatorCreationException | PEMException e) {
            throw new IllegalArgumentException("the request's signature cannot be checked: " + e.getMessage(), e);
        }
        RDN[] rdns = csr.getSubject().getRDNs();
        if (rdns.length != 1 || rdns[0].isMultiValued() || !rdns[0].getFirst().getType().equals(BCStyle.CN)) {
            throw new IllegalArgumentException("the request's subject must be exactly CN=<name>, not '" + csr.getSubject() + "'");
        }
        String cn = IETFUtils.valueToString(rdns[0].getFirst().getValue());
        CertificateAuthority.requireValidName(cn);
        if (csr.getAttributes().length != 0) {
            boolean extensions = csr.getAttributes(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest).length != 0;
            throw new IllegalArgumentException("the request asks for " + (extensions ? "extensions (e.g. SANs)" : "attributes")
                    + "; a node certificate carries only its CN");
        }
        if (key instanceof ECPublicKey ec && ec.getParams().getCurve().getField().getFieldSize() == 256) {
            return new Validated(cn, key);
        }
        if (key instanceof RSAPublicKey rsa && rsa.getModulus().bitLength() >= 2048) {
            return new Validated(cn, key);
        }
        throw new IllegalArgumentException("the request's key must be EC P-256 or RSA of at least 2048 bits, not "
                + key.getAlgorithm());
    }
}
