package io.kovn.sandbox.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import io.kovn.deploy.manifests.ManifestSettings;
import io.kovn.deploy.manifests.Manifests;
import io.kovn.pki.NodeCsr;
import io.kovn.sandbox.Sandbox;
import io.kovn.sandbox.SandboxConfig;
import io.kovn.sandbox.SandboxStatus;
import io.kovn.sandbox.api.RequestAttributes;
import io.kovn.sandbox.api.SandboxApiServer;
import io.kovn.sandbox.demo.Probe;
import io.kovn.sandbox.standins.RuntimePod;
import io.kovn.sandbox.state.SandboxState;
import io.kovn.testing.Exec;
import io.kovn.pki.Pem;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.ResourceLock;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code kovn sandbox up --ha --tls} (two nodes, three central hosts, its own sandbox; {@code --tls} alone differs
 * only in the central databases, which {@code CentralOvnTlsIT} covers): every node enrolled through the CSR API and
 * its ovn-controller is connected to the pssl-only, {@code role=ovn-controller} SB with that certificate; pods talk
 * across nodes; a plain {@code tcp:} connection to any NB or SB member from a node gets nothing, while {@code ssl:}
 * with the node's certificate does; the RAFT links between the members run over {@code ssl:}; status shows every
 * connection's protocol and certificate expiry. Node certificates live {@value #NODE_CERT_SECONDS} s, so they are
 * renewed during the run; one case measures the longest ping gap between two nodes through a renewal.
 */
@Tag("integration")
@Tag("e2e")
@ResourceLock("kovn-sandbox")
class TlsSandboxE2ETest {
    /** Renewed at 2/3 (30 s): every node renews at least once during the run. */
    static final int NODE_CERT_SECONDS = 45;
    /**
     * The longest ping gap allowed through a renewal. Nothing on the data path changes: ovn-controller re-reads
     * its SSL files and, when the SB drops its connection after the old certificate expired, reconnects (1.1 s
     * measured in NodeEnrollmentIT) while the flows it installed stay in OVS. A missed reply or two (pings every
     * 100 ms, a loaded 2-core machine) is noise; a gap of a second means flows were removed or recomputed.
     */
    static final double MAX_GAP_SECONDS = 1.0;
    /** The node DaemonSet's mount of the enrolled files (kovn manifests --tls). */
    private static final String CONTAINER_PKI = "/var/lib/kovn/pki";
    private static Sandbox s;
    private static Pods pods;

    @BeforeAll
    static void up() throws Exception {
        // with -Dkovn.e2e.image (scripts/test.sh --image) the nodes' agents and ovn-controllers run from the image,
        // the agents enrolling in their containers and reaching SB over ssl: as the --tls DaemonSet's do
        s = Sandbox.start(SandboxConfig.builder(Files.createTempDirectory("kovn-sandbox-tls-")).nodes(2)
                .removeStateOnClose(!Boolean.getBoolean("kovn.e2e.keepState")).ha(true).tls(true)
                .nodeCertLifetime(Duration.ofSeconds(NODE_CERT_SECONDS)).image(SharedSandbox.Holder.image()).build(),
                line -> System.out.println("tls sandbox " + line));
        pods = new Pods(s, "e2e-tls");
    }

    @AfterAll
    static void down() {
        if (s != null) {
            pods.deleteAll();
            s.close();
        }
    }

    /** Permissions of the --ha --tls roles this sandbox never uses, and why. */
    private static final Map<String, String> TLS_NOT_USED_HERE = Map.of(
            "approve certificates.k8s.io signers [kovn.io/ovn-node]", "checked by kube-apiserver on an approval, "
                    + "not a request: the emulated API has no such check",
            "sign certificates.k8s.io signers [kovn.io/ovn-node]", "checked by kube-apiserver on a signature, not a "
                    + "request: the emulated API has no such check",
            "delete certificates.k8s.io certificatesigningrequests", "decided CSRs are deleted after "
                    + "--csr-retention (1 h by default), longer than this suite",
            "update core configmaps", "the kovn-ca ConfigMap is updated only when the CA changes");

