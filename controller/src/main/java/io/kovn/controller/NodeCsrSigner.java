package io.kovn.controller;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestCondition;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestConditionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kovn.ovn.annotations.GatewayConfig;
import io.kovn.pki.CertificateAuthority;
import io.kovn.pki.CertificateRequests;
import io.kovn.pki.NodeCsr;
import io.kovn.pki.Pem;
import io.kovn.pki.Role;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The signer {@value #SIGNER_NAME}: approves and signs a node's {@code certificates.k8s.io/v1} CSR only if its
 * subject is exactly {@code CN=<chassis>} of an existing Node (by name or by its chassis-id annotation), it
 * proves possession of its key, its usages are exactly a node's, and its requester may have that node's
 * certificate ({@link CsrRequester}); denies anything else with a Warning Event.
 * The approval is recorded in the CSR's Approved condition and, as each decision, in an Event on the CSR.
 */
public final class NodeCsrSigner {
    public static final String SIGNER_NAME = NodeCsr.SIGNER_NAME;
    private static final Set<String> NODE_USAGES = Set.copyOf(NodeCsr.USAGES);
    static final String APPROVED_REASON = "KovnNodeApproved";
    static final String DENIED_REASON = "KovnNodeDenied";
    static final String FAILED_REASON = "KovnNodeRefused";
    /** A PEM P-256 or RSA-4096 request is a few kilobytes. */
    private static final int MAX_REQUEST_CHARS = 16 * 1024;
    private static final Duration MIN_LIFETIME = Duration.ofMinutes(10);
    private static final Logger log = LoggerFactory.getLogger(NodeCsrSigner.class);

    /** What {@link #handle} did. */
    public enum Decision { IGNORED, APPROVED, DENIED }

    private final KubernetesClient kube;
    private final CertificateAuthority ca;
    private final Duration lifetime;
    private final EventRecorder events;
    private final boolean allowUnbound;

    /**
     * @param allowUnbound approve service account requests whose token names no node ({@link CsrRequester})
     */
    public NodeCsrSigner(KubernetesClient kube, CertificateAuthority ca, Duration lifetime, EventRecorder events,
                         boolean allowUnbound) {
        this.kube = kube;
        this.ca = ca;
        this.lifetime = lifetime;
        this.events = events;
        this.allowUnbound = allowUnbound;
    }

    /**
     * Decides one CSR; a CSR of another signer, or one already signed, denied or failed, is left alone. A CSR
     * approved but not yet signed (the controller stopped in between, or someone approved it by hand) is checked
     * again before it is signed; if it no longer passes (its Node was deleted), it gets a Failed condition.
     */
    public Decision handle(CertificateSigningRequest csr) {
        if (!SIGNER_NAME.equals(csr.getSpec().getSignerName()) || finished(csr)) {
            return Decision.IGNORED;
        }
        String name = csr.getMetadata().getName();
        boolean approved = hasCondition(csr, "Approved");
        CertificateRequests.Validated request;
        String node;
        String requester;
        try {
            requireNodeUsages(csr.getSpec().getUsages());
            request = CertificateRequests.validate(Pem.parseCertificationRequest(decodeRequest(csr.getSpec().getRequest())));
            node = nodeOf(request.commonName()).orElseThrow(() -> new IllegalArgumentException(
                    "no Node named " + request.commonName() + " or with chassis " + request.commonName()));
            requester = CsrRequester.requireMayHave(csr.getSpec().getUsername(), csr.getSpec().getExtra(), node,
                    allowUnbound);
        } catch (IllegalArgumentException e) {
            refuse(csr, approved, e.getMessage());
            return Decision.DENIED;
        }
        if (!approved) {
            kube.certificates().v1().certificateSigningRequests().withName(name).approve(condition("Approved",
                    APPROVED_REASON, "CN=" + request.commonName() + " is Node " + node + "'s chassis; " + requester));
        }
        X509Certificate cert = ca.sign(request.publicKey(), Role.OVN_CONTROLLER, request.commonName(), List.of(),
                lifetimeOf(csr));
        String pem = Base64.getEncoder().encodeToString(Pem.encode(cert).getBytes(StandardCharsets.US_ASCII));
        kube.certificates().v1().certificateSigningRequests().withName(name).editStatus(c -> {
            c.getStatus().setCertificate(pem);
            return c;
        });
        events.normal(csr, "CertificateSigned", "CSR " + name + " approved and signed for Node " + node + " (CN="
                + request.commonName() + "), serial " + cert.getSerialNumber().toString(16) + ", valid until "
                + cert.getNotAfter().toInstant());
        log.info("CSR {}: approved and signed for Node {} (CN={}), valid until {}", name, node, request.commonName(),
                cert.getNotAfter().toInstant());
        return Decision.APPROVED;
    }

    /** Signed, denied or failed: nothing left to do. */
    public static boolean finished(CertificateSigningRequest csr) {
        return csr.getStatus() != null && (csr.getStatus().getCertificate() != null
                || hasCondition(csr, "Denied") || hasCondition(csr, "Failed"));
    }

    private static boolean hasCondition(CertificateSigningRequest csr, String type) {
        return csr.getStatus() != null && csr.getStatus().getConditions() != null
                && csr.getStatus().getConditions().stream().anyMatch(c -> type.equals(c.getType()));
    }

    private static void requireNodeUsages(List<String> usages) {
        if (usages == null || usages.size() != NODE_USAGES.size() || !new HashSet<>(usages).equals(NODE_USAGES)) {
            throw new IllegalArgumentException("usages " + usages + " are not exactly a node's " + NODE_USAGES);
        }
    }

    private static String decodeRequest(String base64) {
        if (base64 == null || base64.length() > MAX_REQUEST_CHARS) {
            throw new IllegalArgumentException("spec.request is missing or longer than " + MAX_REQUEST_CHARS + " characters");
        }
        try {
            return new String(Base64.getDecoder().decode(base64), StandardCharsets.US_ASCII);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("spec.request is not base64: " + e.getMessage(), e);
        }
    }

    /** The Node whose name, or whose chassis-id annotation, is {@code chassis}. */
    private Optional<String> nodeOf(String chassis) {
        Node byName = kube.nodes().withName(chassis).get();
        if (byName != null) {
            return Optional.of(chassis);
        }
        return kube.nodes().list().getItems().stream()
                .filter(n -> n.getMetadata().getAnnotations() != null
                        && chassis.equals(n.getMetadata().getAnnotations().get(GatewayConfig.CHASSIS_ANNOTATION)))
                .map(n -> n.getMetadata().getName()).findFirst();
    }

    /** The signer's lifetime, or the shorter one the CSR asks for (spec.expirationSeconds), at least 10 minutes. */
    private Duration lifetimeOf(CertificateSigningRequest csr) {
        Integer seconds = csr.getSpec().getExpirationSeconds();
        if (seconds == null) {
            return lifetime;
        }
        Duration asked = Duration.ofSeconds(Math.max(seconds, MIN_LIFETIME.toSeconds()));
        return asked.compareTo(lifetime) < 0 ? asked : lifetime;
    }

    /** Denies a CSR not yet approved; one approved already gets a Failed condition (the signer will not sign it). */
    private void refuse(CertificateSigningRequest csr, boolean approved, String reason) {
        String why = reason.length() > 300 ? reason.substring(0, 300) + "..." : reason; // it may quote the request
        String name = csr.getMetadata().getName();
        if (approved) {
            CertificateSigningRequestCondition failed = condition("Failed", FAILED_REASON, why);
            kube.certificates().v1().certificateSigningRequests().withName(name).editStatus(c -> {
                c.getStatus().getConditions().add(failed);
                return c;
            });
        } else {
            kube.certificates().v1().certificateSigningRequests().withName(name)
                    .deny(condition("Denied", DENIED_REASON, why));
        }
        events.warning(csr, "CertificateDenied", "CSR " + name + (approved ? " not signed: " : " denied: ") + why);
        log.warn("CSR {} (signer {}) {}: {}", name, SIGNER_NAME, approved ? "not signed" : "denied", why);
    }

    private static CertificateSigningRequestCondition condition(String type, String reason, String message) {
        String now = Instant.now().toString();
        return new CertificateSigningRequestConditionBuilder().withType(type).withStatus("True").withReason(reason)
                .withMessage(message).withLastUpdateTime(now).withLastTransitionTime(now).build();
    }
}
