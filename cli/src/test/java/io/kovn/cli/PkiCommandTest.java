package io.kovn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.kovn.pki.CertificateAuthority;
import io.kovn.pki.Pem;
import io.kovn.testing.Exec;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code kovn pki} as a user runs it; OpenSSL (what OVS links) judges the files it writes. */
class PkiCommandTest {
    @TempDir
    Path tmp;

    private record Run(int exitCode, String out, String err) {
    }

    private static Run pki(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = new CommandLine(new PkiCommand()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void initIssueAndShowMakeFilesOpensslAcceptsForTheirPurpose() throws Exception {
        Path dir = tmp.resolve("pki");
        assertThat(pki("init", "--dir", dir.toString(), "--lifetime", "400d").exitCode()).isZero();
        Run sb = pki("issue", "--dir", dir.toString(), "--role", "sb-server", "--name", "ovn-central",
                "--san", "DNS:ovn-central.kovn.svc", "--san", "192.0.2.10");
        assertThat(sb.exitCode()).as(sb.err()).isZero();
        Run chassis = pki("issue", "--dir", dir.toString(), "--role", "ovn-controller", "--name", "node1",
                "--out", tmp.resolve("node1").toString(), "--lifetime", "2h");
        assertThat(chassis.exitCode()).as(chassis.err()).isZero();
        assertThat(chassis.out()).contains("private key: " + tmp.resolve("node1/node1-key.pem") + " (0600)")
                .contains("subject:            CN=node1").contains("extended key usage: clientAuth")
                .doesNotContain("BEGIN");
        assertThat(Files.readString(tmp.resolve("node1/ca-cert.pem"))).isEqualTo(Files.readString(dir.resolve("ca-cert.pem")));

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("ca-key.pem")))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp.resolve("node1/node1-key.pem"))))
                .isEqualTo("rw-------");
        String ca = dir.resolve("ca-cert.pem").toString();
        assertThat(openssl("verify", "-CAfile", ca, "-purpose", "sslserver", dir.resolve("ovn-central-cert.pem").toString()))
                .contains(": OK");
        assertThat(openssl("verify", "-CAfile", ca, "-purpose", "sslclient", dir.resolve("ovn-central-cert.pem").toString()))
                .as("RAFT peers present their server certificate as clients").contains(": OK");
        assertThat(openssl("verify", "-CAfile", ca, "-purpose", "sslclient", tmp.resolve("node1/node1-cert.pem").toString()))
                .contains(": OK");
        Exec.Result asServer = Exec.run(Duration.ofSeconds(30), "openssl", "verify", "-CAfile", ca, "-purpose", "sslserver",
                tmp.resolve("node1/node1-cert.pem").toString());
        assertThat(asServer.exitCode()).as("a chassis certificate is no server certificate").isNotZero();
        assertThat(openssl("pkey", "-in", tmp.resolve("node1/node1-key.pem").toString(), "-noout", "-text"))
                .contains("NIST CURVE: P-256");

        Run show = pki("show", dir.resolve("ovn-central-cert.pem").toString());
        assertThat(show.out()).contains("SANs:               DNS:ovn-central.kovn.svc, IP:192.0.2.10")
                .contains("extended key usage: serverAuth, clientAuth").contains("issuer:             CN=kovn cluster CA");
    }

    @Test
    void secretPrintsTheCaAndAServerPairAsTlsSecretsTheControllerReads() throws Exception {
        Path dir = tmp.resolve("pki");
        assertThat(pki("init", "--dir", dir.toString()).exitCode()).isZero();
        assertThat(pki("issue", "--dir", dir.toString(), "--role", "sb-server", "--name", "ovn-sb").exitCode()).isZero();
        Run caYaml = pki("secret", "--dir", dir.toString(), "--ca");
        assertThat(caYaml.exitCode()).as(caYaml.err()).isZero();
        KubernetesSerialization yaml = new KubernetesSerialization();
        Secret ca = yaml.unmarshal(caYaml.out(), Secret.class);
        assertThat(ca.getMetadata().getNamespace()).isEqualTo("kovn-system");
        assertThat(ca.getMetadata().getName()).isEqualTo("kovn-ca");
        assertThat(ca.getType()).isEqualTo("kubernetes.io/tls");
        assertThat(ca.getData()).containsOnlyKeys("tls.key", "tls.crt");

        Secret sb = yaml.unmarshal(pki("secret", "--dir", dir.toString(), "--name", "ovn-sb", "--namespace", "ovn").out(),
                Secret.class);
        assertThat(sb.getMetadata().getName()).isEqualTo("ovn-sb");
        assertThat(sb.getData()).containsOnlyKeys("tls.key", "tls.crt", "ca.crt");
        assertThat(decoded(sb, "ca.crt")).isEqualTo(Files.readString(dir.resolve("ca-cert.pem")));

        // what the controller's CaSecret.load makes of it: the CA's key and certificate, which belong together
        CertificateAuthority loaded = CertificateAuthority.of(
                Pem.parsePrivateKey(decoded(ca, "tls.key"), "tls.key"),
                Pem.parseCertificates(decoded(ca, "tls.crt"), "tls.crt").get(0), Clock.systemUTC());
        assertThat(loaded.certificate().getSubjectX500Principal().getName()).isEqualTo("CN=kovn cluster CA");
        assertThat(pki("secret", "--dir", dir.toString()).err()).contains("give --ca or --name NAME");
    }

    private static String decoded(Secret secret, String key) {
        return new String(Base64.getDecoder().decode(secret.getData().get(key)), StandardCharsets.US_ASCII);
    }

    @Test
    void anExistingOpensslCaIsImportedAndIssuesCertificatesItVerifies() throws Exception {
        Path key = tmp.resolve("cakey.pem");
        Path cert = tmp.resolve("cacert.pem");
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key.toString(), "-out", cert.toString(),
                "-subj", "/CN=site CA", "-days", "2");
        Path dir = tmp.resolve("pki");
        Run init = pki("init", "--dir", dir.toString(), "--import-key", key.toString(), "--import-cert", cert.toString());
        assertThat(init.exitCode()).as(init.err()).isZero();
        assertThat(pki("issue", "--dir", dir.toString(), "--role", "northd", "--name", "northd", "--lifetime", "1d")
                .exitCode()).isZero();
        assertThat(openssl("verify", "-CAfile", cert.toString(), "-purpose", "sslclient",
                dir.resolve("northd-cert.pem").toString())).contains(": OK");
        Run tooLong = pki("issue", "--dir", dir.toString(), "--role", "northd", "--name", "n2", "--lifetime", "3d");
        assertThat(tooLong.exitCode()).isEqualTo(1);
        assertThat(tooLong.err()).contains("would outlive the CA");
    }

    @Test
    void mistakesAreOneLineErrorsAndWriteNothing() throws Exception {
        Path dir = tmp.resolve("pki");
        assertThat(pki("init", "--dir", dir.toString()).exitCode()).isZero();
        String caKey = Files.readString(dir.resolve("ca-key.pem"));

        Run again = pki("init", "--dir", dir.toString());
        assertThat(again.exitCode()).isEqualTo(1);
        assertThat(again.err()).isEqualTo("pki init: " + dir + " already holds a CA (ca-key.pem, ca-cert.pem); "
                + "remove it first if you really mean to replace it" + System.lineSeparator());
        assertThat(Files.readString(dir.resolve("ca-key.pem"))).isEqualTo(caKey);

        assertThat(pki("issue", "--dir", dir.toString(), "--role", "chassis", "--name", "n1").err())
                .contains("unknown role 'chassis'; expected one of nb-server, sb-server, northd, controller, "
                        + "ovn-controller, node-agent");
        assertThat(pki("issue", "--dir", dir.toString(), "--role", "nb-server", "--name", "nb", "--san", "10.0.0.300").err())
                .contains("SAN '10.0.0.300'");
        assertThat(pki("issue", "--dir", dir.toString(), "--role", "nb-server", "--name", "../nb").err())
                .contains("name '../nb' must be");
        assertThat(pki("show", dir.resolve("ca-key.pem").toString()).err())
                .contains("holds a private key, expected only certificates").doesNotContain("BEGIN");
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("ca-key.pem", "ca-cert.pem");
        }
        assertThat(pki("init", "--dir", tmp.resolve("x").toString(), "--import-key", "k.pem").err())
                .contains("--import-key and --import-cert go together");
    }

    private static String openssl(String... args) {
        String[] cmd = new String[args.length + 1];
        cmd[0] = "openssl";
        System.arraycopy(args, 0, cmd, 1, args.length);
        return Exec.run(Duration.ofSeconds(30), cmd).check().out();
    }
}
