package io.kovn.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

@WithOvn(ssl = true)
class SslTest {

    private static Exec.Result nbctlOverSsl(OvnDaemons ovn, String key, String cert, String... args) {
        List<String> cmd = new ArrayList<>(List.of(OvnDaemons.bin("ovn-nbctl"), "--timeout=5",
                "--db=" + ovn.nbSsl(), "-p", key, "-c", cert, "-C", ovn.pki().caCert().toString()));
        cmd.addAll(List.of(args));
        return Exec.run(cmd, ovn.env(), ovn.dir(), Duration.ofSeconds(20));
    }

    private static Exec.Result withClientCert(OvnDaemons ovn, String... args) {
        return nbctlOverSsl(ovn, ovn.pki().clientKey().toString(), ovn.pki().clientCert().toString(), args);
    }

    @Test
    void ovnNbctlTalksMutualTls(OvnDaemons ovn) {
        OvnDaemons.Pki pki = ovn.pki();
        assertThat(List.of(pki.caCert(), pki.serverKey(), pki.serverCert(), pki.clientKey(), pki.clientCert()))
                .allMatch(Files::isReadable);
        assertThat(ovn.nbSsl()).matches("ssl:127\\.0\\.0\\.1:\\d+").isNotEqualTo(ovn.nbTcp().replace("tcp", "ssl"));
        ovn.nbctl("ls-add", "sw-ssl");
        assertThat(withClientCert(ovn, "show").check().out()).contains("sw-ssl");
    }

    @Test
    void aCertificateFromAnotherCaIsRejected(OvnDaemons ovn) {
        // ovs-pki init also made a controller CA, which the server does not trust.
        String otherCa = ovn.dir().resolve("pki/controllerca").toString();
        Exec.Result r = nbctlOverSsl(ovn, otherCa + "/private/cakey.pem", otherCa + "/cacert.pem", "show");
        assertThat(r.ok()).isFalse();
    }

    @Test
    void sslSurvivesRestart(OvnDaemons ovn) {
        String ssl = ovn.nbSsl();
        ovn.killNb();
        ovn.startNb();
        assertThat(ovn.nbSsl()).isEqualTo(ssl);
        withClientCert(ovn, "ls-add", "sw-after-restart").check();
        assertThat(ovn.nbctl("ls-list")).contains("sw-after-restart");
    }
}
