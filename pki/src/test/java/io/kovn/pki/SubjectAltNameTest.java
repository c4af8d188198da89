package io.kovn.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SubjectAltNameTest {

    @Test
    void prefixedAndBareFormsAreClassified() {
        assertThat(SubjectAltName.parse("DNS:OVN-Central.kovn.svc")).isEqualTo(
                new SubjectAltName(SubjectAltName.Kind.DNS, "ovn-central.kovn.svc"));
        assertThat(SubjectAltName.parse("ip:10.0.0.2")).isEqualTo(new SubjectAltName(SubjectAltName.Kind.IP, "10.0.0.2"));
        assertThat(SubjectAltName.parse("10.0.0.2").kind()).isEqualTo(SubjectAltName.Kind.IP);
        assertThat(SubjectAltName.parse("fd00::1")).hasToString("IP:fd00:0:0:0:0:0:0:1");
        assertThat(SubjectAltName.parse("ovn-central")).hasToString("DNS:ovn-central");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "DNS:", "IP:", "10.0.0.256", "10.0.0", "1.2.3.4.5", "010.0.0.1", "IP:ovn-central",
        "*.kovn.svc", "a..b", "-a.b", "a-.b", "a_b", "host name", "IP:fe80::1%eth0", "IP:1:::2", "DNS:10.1.2.3",
        "a.b/c", "http://x"})
    void anythingElseIsAnErrorQuotingTheInput(String text) {
        assertThatThrownBy(() -> SubjectAltName.parse(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("SAN '");
    }

    @Test
    void aDnsNameIsBoundedPerLabelAndInTotal() {
        String label63 = "a".repeat(63);
        assertThat(SubjectAltName.parse(label63 + ".io").value()).hasSize(66);
        assertThatThrownBy(() -> SubjectAltName.parse("a".repeat(64) + ".io")).hasMessageContaining("1-63");
        String name = (label63 + ".").repeat(4) + "io";
        assertThatThrownBy(() -> SubjectAltName.parse(name)).hasMessageContaining("1 to 253");
    }
}
