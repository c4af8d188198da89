package io.kovn.pki;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;
import org.bouncycastle.util.io.pem.PemObject;

/**
 * PEM encoding as OVS and kovn's client read it. Keys are written as unencrypted PKCS#8 ({@code BEGIN PRIVATE
 * KEY}), which OpenSSL and the JDK both read; PKCS#1 ({@code BEGIN RSA/EC PRIVATE KEY}) is accepted on import.
 */
public final class Pem {
    /** Bigger than any key or certificate chain kovn reads; a larger file is not one. */
    private static final long MAX_FILE_BYTES = 1 << 20;

    private Pem() {
    }

    public static String encode(X509Certificate certificate) {
        return write(certificate);
    }

    public static String encode(PrivateKey key) {
        return write(new PemObject("PRIVATE KEY", key.getEncoded()));
    }

    public static String encode(PKCS10CertificationRequest csr) {
        try {
            return write(new PemObject("CERTIFICATE REQUEST", csr.getEncoded()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String write(Object o) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            w.writeObject(o);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    /** The one private key in {@code file}; an encrypted key or anything else is an error naming the file. */
    public static PrivateKey readPrivateKey(Path file) throws IOException {
        return parsePrivateKey(read(file), file);
    }

    /** The one private key in PEM {@code text} from {@code source} (named in errors, never quoted). */
    public static PrivateKey parsePrivateKey(String text, Object source) {
        List<Object> objects = parse(text, source);
        if (objects.size() != 1) {
            throw new IllegalArgumentException(source + " holds " + objects.size() + " PEM objects, expected one private key");
        }
        Object o = objects.get(0);
        JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
        try {
            if (o instanceof PEMKeyPair pair) {
                return converter.getPrivateKey(pair.getPrivateKeyInfo());
            }
            if (o instanceof PrivateKeyInfo info) {
                return converter.getPrivateKey(info);
            }
        } catch (IOException e) {
            throw new IllegalArgumentException(source + ": unusable private key: " + e.getMessage(), e);
        }
        if (o instanceof PEMEncryptedKeyPair || o instanceof PKCS8EncryptedPrivateKeyInfo) {
            throw new IllegalArgumentException(source + " holds an encrypted private key; OVS cannot read those either "
                    + "(decrypt it with: openssl pkey -in " + source + " -out KEY.pem)");
        }
        throw new IllegalArgumentException(source + " holds no private key but a " + describe(o));
    }

    /** Every certificate in {@code file}, in order; at least one. */
    public static List<X509Certificate> readCertificates(Path file) throws IOException {
        return parseCertificates(read(file), file);
    }

    /** Every certificate in PEM {@code text} from {@code source}, in order; at least one. */
    public static List<X509Certificate> parseCertificates(String text, Object source) {
        List<X509Certificate> certs = new ArrayList<>();
        for (Object o : parse(text, source)) {
            if (!(o instanceof X509CertificateHolder holder)) {
                throw new IllegalArgumentException(source + " holds a " + describe(o) + ", expected only certificates");
            }
            try {
                certs.add(new JcaX509CertificateConverter().getCertificate(holder));
            } catch (CertificateException e) {
                throw new IllegalArgumentException(source + ": unusable certificate: " + e.getMessage(), e);
            }
        }
        if (certs.isEmpty()) {
            throw new IllegalArgumentException(source + " holds no PEM certificate");
        }
        return certs;
    }

    public static PKCS10CertificationRequest parseCertificationRequest(String pem) {
        List<Object> objects = parse(pem, "the CSR");
        if (objects.size() != 1 || !(objects.get(0) instanceof PKCS10CertificationRequest csr)) {
            throw new IllegalArgumentException("expected exactly one PEM CERTIFICATE REQUEST");
        }
        return csr;
    }

    /** What a PEM object is, for errors; never its content. */
    static String describe(Object o) {
        if (o instanceof PEMKeyPair || o instanceof PrivateKeyInfo || o instanceof PEMEncryptedKeyPair
                || o instanceof PKCS8EncryptedPrivateKeyInfo) {
            return "private key";
        }
        if (o instanceof X509CertificateHolder) {
            return "certificate";
        }
        if (o instanceof PKCS10CertificationRequest) {
            return "certificate request";
        }
        return o.getClass().getSimpleName();
    }

    private static String read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(file + " is not a regular file");
        }
        if (Files.size(file) > MAX_FILE_BYTES) {
            throw new IllegalArgumentException(file + " is larger than " + MAX_FILE_BYTES + " bytes: not a PEM key or certificate");
        }
        try {
            return Files.readString(file, StandardCharsets.US_ASCII);
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(file + " is not a PEM text file (it holds non-ASCII bytes)", e);
        }
    }

    private static List<Object> parse(String text, Object source) {
        List<Object> out = new ArrayList<>();
        try (PEMParser p = new PEMParser(new StringReader(text))) {
            for (Object o = p.readObject(); o != null; o = p.readObject()) {
                out.add(o);
            }
        } catch (IOException | RuntimeException e) {
            // BouncyCastle's messages quote no key material, only the structure that failed
            throw new IllegalArgumentException(source + " is not valid PEM: " + e.getMessage(), e);
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(source + " holds no PEM object");
        }
        return out;
    }
}
