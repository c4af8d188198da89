package io.kovn.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.junit.jupiter.api.Test;

class CertificateRequestsTest {
    private static final KeyPair KEY = KeyType.EC_P256.generate();

    @Test
    void aRequestRoundTripsThroughPemAndIsSignedForItsKey() throws Exception {
        PKCS10CertificationRequest csr = CertificateRequests.create(KEY, "chassis-1");
        CertificateRequests.Validated v = CertificateRequests.validate(Pem.parseCertificationRequest(Pem.encode(csr)));
        assertThat(v.commonName()).isEqualTo("chassis-1");
        assertThat(v.publicKey()).isEqualTo(KEY.getPublic());
        CertificateAuthority ca = CertificateAuthority.create("ca", KeyType.EC_P256, Duration.ofDays(1), Clock.systemUTC());
        var cert = ca.sign(v.publicKey(), Role.OVN_CONTROLLER, v.commonName(), List.of(), Duration.ofHours(1));
        assertThat(cert.getPublicKey()).isEqualTo(KEY.getPublic());
    }

    @Test
    void aRequestSignedWithAnotherKeyIsRefused() throws Exception {
        KeyPair other = KeyType.EC_P256.generate();
        PKCS10CertificationRequest forged = new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=chassis-1"),
                KEY.getPublic()).build(new JcaContentSignerBuilder("SHA256withECDSA").build(other.getPrivate()));
        assertThatThrownBy(() -> CertificateRequests.validate(forged)).hasMessageContaining("signature does not verify");
    }

    @Test
    void subjectsOtherThanOneCnAndRequestedExtensionsAreRefused() throws Exception {
        var signer = new JcaContentSignerBuilder("SHA256withECDSA").build(KEY.getPrivate());
        PKCS10CertificationRequest withOrg = new JcaPKCS10CertificationRequestBuilder(
                new X500Name("CN=chassis-1,O=system:masters"), KEY.getPublic()).build(signer);
        assertThatThrownBy(() -> CertificateRequests.validate(withOrg)).hasMessageContaining("exactly CN=<name>");
        PKCS10CertificationRequest badName = new JcaPKCS10CertificationRequestBuilder(
                new X500Name("CN=../etc"), KEY.getPublic()).build(signer);
        assertThatThrownBy(() -> CertificateRequests.validate(badName)).hasMessageContaining("name '../etc'");

        ExtensionsGenerator ext = new ExtensionsGenerator();
        ext.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName(GeneralName.dNSName, "ovn-central")));
        PKCS10CertificationRequest withSan = new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=chassis-1"),
                KEY.getPublic()).addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, ext.generate()).build(signer);
        assertThatThrownBy(() -> CertificateRequests.validate(withSan)).hasMessageContaining("extensions (e.g. SANs)");
    }
}