    /**
     * The RBAC check of the --ha --tls roles (RbacCoverageE2ETest checks the plain ones on the shared sandbox):
     * every request the two controllers (leader election) and the agents (CSR enrolment) made is allowed by the
     * roles {@code kovn manifests --ha --tls} generates, and every permission of the certificate flow and of
     * leader election is used but those named above.
     */
    @Test
    void everyRequestOfTheComponentsIsAllowedByTheTlsRolesAndEveryPermissionIsUsed() {
        // a pod, whatever ran before: the controller annotates it and sets its condition, the agent sets its own
        pods.echo("rbac", s.nodeNames().get(0), Map.of());
        pods.awaitReady("rbac");
        Pods.await("the agent's kovn.io/OvnInstalled condition on the pod", Duration.ofSeconds(30), () -> pods.client()
                .pods().inNamespace("e2e-tls").withName("rbac").get().getStatus().getConditions().stream()
                .anyMatch(c -> "kovn.io/OvnInstalled".equals(c.getType())));
        List<HasMetadata> manifests = Manifests.objects(ManifestSettings.defaults().withHa(true).withTls(true));
        List<HasMetadata> plain = Manifests.objects(ManifestSettings.defaults());
        Set<RequestAttributes> requests = s.apiRequests().requests();
        assertThat(s.apiRequests().dropped()).as("requests the log could not keep").isZero();
        Set<String> denied = new TreeSet<>();
        Map<String, String> unused = new TreeMap<>();
        for (String user : List.of(SandboxApiServer.CONTROLLER_USER, SandboxApiServer.NODE_USER)) {
            RbacGrants grants = RbacGrants.of(manifests, user);
            List<RequestAttributes> mine = requests.stream().filter(r -> r.user().equals(user)).toList();
            assertThat(mine).as("requests made as %s", user).isNotEmpty();
            mine.stream().filter(r -> !grants.allows(r)).forEach(r -> denied.add(r.toString()));
            Set<String> used = new TreeSet<>();
            for (RequestAttributes r : mine) {
                grants.grants().stream().filter(g -> g.allows(r)).forEach(g -> used.add(g.used(r)));
            }
            // the permissions the plain roles have too are RbacCoverageE2ETest's (a workload exercises them there);
            // here those of the certificate flow and of leader election
            Set<String> shared = new TreeSet<>();
            RbacGrants.of(plain, user).grants().forEach(g -> shared.addAll(g.permissions()));
            for (RbacGrants.Grant g : grants.grants()) {
                for (String p : g.permissions()) {
                    boolean ours = !shared.contains(p) || p.contains(" coordination.k8s.io leases");
                    if (ours && !used.contains(p) && !TLS_NOT_USED_HERE.containsKey(p)) {
                        unused.put(user + ": " + p, g.role());
                    }
                }
            }
        }
        assertThat(denied).as("requests the --ha --tls roles would refuse").isEmpty();
        assertThat(unused).as("permissions of the --ha --tls roles never used").isEmpty();
    }

