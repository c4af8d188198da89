package io.kovn.controller;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kovn.pki.CertificateAuthority;
import io.kovn.pki.NodeCsr;
import io.kovn.pki.Pem;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Where the cluster's PKI lives in Kubernetes, in kovn's namespace: the CA's key and certificate in a Secret of
 * type {@code kubernetes.io/tls} (read by the controller only), a server's key and certificate in the same shape
 * with {@code ca.crt} added (what an OVSDB server's pod mounts), and the CA certificate alone in the ConfigMap
 * {@value #CA_CONFIG_MAP} that every node agent reads to know whom to trust. {@code kovn pki secret} prints
 * these objects for {@code kubectl apply}; the controller reads the CA Secret and publishes the ConfigMap.
 */
public final class CaSecret {
    /** The ConfigMap holding the CA certificate, {@value #CA_KEY}, for node agents. */
    public static final String CA_CONFIG_MAP = NodeCsr.CA_CONFIG_MAP;
    public static final String CA_KEY = NodeCsr.CA_CONFIG_MAP_KEY;
    /** The usual name of the CA Secret ({@code kovn controller --ca-secret}). */
    public static final String DEFAULT_CA_SECRET = "kovn-ca";
    public static final String TLS_TYPE = "kubernetes.io/tls";
    private static final String TLS_CERT = "tls.crt";
    private static final String TLS_KEY = "tls.key";
    /** A PEM key or certificate is a few kilobytes; a Secret value far larger is not one. */
    private static final int MAX_VALUE_BYTES = 64 * 1024;

    private CaSecret() {
    }

    /** The CA as a {@code kubernetes.io/tls} Secret: {@code tls.key}, {@code tls.crt}. */
    public static Secret caSecret(String namespace, String name, PrivateKey caKey, X509Certificate caCert) {
        return tlsSecret(namespace, name, caKey, caCert, null);
    }

    /** A server's (or client's) key and certificate, with the CA certificate to trust as {@code ca.crt}. */
    public static Secret tlsSecret(String namespace, String name, PrivateKey key, X509Certificate cert, X509Certificate ca) {
        SecretBuilder b = new SecretBuilder().withNewMetadata().withNamespace(namespace).withName(name)
                .addToLabels("app.kubernetes.io/part-of", "kovn").endMetadata().withType(TLS_TYPE)
                .addToData(TLS_KEY, base64(Pem.encode(key))).addToData(TLS_CERT, base64(Pem.encode(cert)));
        if (ca != null) {
            b.addToData(CA_KEY, base64(Pem.encode(ca)));
        }
        return b.build();
    }

    /** The ConfigMap of the CA certificate that node agents trust. */
    public static ConfigMap caConfigMap(String namespace, X509Certificate caCert) {
        return new ConfigMapBuilder().withNewMetadata().withNamespace(namespace).withName(CA_CONFIG_MAP)
                .addToLabels("app.kubernetes.io/part-of", "kovn").endMetadata()
                .addToData(CA_KEY, Pem.encode(caCert)).build();
    }

    /** Reads the CA from Secret {@code namespace/name}; a missing or malformed Secret is an error naming it. */
    public static CertificateAuthority load(KubernetesClient kube, String namespace, String name, Clock clock) {
        Secret s = kube.secrets().inNamespace(namespace).withName(name).get();
        String where = "Secret " + namespace + "/" + name;
        if (s == null) {
            throw new IllegalArgumentException(where + " does not exist; create it with: kovn pki secret --ca --dir DIR "
                    + "--namespace " + namespace + " --secret-name " + name + " | kubectl apply -f -");
        }
        Map<String, String> data = s.getData() == null ? Map.of() : s.getData();
        PrivateKey key = Pem.parsePrivateKey(decode(where, TLS_KEY, data.get(TLS_KEY)), where + " " + TLS_KEY);
        List<X509Certificate> certs = Pem.parseCertificates(decode(where, TLS_CERT, data.get(TLS_CERT)), where + " " + TLS_CERT);
        return CertificateAuthority.of(key, certs.get(0), clock);
    }

    /** Creates or updates the CA ConfigMap if it does not hold exactly this certificate; returns whether it wrote. */
    public static boolean publish(KubernetesClient kube, String namespace, X509Certificate caCert) {
        ConfigMap wanted = caConfigMap(namespace, caCert);
        ConfigMap current = kube.configMaps().inNamespace(namespace).withName(CA_CONFIG_MAP).get();
        if (current != null && current.getData() != null
                && Objects.equals(current.getData().get(CA_KEY), wanted.getData().get(CA_KEY))) {
            return false;
        }
        kube.configMaps().inNamespace(namespace).resource(wanted).createOr(c -> c.update());
        return true;
    }

    private static String decode(String where, String key, String base64) {
        if (base64 == null) {
            throw new IllegalArgumentException(where + " has no " + key);
        }
        if (base64.length() > MAX_VALUE_BYTES * 4 / 3 + 4) {
            throw new IllegalArgumentException(where + " " + key + " is over " + MAX_VALUE_BYTES + " bytes: not a PEM key "
                    + "or certificate");
        }
        try {
            return new String(Base64.getDecoder().decode(base64), StandardCharsets.US_ASCII);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + " " + key + " is not base64", e);
        }
    }

    private static String base64(String pem) {
        return Base64.getEncoder().encodeToString(pem.getBytes(StandardCharsets.US_ASCII));
    }
}
