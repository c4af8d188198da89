package io.kovn.node.pki;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientTimeoutException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.kovn.node.kube.AgentNode;
import io.kovn.node.ovs.LocalOvs;
import io.kovn.ovn.annotations.GatewayConfig;
import io.kovn.ovsdb.client.TlsConfig;
import io.kovn.ovsdb.wire.OvsdbJson;
import io.kovn.pki.CertificateAuthority;
import io.kovn.pki.NodeCsr;
import io.kovn.pki.Pem;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Keeps the node's OVSDB client certificate valid: at start it uses the files already in the enrolment directory
 * if they still hold a certificate of this chassis, from the trusted CA, for this key, not yet due for renewal;
 * otherwise it enrols ({@link NodeCertificateEnroller}). It points the local Open_vSwitch SSL row at the files
 * (ovn-controller and the agent's own Southbound client read them there) and renews at 2/3 of the certificate's
 * validity: a new key and CSR, the files replaced in place (key before certificate, each by rename), then the SSL
 * row written again, which wakes ovn-controller to re-read them. A failed renewal is retried with a growing
 * delay, never later than the certificate's expiry allows.
 */
public final class NodeCertificates implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NodeCertificates.class);
    private static final Duration MIN_RETRY = Duration.ofSeconds(2);
    private static final Duration MAX_RETRY = Duration.ofMinutes(5);

    private final KubernetesClient kube;
    private final LocalOvs ovs;
    private final String chassis;
    private final NodeEnrollment enrollment;
    private final Clock clock;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "kovn-cert-renewal");
        t.setDaemon(true);
        return t;
    });
    private final TlsConfig files;
    private volatile X509Certificate current;
    private volatile String renewalFailure;
    private Duration retry = MIN_RETRY;

    private NodeCertificates(KubernetesClient kube, LocalOvs ovs, String chassis, NodeEnrollment enrollment, Clock clock) {
        this.kube = kube;
        this.ovs = ovs;
        this.chassis = chassis;
        this.enrollment = enrollment;
        this.clock = clock;
        this.files = new TlsConfig(enrollment.dir().resolve(NodeCertificateEnroller.KEY_FILE),
                enrollment.dir().resolve(NodeCertificateEnroller.CERT_FILE),
                enrollment.dir().resolve(NodeCertificateEnroller.CA_FILE));
    }

    /**
     * Makes sure chassis {@code chassis} of Node {@code node} has a valid certificate (enrolling if needed, within
     * the enrolment's timeout), sets the SSL row and schedules renewals. A Node whose chassis name is not its own
     * name gets the {@value GatewayConfig#CHASSIS_ANNOTATION} annotation first, which the signer checks the CN
     * against.
     */
    public static NodeCertificates start(KubernetesClient kube, LocalOvs ovs, String node, String chassis,
                                         NodeEnrollment enrollment, Clock clock) {
        NodeCertificates c = new NodeCertificates(kube, ovs, chassis, enrollment, clock);
        try {
            if (!chassis.equals(node)) {
                announceChassis(kube, node, chassis);
            }
            X509Certificate ca = trustedCa(kube, enrollment);
            c.current = c.usableExisting(ca).orElseGet(() -> c.enroll(ca));
            ovs.transact(OvsSslTable.setOps(c.files));
            c.scheduleRenewal();
            return c;
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
    }

    /** The files the SSL row points at. */
    public TlsConfig files() {
        return files;
    }

    public X509Certificate certificate() {
        return current;
    }

    /** For /healthz: why renewal is failing, or empty. */
    public Optional<String> problem() {
        String failure = renewalFailure;
        return failure == null ? Optional.empty() : Optional.of("node certificate (expires "
                + current.getNotAfter().toInstant() + "): renewal failing: " + failure);
    }

    private X509Certificate enroll(X509Certificate ca) {
        try {
            new NodeCertificateEnroller(kube, enrollment.dir(), enrollment.timeout()).enroll(chassis, ca);
            return Pem.readCertificates(files.certificate()).get(0);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the node certificate into " + enrollment.dir(), e);
        }
    }

    private synchronized void renew(X509Certificate ca) {
        X509Certificate renewed = enroll(ca);
        current = renewed;
        ovs.transact(OvsSslTable.setOps(files));
        log.info("chassis {}: certificate renewed, serial {} valid until {}; next renewal at {}", chassis,
                renewed.getSerialNumber().toString(16), renewed.getNotAfter().toInstant(),
                CertificateAuthority.renewalTime(renewed));
    }

    private void scheduleRenewal() {
        Duration wait = Duration.between(clock.instant(), CertificateAuthority.renewalTime(current));
        timer.schedule(this::renewOnSchedule, Math.max(0, wait.toMillis()), TimeUnit.MILLISECONDS);
    }

    private void renewOnSchedule() {
        try {
            renew(trustedCa(kube, enrollment));
            renewalFailure = null;
            retry = MIN_RETRY;
            scheduleRenewal();
        } catch (RuntimeException e) {
            renewalFailure = e.getMessage() == null ? e.toString() : e.getMessage();
            Duration left = Duration.between(clock.instant(), current.getNotAfter().toInstant());
            Duration next = retry.compareTo(left.dividedBy(4)) < 0 ? retry : left.dividedBy(4);
            next = next.compareTo(MIN_RETRY) < 0 ? MIN_RETRY : next;
            log.warn("chassis {}: certificate renewal failed ({}); the certificate expires {}; retrying in {} s",
                    chassis, renewalFailure, current.getNotAfter().toInstant(), next.toSeconds());
            retry = retry.multipliedBy(2).compareTo(MAX_RETRY) < 0 ? retry.multipliedBy(2) : MAX_RETRY;
            timer.schedule(this::renewOnSchedule, next.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** The files on disk, if they are a certificate of this chassis for this key, from {@code ca}, not yet due. */
    private Optional<X509Certificate> usableExisting(X509Certificate ca) {
        if (!Files.exists(files.privateKey()) || !Files.exists(files.certificate()) || !Files.exists(files.caCertificate())) {
            return Optional.empty();
        }
        try {
            X509Certificate cert = Pem.readCertificates(files.certificate()).get(0);
            PrivateKey key = Pem.readPrivateKey(files.privateKey());
            List<X509Certificate> trusted = Pem.readCertificates(files.caCertificate());
            cert.verify(ca.getPublicKey());
            String why = !cert.getSubjectX500Principal().getName().equals("CN=" + chassis) ? "it is for another chassis"
                    : !CertificateAuthority.belongTogether(key, cert.getPublicKey()) ? "the key is not the certificate's"
                    : !trusted.contains(ca) ? "the CA file is not the trusted CA"
                    : !clock.instant().isBefore(CertificateAuthority.renewalTime(cert)) ? "it is due for renewal"
                    : null;
            if (why != null) {
                log.info("chassis {}: not using the certificate in {}: {}", chassis, enrollment.dir(), why);
                return Optional.empty();
            }
            log.info("chassis {}: using the certificate in {}, serial {} valid until {}", chassis, enrollment.dir(),
                    cert.getSerialNumber().toString(16), cert.getNotAfter().toInstant());
            return Optional.of(cert);
        } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
            log.info("chassis {}: not using the files in {}: {}", chassis, enrollment.dir(), e.getMessage());
            return Optional.empty();
        }
    }

    /** The CA certificate the controller published, waiting for it within the enrolment's timeout. */
    static X509Certificate trustedCa(KubernetesClient kube, NodeEnrollment enrollment) {
        ConfigMap cm;
        try {
            cm = kube.configMaps().inNamespace(enrollment.namespace()).withName(NodeCsr.CA_CONFIG_MAP).waitUntilCondition(
                    c -> c != null && c.getData() != null && c.getData().get(NodeCsr.CA_CONFIG_MAP_KEY) != null,
                    enrollment.timeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (KubernetesClientTimeoutException e) {
            throw new IllegalStateException("ConfigMap " + enrollment.namespace() + "/" + NodeCsr.CA_CONFIG_MAP
                    + " with the CA certificate did not appear within " + enrollment.timeout().toSeconds()
                    + " s; is the kovn controller running with --ca-secret?", e);
        }
        List<X509Certificate> certs = Pem.parseCertificates(cm.getData().get(NodeCsr.CA_CONFIG_MAP_KEY),
                "ConfigMap " + enrollment.namespace() + "/" + NodeCsr.CA_CONFIG_MAP);
        X509Certificate ca = certs.get(0);
        if (ca.getBasicConstraints() < 0) {
            throw new IllegalStateException("ConfigMap " + enrollment.namespace() + "/" + NodeCsr.CA_CONFIG_MAP
                    + " holds no CA certificate");
        }
        return ca;
    }

    private static void announceChassis(KubernetesClient kube, String node, String chassis) {
        AgentNode n = kube.resources(AgentNode.class).withName(node).get();
        if (n == null) {
            throw new IllegalStateException("Node " + node + " does not exist; it cannot ask for a certificate");
        }
        Map<String, String> annotations = n.getMetadata().getAnnotations();
        if (annotations != null && Objects.equals(annotations.get(GatewayConfig.CHASSIS_ANNOTATION), chassis)) {
            return;
        }
        ObjectNode patch = OvsdbJson.NODES.objectNode();
        patch.putObject("metadata").putObject("annotations").put(GatewayConfig.CHASSIS_ANNOTATION, chassis);
        kube.resources(AgentNode.class).withName(node)
                .patch(PatchContext.of(PatchType.JSON_MERGE), patch.toString());
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