    @Test
    void everyNodeEnrolledThroughTheCsrApiAndItsOvnControllerUsesTheCertificate() {
        SandboxState st = s.state();
        for (String node : s.nodeNames()) {
            List<CertificateSigningRequest> csrs = s.client().certificates().v1().certificateSigningRequests().list()
                    .getItems().stream().filter(c -> NodeCsr.SIGNER_NAME.equals(c.getSpec().getSignerName())
                            && c.getMetadata().getName().startsWith("kovn-node-" + node + "-")).toList();
            // every decided request approved and signed; a renewal may be in flight (its certificates live 45 s)
            assertThat(csrs).as("CSRs of " + node).isNotEmpty()
                    .filteredOn(c -> c.getStatus() != null && (c.getStatus().getCertificate() != null || c.getStatus()
                            .getConditions().stream().anyMatch(x -> !x.getType().equals("Approved")))).isNotEmpty()
                    .allSatisfy(c -> {
                        assertThat(c.getStatus().getConditions()).extracting(x -> x.getType()).containsExactly("Approved");
                        assertThat(c.getStatus().getCertificate()).isNotBlank();
                    });
            // the SSL row names the files where ovn-controller reads them: the node's directory, or in a container
            // the DaemonSet's PKI mount
            String pki = SharedSandbox.Holder.image() == null ? pkiDir(st, node).toString() : CONTAINER_PKI;
            assertThat(s.nodeOvs(node, "get-ssl")).contains("Private key: " + pki + "/node-key.pem");
        }
        assertThat(s.client().v1().events().inNamespace("default").list().getItems())
                .filteredOn(e -> "CertificateSigned".equals(e.getReason())).hasSizeGreaterThanOrEqualTo(s.nodeNames().size());

        // a node's ovn-controller reconnects once its previous certificate expired (they are renewed every 30 s)
        Pods.await("every ovn-controller connected", Duration.ofSeconds(15), () -> allConnected());
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

    /** Where the node's agent wrote its enrolled key and certificates, on this machine. */
    private static Path pkiDir(SandboxState st, String node) {
        return Path.of(st.nodes().stream().filter(n -> n.name().equals(node)).findFirst().orElseThrow().pkiDir());
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
    void plainTcpToEveryNbAndSbMemberIsRefusedAndSslWithTheNodesCertificateGetsIn() {
        SandboxState st = s.state();
        String node = s.nodeNames().get(0);
        Path pki = pkiDir(st, node);
        List<String> ssl = List.of("-p", pki.resolve("node-key.pem").toString(), "-c", pki.resolve("node-cert.pem").toString(),
                "-C", pki.resolve("ca-cert.pem").toString());
        assertThat(st.dbMembers()).hasSize(6);
        for (SandboxState.DbMemberState m : st.dbMembers()) {
            String tool = m.db().equalsIgnoreCase("nb") ? "ovn-nbctl" : "ovn-sbctl";
            assertThat(m.remote()).as(m.label()).startsWith("ssl:" + m.ip() + ":");
            String port = m.remote().substring(m.remote().lastIndexOf(':') + 1);
            Exec.Result tcp = s.nodeNetns(node).run(List.of(tool, "--db=tcp:" + m.ip() + ":" + port, "--timeout=3",
                    "--no-leader-only", "show"));
            assertThat(tcp.exitCode()).as(m.label() + " over plain tcp: " + tcp.out() + tcp.stderr()).isNotZero();
            List<String> cmd = new ArrayList<>(List.of(tool, "--db=" + m.remote(), "--timeout=10", "--no-leader-only"));
            cmd.addAll(ssl);
            cmd.addAll(tool.equals("ovn-sbctl") ? List.of("--bare", "--columns=name", "list", "Chassis")
                    : List.of("--bare", "--columns=name", "list", "NB_Global"));
            Exec.Result in = s.nodeNetns(node).run(cmd);
            assertThat(in.exitCode()).as(m.label() + " over ssl: " + in.stderr()).isZero();
            if (tool.equals("ovn-sbctl")) {
                assertThat(in.out().lines().filter(l -> !l.isBlank()).toList()).as(m.label())
                        .containsExactlyInAnyOrderElementsOf(s.nodeNames());
            }
        }
    }

    @Test
    void raftLinksBetweenTheMembersRunOverSsl() {
        for (SandboxState.DbMemberState m : s.state().dbMembers()) {
            assertThat(m.raft()).as(m.label()).startsWith("ssl:" + m.ip() + ":");
            String db = m.db().equalsIgnoreCase("nb") ? "OVN_Northbound" : "OVN_Southbound";
            String[] seen = new String[1];
            // each member has a link to and from each of the two others once the cluster is formed
            Pods.await(m.label() + " linked over ssl to both other members", Duration.ofSeconds(20), () -> ": " + seen[0],
                    () -> {
                        seen[0] = Exec.run(Duration.ofSeconds(10), "ovs-appctl", "--timeout=5", "-t", m.ctl(),
                                "cluster/status", db).out();
                        return raftOverSsl(seen[0]);
                    });
            System.out.println(m.label() + ": " + seen[0].lines().filter(l -> l.startsWith("Address:")
                    || l.startsWith("Connections:")).toList());
        }
    }

    /** Its own address and every server's is ssl:, and it has two links out and two in. */
    private static boolean raftOverSsl(String clusterStatus) {
        List<String> lines = clusterStatus.lines().toList();
        List<String> servers = lines.stream().dropWhile(l -> !l.startsWith("Servers:")).skip(1)
                .filter(l -> l.contains(" at ")).toList();
        List<String> links = lines.stream().filter(l -> l.startsWith("Connections:"))
                .flatMap(l -> Arrays.stream(l.substring(12).trim().split("\\s+"))).toList();
        return lines.stream().anyMatch(l -> l.startsWith("Address: ssl:")) && servers.size() == 3
                && servers.stream().allMatch(l -> l.contains(" at ssl:"))
                && links.stream().filter(l -> l.startsWith("->")).count() == 2
                && links.stream().filter(l -> l.startsWith("<-")).count() == 2;
    }

    /**
     * A ping every 100 ms from a pod on one node to a pod on the other while both nodes renew their certificates
     * and the first ones expire; prints the longest gap and the renewals seen.
     */
    @Test
    void podTrafficGoesOnWhileNodeCertificatesRotate() throws Exception {
        String n1 = s.nodeNames().get(0);
        String n2 = s.nodeNames().get(1);
        pods.echo("rot-a", n1, Map.of());
        pods.echo("rot-b", n2, Map.of());
        RuntimePod a = pods.awaitReady("rot-a");
        RuntimePod b = pods.awaitReady("rot-b");
        Probe.Result first = Probe.until(() -> Probe.ping(a.netnsPath(), b.ip()), Duration.ofSeconds(10));
        assertThat(first.ok()).as("ping rot-a -> rot-b: %s", first).isTrue();
        Map<String, X509Certificate> before = new TreeMap<>();
        for (String n : List.of(n1, n2)) {
            before.put(n, nodeCertificate(n));
        }
        Instant lastExpiry = before.values().stream().map(c -> c.getNotAfter().toInstant()).max(Instant::compareTo)
                .orElseThrow();
        long started = System.nanoTime();
        try (PingGap ping = PingGap.start(a.netnsPath(), b.ip())) {
            // both nodes renewed, and the certificates in use when the ping started have expired
            Pods.await("both nodes renewed and their old certificates expired", Duration.ofSeconds(NODE_CERT_SECONDS + 20),
                    () -> Instant.now().isAfter(lastExpiry.plusSeconds(3)) && before.entrySet().stream()
                            .allMatch(e -> !nodeCertificate(e.getKey()).getSerialNumber()
                                    .equals(e.getValue().getSerialNumber())));
            double gap = ping.longestGapSeconds();
            int replies = ping.replies().size();
            double seconds = (System.nanoTime() - started) / 1e9;
            System.out.printf("node certificate rotation during pod traffic (%d s certificates, %s -> %s): %d "
                    + "replies in %.1f s, longest gap %.0f ms%n", NODE_CERT_SECONDS, n1, n2, replies, seconds, gap * 1000);
            for (String n : before.keySet()) {
                System.out.printf("  %s: serial %s (until %s) -> %s (until %s)%n", n,
                        before.get(n).getSerialNumber().toString(16), before.get(n).getNotAfter().toInstant(),
                        nodeCertificate(n).getSerialNumber().toString(16), nodeCertificate(n).getNotAfter().toInstant());
            }
            assertThat(gap).as("longest ping gap (s) through the rotation").isLessThanOrEqualTo(MAX_GAP_SECONDS);
        }
        Pods.await("every ovn-controller connected again", Duration.ofSeconds(15), () -> allConnected());
    }

    private static X509Certificate nodeCertificate(String node) {
        Path cert = pkiDir(s.state(), node).resolve("node-cert.pem");
        try {
            return Pem.readCertificates(cert).get(0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean allConnected() {
        for (JsonNode c : SandboxStatus.report(s.state()).path("connections")) {
            if (c.path("from").asString("").startsWith("ovn-controller ")
                    && !c.path("status").asString("").equals("connected")) {
                return false;
            }
        }
        return true;
    }
}
