package io.kovn.node.pki;

import static org.assertj.core.api.Assertions.assertThat;

import io.kovn.node.ovs.LocalOvs;
import io.kovn.ovsdb.client.TlsConfig;
import io.kovn.testing.OvnDaemons;
import io.kovn.testing.WithOvn;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

@WithOvn(nb = false, vswitch = true)
class OvsSslTableIT {

    @Test
    void theFilesLandInTheSslRowOvsVsctlShowsAndAReplacementLeavesOneRow(OvnDaemons ovn) {
        try (LocalOvs ovs = LocalOvs.connect(ovn.vswitchUnix(), Duration.ofSeconds(10))) {
            ovs.transact(OvsSslTable.setOps(new TlsConfig(Path.of("/etc/kovn/tls/node-key.pem"),
                    Path.of("/etc/kovn/tls/node-cert.pem"), Path.of("/etc/kovn/tls/ca-cert.pem"))));
            assertThat(ovn.vsctl("get-ssl")).isEqualTo("Private key: /etc/kovn/tls/node-key.pem\n"
                    + "Certificate: /etc/kovn/tls/node-cert.pem\nCA Certificate: /etc/kovn/tls/ca-cert.pem\n"
                    + "Bootstrap: false");

            ovs.transact(OvsSslTable.setOps(new TlsConfig(Path.of("/var/lib/kovn/k2.pem"), Path.of("/var/lib/kovn/c2.pem"),
                    Path.of("/var/lib/kovn/ca2.pem"))));
            assertThat(ovn.vsctl("get-ssl")).startsWith("Private key: /var/lib/kovn/k2.pem\n");
            assertThat(ovn.vsctl("--bare", "--columns=_uuid", "list", "SSL").lines().filter(l -> !l.isBlank()))
                    .hasSize(1);
        }
    }
}
