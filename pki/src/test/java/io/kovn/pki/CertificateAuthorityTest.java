package io.kovn.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class CertificateAuthorityTest {
    private static final Instant NOW = Instant.parse("2026-11-29T12:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    private static final CertificateAuthority CA = CertificateAuthority.create("test CA", KeyType.EC_P256,
            Duration.ofDays(30), CLOCK);

    @Test
    void theCaIsASelfSignedCaThatMaySignCertificates() throws Exception {
        X509Certificate c = CA.certificate();
        c.verify(c.getPublicKey());
        assertThat(c.getSubjectX500Principal().getName()).isEqualTo("CN=test CA");
        assertThat(c.getBasicConstraints()).isGreaterThanOrEqualTo(0);
        assertThat(CertificateDescription.keyUsages(c)).containsExactly("keyCertSign", "cRLSign");
        assertThat(c.getNotAfter().toInstant()).isEqualTo(NOW.plus(Duration.ofDays(30)));
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    void eachRoleGetsItsUsagesAndTheNameAsCommonName(Role role) throws Exception {
        IssuedCertificate issued = CA.issue(role, "chassis-1", List.of(SubjectAltName.parse("DNS:node1"),
                SubjectAltName.parse("IP:192.0.2.7")), KeyType.EC_P256, Duration.ofHours(1));
        X509Certificate c = issued.certificate();
        c.verify(CA.certificate().getPublicKey());
        assertThat(c.getSubjectX500Principal().getName()).isEqualTo("CN=chassis-1");
        assertThat(c.getIssuerX500Principal()).isEqualTo(CA.certificate().getSubjectX500Principal());
        assertThat(c.getBasicConstraints()).isEqualTo(-1);
        assertThat(CertificateDescription.keyUsages(c)).containsExactly("digitalSignature");
        assertThat(CertificateDescription.extendedKeyUsages(c)).containsExactlyElementsOf(
                role == Role.NB_SERVER || role == Role.SB_SERVER ? List.of("serverAuth", "clientAuth") : List.of("clientAuth"));
        assertThat(CertificateDescription.subjectAltNames(c)).containsExactly("DNS:node1", "IP:192.0.2.7");
        assertThat(c.getNotAfter().toInstant()).isEqualTo(NOW.plus(Duration.ofHours(1)));
        assertThat(c.getNotBefore().toInstant()).isEqualTo(NOW.minus(Duration.ofMinutes(5)));
        assertThat(c.getPublicKey()).isNotEqualTo(CA.certificate().getPublicKey());
    }

    @Test
    void aShortCertificateIsBackdatedATenthOfItsLifetimeAndRenewsAtTwoThirdsOfItsValidity() {
        X509Certificate shortLived = CA.issue(Role.OVN_CONTROLLER, "chassis-1", List.of(), KeyType.EC_P256,
                Duration.ofSeconds(60)).certificate();
        assertThat(shortLived.getNotBefore().toInstant()).isEqualTo(NOW.minusSeconds(6));
        assertThat(CertificateAuthority.renewalTime(shortLived)).isEqualTo(NOW.plusSeconds(38));
        X509Certificate day = CA.issue(Role.OVN_CONTROLLER, "chassis-1", List.of(), KeyType.EC_P256,
                Duration.ofHours(24)).certificate();
        assertThat(CertificateAuthority.renewalTime(day)).isEqualTo(NOW.minus(Duration.ofMinutes(5))
                .plus(Duration.ofHours(24).plusMinutes(5).multipliedBy(2).dividedBy(3)));
    }

    @Test
    void rsaKeysAlsoGetKeyEnciphermentAndRsaCasSignWithRsa() throws Exception {
        CertificateAuthority rsaCa = CertificateAuthority.create("rsa CA", KeyType.RSA_3072, Duration.ofDays(1), CLOCK);
        IssuedCertificate issued = rsaCa.issue(Role.NB_SERVER, "nb", List.of(), KeyType.RSA_3072, Duration.ofHours(1));
        issued.certificate().verify(rsaCa.certificate().getPublicKey());
        assertThat(issued.certificate().getSigAlgName()).isEqualTo("SHA256withRSA");
        assertThat(CertificateDescription.keyUsages(issued.certificate()))
                .containsExactly("digitalSignature", "keyEncipherment");
        assertThat(CertificateDescription.subjectAltNames(issued.certificate())).isEmpty();
    }

    @Test
    void aCertificateMayNotOutliveTheCa() {
        assertThatThrownBy(() -> CA.issue(Role.NORTHD, "northd", List.of(), KeyType.EC_P256, Duration.ofDays(31)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("would outlive the CA");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "../etc/passwd", "a/b", "-x", ".hidden", "name with space", "x\ny"})
    void namesThatAreNoSafeCommonNameAndFileNameAreRefused(String name) {
        assertThatThrownBy(() -> CA.issue(Role.OVN_CONTROLLER, name, List.of(), KeyType.EC_P256, Duration.ofHours(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must be 1-64 letters");
    }

    @Test
    void aNameOf64CharactersIsTheLongest() {
        CA.issue(Role.OVN_CONTROLLER, "n".repeat(64), List.of(), KeyType.EC_P256, Duration.ofHours(1));
        assertThatThrownBy(() -> CA.issue(Role.OVN_CONTROLLER, "n".repeat(65), List.of(), KeyType.EC_P256,
                Duration.ofHours(1))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void importingChecksThatKeyAndCertificateFormAValidCa() {
        CertificateAuthority other = CertificateAuthority.create("other", KeyType.EC_P256, Duration.ofDays(1), CLOCK);
        assertThat(CertificateAuthority.of(CA.privateKey(), CA.certificate(), CLOCK).certificate())
                .isEqualTo(CA.certificate());
        assertThatThrownBy(() -> CertificateAuthority.of(other.privateKey(), CA.certificate(), CLOCK))
                .hasMessageContaining("does not belong to CA certificate 'CN=test CA'");
        IssuedCertificate leaf = CA.issue(Role.NB_SERVER, "nb", List.of(), KeyType.EC_P256, Duration.ofHours(1));
        assertThatThrownBy(() -> CertificateAuthority.of(leaf.privateKey(), leaf.certificate(), CLOCK))
                .hasMessageContaining("is not a CA certificate");
        Clock later = Clock.fixed(NOW.plus(Duration.ofDays(31)), ZoneOffset.UTC);
        assertThatThrownBy(() -> CertificateAuthority.of(CA.privateKey(), CA.certificate(), later))
                .hasMessageContaining("is not valid now");
    }

    @Test
    void theDescriptionShowsExpiryRelativeToNow() {
        IssuedCertificate issued = CA.issue(Role.OVN_CONTROLLER, "chassis1", List.of(), KeyType.EC_P256, Duration.ofDays(3));
        assertThat(CertificateDescription.describe(issued.certificate(), NOW))
                .contains("subject:            CN=chassis1").contains("issuer:             CN=test CA")
                .contains("extended key usage: clientAuth").contains("expires in 3 days").contains("SANs:               -");
        assertThat(CertificateDescription.describe(issued.certificate(), NOW.plus(Duration.ofDays(5))))
                .contains("EXPIRED 2 days ago");
        assertThat(issued.toString()).isEqualTo("IssuedCertificate[CN=chassis1]");
    }
}
