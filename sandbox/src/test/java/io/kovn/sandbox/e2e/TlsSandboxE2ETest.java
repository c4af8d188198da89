package io.kovn.sandbox.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import io.kovn.pki.NodeCsr;
import io.kovn.sandbox.Sandbox;
import io.kovn.sandbox.SandboxConfig;
import io.kovn.sandbox.SandboxStatus;
import io.kovn.sandbox.demo.Probe;
import io.kovn.sandbox.standins.RuntimePod;
import io.kovn.sandbox.state.SandboxState;
import io.kovn.testing.Exec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.ResourceLock;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code kovn sandbox up --tls} (two nodes, its own sandbox): every node enrolled through the CSR API and its
 * ovn-controller is connected to the pssl-only, {@code role=ovn-controller} SB with that certificate; pods talk
 * across nodes; a plain {@code tcp:} connection to NB or SB from a node gets nothing, while {@code ssl:} with the
 * node's certificate does; status shows every connection's protocol and certificate expiry.
 */
@Tag("integration")
@Tag("e2e")
@ResourceLock("kovn-sandbox")
class TlsSandboxE2ETest {
    private static Sandbox s;
    private static Pods pods;

    @BeforeAll
    static void up() throws Exception {
        s = Sandbox.start(new SandboxConfig(Files.createTempDirectory("kovn-sandbox-tls-"), 2, "geneve", 0, false,
                !Boolean.getBoolean("kovn.e2e.keepState"), false, true), line -> System.out.println("tls sandbox " + line));
        pods = new Pods(s, "e2e-tls");
    }

    @AfterAll
    static void down() {
        if (s != null) {
            pods.deleteAll();
            s.close();
        }
    }

    @Test
    void everyNodeEnrolledThroughTheCsrApiAndItsOvnControllerUsesTheCertificate() {
        SandboxState st = s.state();
        for (String node : s.nodeNames()) {
            List<CertificateSigningRequest> csrs = s.client().certificates().v1().certificateSigningRequests().list()
                    .getItems().stream().filter(c -> NodeCsr.SIGNER_NAME.equals(c.getSpec().getSignerName())
                            && c.getMetadata().getName().startsWith("kovn-node-" + node + "-")).toList();
            assertThat(csrs).as("CSRs of " + node).isNotEmpty().allSatisfy(c -> {
                assertThat(c.getStatus().getConditions()).extracting(x -> x.getType()).containsExactly("Approved");
                assertThat(c.getStatus().getCertificate()).isNotBlank();
            });
            Path pki = Path.of(st.stateDir()).resolve("nodes").resolve(node).resolve("pki");
            assertThat(s.nodeOvs(node, "get-ssl")).contains("Private key: " + pki.resolve("node-key.pem"));
        }
        assertThat(s.client().v1().events().inNamespace("default").list().getItems())
                .filteredOn(e -> "CertificateSigned".equals(e.getReason())).hasSizeGreaterThanOrEqualTo(s.nodeNames().size());

        ObjectNode report = SandboxStatus.report(st);
        assertThat(report.path("unhealthy")).isEmpty();
        assertThat(report.path("listeners")).extracting(l -> l.path("db").asString("") + " " + l.path("listener").asString(""))
                .contains("SB read-write role=\"ovn-controller\" pssl:6642").noneMatch(l -> l.contains("ptcp"));
        for (JsonNode c : report.path("connections")) {
            if (c.path("from").asString("").startsWith("ovn-controller ")) {
                assertThat(c.path("protocol").asString("")).isEqualTo("ssl");
                assertThat(c.path("certificate").asString("")).isEqualTo("CN=" + c.path("from").asString("").substring(15));
                assertThat(c.path("expires").asString("")).isNotEmpty();
                assertThat(c.path("status").asString("")).isEqualTo("connected");
            }
        }
        System.out.print(SandboxStatus.text(report));
    }

    @Test
    void podsTalkAcrossNodes() {
        String n1 = s.nodeNames().get(0);
        String n2 = s.nodeNames().get(1);
        pods.echo("a", n1, Map.of());
        pods.echo("b", n2, Map.of());
        RuntimePod a = pods.awaitReady("a");
        RuntimePod b = pods.awaitReady("b");
        Probe.Result ping = Probe.until(() -> Probe.ping(a.netnsPath(), b.ip()), Duration.ofSeconds(10));
        assertThat(ping.ok()).as("ping a -> b: %s", ping).isTrue();
        assertThat(Pods.tcpOk(b, a.ip()).answer()).isEqualTo("e2e-tls/a");
    }

    @Test
    void plainTcpToNbAndSbIsRefusedAndSslWithTheNodesCertificateGetsIn() {
        SandboxState st = s.state();
        String node = s.nodeNames().get(0);
        String central = st.central().ip();
        Path pki = Path.of(st.stateDir()).resolve("nodes").resolve(node).resolve("pki");
        for (String[] db : new String[][] {{"ovn-nbctl", "6641"}, {"ovn-sbctl", "6642"}}) {
            Exec.Result tcp = s.nodeNetns(node).run(List.of(db[0], "--db=tcp:" + central + ":" + db[1], "--timeout=3",
                    "--no-leader-only", "show"));
            assertThat(tcp.exitCode()).as(db[0] + " over plain tcp: " + tcp.out() + tcp.stderr()).isNotZero();
        }
        Exec.Result ssl = s.nodeNetns(node).run(List.of("ovn-sbctl", "--db=ssl:" + central + ":6642", "--timeout=10",
                "-p", pki.resolve("node-key.pem").toString(), "-c", pki.resolve("node-cert.pem").toString(),
                "-C", pki.resolve("ca-cert.pem").toString(), "--bare", "--columns=name", "list", "Chassis"));
        assertThat(ssl.exitCode()).as(ssl.stderr()).isZero();
        assertThat(ssl.out().lines().filter(l -> !l.isBlank()).toList()).containsExactlyInAnyOrderElementsOf(s.nodeNames());
    }
}
