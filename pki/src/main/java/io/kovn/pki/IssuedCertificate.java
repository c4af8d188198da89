package io.kovn.pki;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;

/** A freshly generated private key and the certificate the CA issued for it. */
public record IssuedCertificate(PrivateKey privateKey, X509Certificate certificate) {

    @Override
    public String toString() {
        return "IssuedCertificate[" + certificate.getSubjectX500Principal().getName() + "]"; // never the key
    }
}
