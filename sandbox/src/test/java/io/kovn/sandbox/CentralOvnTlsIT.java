package io.kovn.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import io.kovn.pki.CertificateAuthority;
import io.kovn.pki.KeyType;
import io.kovn.pki.PkiDirectory;
import io.kovn.pki.Role;
import io.kovn.testing.Exec;
import io.kovn.testing.Netns;
import io.kovn.testing.Underlay;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The central OVN of {@code sandbox up --tls} on its own (one central namespace on an underlay, a client namespace
 * beside it): NB and SB answer only TLS from the network, SB's listener carries {@code role=ovn-controller}, a
 * chassis certificate from the sandbox CA gets in, plain {@code tcp:} gets nothing, and ovn-northd is active
 * (it reaches SB through the unix socket).
 */
@Tag("integration")
class CentralOvnTlsIT {
    @TempDir
    Path tmp;

    @Test
    void nbAndSbListenOnlyOnPsslAndSbCarriesTheOvnControllerRole() throws Exception {
        try (Underlay underlay = Underlay.create();
             Netns centralNs = Netns.create("central");
             Netns client = Netns.create("client")) {
            String ip = underlay.attach(centralNs, "eth0");
            underlay.attach(client, "eth0");
            SandboxPki pki = SandboxPki.create(tmp.resolve("pki"), List.of(ip));
            try (CentralOvn ovn = CentralOvn.start(List.of(new CentralOvn.Host("central", centralNs, ip,
                    tmp.resolve("central"))), tmp.resolve("central"), Transport.SSL, pki, Duration.ofSeconds(60))) {
                assertThat(ovn.remotes(OvnDb.SB)).isEqualTo("ssl:" + ip + ":6642");
                assertThat(ovn.sbctl("get-connection")).isEqualTo("read-write role=\"ovn-controller\" pssl:6642");
                assertThat(CentralOvn.northdStatus(ovn.northdCtl(1))).isEqualTo("active");
                assertThat(centralNs.run(List.of("ss", "-Hltn")).out()).doesNotContain(":6643").doesNotContain(":6644")
                        .contains(ip + ":6641").contains(":6642");

                for (String[] db : new String[][] {{"ovn-nbctl", "6641"}, {"ovn-sbctl", "6642"}}) {
                    Exec.Result tcp = client.run(List.of(db[0], "--db=tcp:" + ip + ":" + db[1], "--timeout=3", "show"));
                    assertThat(tcp.exitCode()).as(db[0] + " over plain tcp").isNotZero();
                }
                CertificateAuthority ca = new PkiDirectory(tmp.resolve("pki")).loadCa(Clock.systemUTC());
                PkiDirectory.saveIssued(tmp.resolve("node"), "node1", ca.issue(Role.OVN_CONTROLLER, "node1", List.of(),
                        KeyType.EC_P256, Duration.ofHours(1)), false);
                Exec.Result ssl = client.run(List.of("ovn-sbctl", "--db=ssl:" + ip + ":6642", "--timeout=10",
                        "-p", PkiDirectory.keyFile(tmp.resolve("node"), "node1").toString(),
                        "-c", PkiDirectory.certFile(tmp.resolve("node"), "node1").toString(),
                        "-C", tmp.resolve("pki").resolve(PkiDirectory.CA_CERT).toString(), "list", "SB_Global"));
                assertThat(ssl.exitCode()).as(ssl.stderr()).isZero();
                Exec.Result nb = client.run(List.of("ovn-nbctl", "--db=ssl:" + ip + ":6641", "--timeout=10",
                        "-p", PkiDirectory.keyFile(tmp.resolve("node"), "node1").toString(),
                        "-c", PkiDirectory.certFile(tmp.resolve("node"), "node1").toString(),
                        "-C", tmp.resolve("pki").resolve(PkiDirectory.CA_CERT).toString(), "show"));
                assertThat(nb.exitCode()).as(nb.stderr()).isZero();
            }
        }
    }
}
