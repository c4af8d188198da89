package io.kovn.pki;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Arrays;
import java.util.stream.Collectors;

/** The key algorithms kovn generates: both are accepted by OpenSSL (OVS) and by the JDK (kovn's client). */
public enum KeyType {
    EC_P256("ec-p256", "SHA256withECDSA"),
    RSA_3072("rsa-3072", "SHA256withRSA");

    private final String id;
    private final String signatureAlgorithm;

    KeyType(String id, String signatureAlgorithm) {
        this.id = id;
        this.signatureAlgorithm = signatureAlgorithm;
    }

    public String id() {
        return id;
    }

    public KeyPair generate() {
        try {
            if (this == EC_P256) {
                KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
                g.initialize(new ECGenParameterSpec("secp256r1"));
                return g.generateKeyPair();
            }
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(3072);
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK cannot generate " + id + " keys", e);
        }
    }

    /** The signature algorithm a key of this type signs certificates with. */
    static String signatureAlgorithmFor(PublicKey key) {
        if (key instanceof ECPublicKey) {
            return EC_P256.signatureAlgorithm;
        }
        if (key instanceof RSAPublicKey) {
            return RSA_3072.signatureAlgorithm;
        }
        throw new IllegalArgumentException("unsupported key algorithm " + key.getAlgorithm() + "; expected EC or RSA");
    }

    public static KeyType parse(String id) {
        for (KeyType t : values()) {
            if (t.id.equals(id)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown key type '" + id + "'; expected one of "
                + Arrays.stream(values()).map(KeyType::id).collect(Collectors.joining(", ")));
    }

    @Override
    public String toString() {
        return id;
    }
}
