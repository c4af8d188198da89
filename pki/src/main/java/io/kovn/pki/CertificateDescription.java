package io.kovn.pki;

import java.security.PublicKey;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/** What {@code kovn pki show} prints about a certificate: who, by whom, for what, until when. */
public final class CertificateDescription {
    private static final String[] KEY_USAGES = {"digitalSignature", "nonRepudiation", "keyEncipherment",
        "dataEncipherment", "keyAgreement", "keyCertSign", "cRLSign", "encipherOnly", "decipherOnly"};
    private static final Map<String, String> EXTENDED_KEY_USAGES = Map.of("1.3.6.1.5.5.7.3.1", "serverAuth",
            "1.3.6.1.5.5.7.3.2", "clientAuth", "1.3.6.1.5.5.7.3.3", "codeSigning", "1.3.6.1.5.5.7.3.4", "emailProtection");

    private CertificateDescription() {
    }

    public static String describe(X509Certificate c, Instant now) {
        Instant notAfter = c.getNotAfter().toInstant();
        StringBuilder b = new StringBuilder();
        line(b, "subject", c.getSubjectX500Principal().getName());
        line(b, "issuer", c.getIssuerX500Principal().getName());
        line(b, "serial", HexFormat.of().formatHex(c.getSerialNumber().toByteArray()));
        line(b, "key", key(c.getPublicKey()));
        line(b, "CA", c.getBasicConstraints() >= 0 ? "yes" : "no");
        line(b, "not before", c.getNotBefore().toInstant().toString());
        line(b, "not after", notAfter + " (" + remaining(now, c.getNotBefore().toInstant(), notAfter) + ")");
        line(b, "key usage", String.join(", ", keyUsages(c)));
        line(b, "extended key usage", String.join(", ", extendedKeyUsages(c)));
        line(b, "SANs", String.join(", ", subjectAltNames(c)));
        return b.toString();
    }

    static List<String> keyUsages(X509Certificate c) {
        List<String> out = new ArrayList<>();
        boolean[] bits = c.getKeyUsage();
        for (int i = 0; bits != null && i < bits.length && i < KEY_USAGES.length; i++) {
            if (bits[i]) {
                out.add(KEY_USAGES[i]);
            }
        }
        return out;
    }

    static List<String> extendedKeyUsages(X509Certificate c) {
        try {
            List<String> oids = c.getExtendedKeyUsage();
            return oids == null ? List.of() : oids.stream().map(o -> EXTENDED_KEY_USAGES.getOrDefault(o, o)).toList();
        } catch (CertificateParsingException e) {
            return List.of("unparseable: " + e.getMessage());
        }
    }

    static List<String> subjectAltNames(X509Certificate c) {
        try {
            Collection<List<?>> names = c.getSubjectAlternativeNames();
            List<String> out = new ArrayList<>();
            for (List<?> n : names == null ? List.<List<?>>of() : names) {
                int type = (Integer) n.get(0);
                out.add((type == 2 ? "DNS:" : type == 7 ? "IP:" : "type" + type + ":") + n.get(1));
            }
            return out;
        } catch (CertificateParsingException e) {
            return List.of("unparseable: " + e.getMessage());
        }
    }

    private static String key(PublicKey k) {
        if (k instanceof ECPublicKey ec) {
            return "EC " + ec.getParams().getCurve().getField().getFieldSize() + "-bit";
        }
        if (k instanceof RSAPublicKey rsa) {
            return "RSA " + rsa.getModulus().bitLength() + "-bit";
        }
        return k.getAlgorithm();
    }

    private static String remaining(Instant now, Instant notBefore, Instant notAfter) {
        if (now.isBefore(notBefore)) {
            return "NOT YET VALID";
        }
        if (now.isAfter(notAfter)) {
            return "EXPIRED " + human(Duration.between(notAfter, now)) + " ago";
        }
        return "expires in " + human(Duration.between(now, notAfter));
    }

    private static String human(Duration d) {
        if (d.toDays() >= 2) {
            return d.toDays() + " days";
        }
        if (d.toHours() >= 2) {
            return d.toHours() + " hours";
        }
        return d.toMinutes() + " minutes";
    }

    private static void line(StringBuilder b, String label, String value) {
        b.append(String.format("%-19s %s%n", label + ":", value.isEmpty() ? "-" : value));
    }
}
