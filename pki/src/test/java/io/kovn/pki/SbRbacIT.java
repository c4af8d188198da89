package io.kovn.pki;

import static io.kovn.pki.OvsdbTlsInteropIT.cert;
import static io.kovn.pki.OvsdbTlsInteropIT.issue;
import static io.kovn.pki.OvsdbTlsInteropIT.key;
import static io.kovn.pki.OvsdbTlsInteropIT.tls;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import io.kovn.ovsdb.client.OvsdbClient;
import io.kovn.ovsdb.client.TransactionException;
import io.kovn.ovsdb.model.Row;
import io.kovn.ovsdb.model.Table;
import io.kovn.ovsdb.wire.Condition;
import io.kovn.ovsdb.wire.Operation;
import io.kovn.ovsdb.wire.Uuid;
import io.kovn.testing.OvnDaemons;
import io.kovn.testing.TlsOvsdbServer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * OVN's Southbound RBAC with certificates from kovn's PKI: SB listens with {@code role=ovn-controller}, each
 * chassis certificate's CN is the chassis name, and a chassis may change its own rows but not another's.
 */
@Tag("integration")
class SbRbacIT {
    private static final String SB = "OVN_Southbound";
    private static final Table<Row> CHASSIS = new Table<>(SB, "Chassis", r -> r);
    private static final Table<Row> ENCAP = new Table<>(SB, "Encap", r -> r);
    private static final Table<Row> PORT_BINDING = new Table<>(SB, "Port_Binding", r -> r);

    @TempDir
    static Path pki;
    static OvnDaemons nb;
    static TlsOvsdbServer sb;
    static String sslRemote;

    @BeforeAll
    static void startSbWithRbac() throws Exception {
        new PkiDirectory(pki).saveCa(CertificateAuthority.create("kovn test CA", KeyType.EC_P256, Duration.ofDays(1),
                Clock.systemUTC()));
        CertificateAuthority ca = new PkiDirectory(pki).loadCa(Clock.systemUTC());
        issue(ca, Role.SB_SERVER, "ovn-central", List.of(), pki);
        issue(ca, Role.OVN_CONTROLLER, "chassis1", List.of(), pki);
        issue(ca, Role.OVN_CONTROLLER, "chassis2", List.of(), pki);

        nb = OvnDaemons.builder().nb().start();
        sb = TlsOvsdbServer.start(TlsOvsdbServer.Database.SB, key(pki, "ovn-central"), cert(pki, "ovn-central"),
                pki.resolve(PkiDirectory.CA_CERT));
        sb.startNorthd(nb.nbUnix());
        sslRemote = sb.listenSsl("ovn-controller");
        await().atMost(Duration.ofSeconds(20)).until(() -> sb.ctl("--bare", "--columns=name", "list", "RBAC_Role")
                .contains("ovn-controller"));
        try (OvsdbClient c1 = client("chassis1"); OvsdbClient c2 = client("chassis2")) {
            registerChassis(c1, "chassis1", "192.0.2.1");
            registerChassis(c2, "chassis2", "192.0.2.2");
        }
    }

    @AfterAll
    static void stop() {
        if (sb != null) {
            sb.close();
        }
        if (nb != null) {
            nb.close();
        }
    }

    @Test
    void aChassisChangesItsOwnChassisAndEncapRows() throws Exception {
        try (OvsdbClient c1 = client("chassis1")) {
            c1.transact(SB, Operation.update(CHASSIS).where(eq("name", "chassis1"))
                            .set("external_ids", Map.of("ovn-bridge-mappings", "physnet:br-ex")),
                    Operation.update(ENCAP).where(eq("chassis_name", "chassis1")).set("options", Map.of("csum", "true")))
                    .get(10, TimeUnit.SECONDS);
        }
        assertThat(sb.ctl("get", "Chassis", "chassis1", "external_ids:ovn-bridge-mappings")).isEqualTo("\"physnet:br-ex\"");
        assertThat(sb.ctl("--bare", "--columns=options", "find", "Encap", "chassis_name=chassis1")).isEqualTo("csum=true");
    }

    @Test
    void aChassisCannotChangeOrDeleteAnotherChassisRows() throws Exception {
        String chassis2Before = sb.ctl("list", "Chassis", "chassis2");
        String encap2Before = sb.ctl("find", "Encap", "chassis_name=chassis2");
        try (OvsdbClient c1 = client("chassis1")) {
            assertRbacRefusal(c1, "Chassis", Operation.update(CHASSIS).where(eq("name", "chassis2"))
                    .set("external_ids", Map.of("owner", "chassis1")));
            assertRbacRefusal(c1, "Chassis", Operation.delete(CHASSIS).where(eq("name", "chassis2")));
            assertRbacRefusal(c1, "Encap", Operation.update(ENCAP).where(eq("chassis_name", "chassis2"))
                    .set("ip", "203.0.113.66"));
            assertRbacRefusal(c1, "Encap", Operation.delete(ENCAP).where(eq("chassis_name", "chassis2")));
            // nor create rows in another chassis' name
            Operation.Insert encap = Operation.insert(ENCAP).named("e").set("type", "geneve").set("ip", "203.0.113.3")
                    .set("chassis_name", "chassis3");
            assertRbacRefusal(c1, "Encap", encap, Operation.insert(CHASSIS).set("name", "chassis3")
                    .set("encaps", Set.of(encap.ref())));
        }
        assertThat(sb.ctl("list", "Chassis", "chassis2")).isEqualTo(chassis2Before);
        assertThat(sb.ctl("find", "Encap", "chassis_name=chassis2")).isEqualTo(encap2Before);
        assertThat(sb.ctl("--bare", "--columns=name", "find", "Chassis", "name=chassis3")).isEmpty();
    }

    /**
     * OVN (23.03) authorizes Port_Binding for every chassis ({@code authorization: [""]}): a chassis can neither
     * create, delete nor rename port bindings, but it can set {@code chassis}, {@code encap}, {@code up} and
     * {@code options} of any of them, i.e. claim another node's port. kovn cannot close this gap from outside
     * OVN; docs/security.md says so, and this test notices if OVN changes it.
     */
    @Test
    void portBindingsAreProtectedExceptTheColumnsEveryChassisMayClaim() throws Exception {
        nb.nbctl("ls-add", "sw-rbac");
        nb.nbctl("lsp-add", "sw-rbac", "pod-on-chassis2");
        await().atMost(Duration.ofSeconds(20)).until(() -> !sb.ctl("--bare", "--columns=logical_port", "find",
                "Port_Binding", "logical_port=pod-on-chassis2").isEmpty());
        Uuid chassis2 = Uuid.of(sb.ctl("--bare", "--columns=_uuid", "find", "Chassis", "name=chassis2"));
        try (OvsdbClient c2 = client("chassis2")) {
            c2.transact(SB, Operation.update(PORT_BINDING).where(eq("logical_port", "pod-on-chassis2"))
                    .set("chassis", Set.of(chassis2))).get(10, TimeUnit.SECONDS);
        }
        String before = sb.ctl("find", "Port_Binding", "logical_port=pod-on-chassis2");
        try (OvsdbClient c1 = client("chassis1")) {
            assertRbacRefusal(c1, "Port_Binding", Operation.update(PORT_BINDING)
                    .where(eq("logical_port", "pod-on-chassis2")).set("external_ids", Map.of("owner", "chassis1")));
            assertRbacRefusal(c1, "Port_Binding", Operation.update(PORT_BINDING)
                    .where(eq("logical_port", "pod-on-chassis2")).set("logical_port", "stolen"));
            assertRbacRefusal(c1, "Port_Binding", Operation.delete(PORT_BINDING)
                    .where(eq("logical_port", "pod-on-chassis2")));
            assertThat(sb.ctl("find", "Port_Binding", "logical_port=pod-on-chassis2")).isEqualTo(before);

            Uuid chassis1 = Uuid.of(sb.ctl("--bare", "--columns=_uuid", "find", "Chassis", "name=chassis1"));
            c1.transact(SB, Operation.update(PORT_BINDING).where(eq("logical_port", "pod-on-chassis2"))
                    .set("chassis", Set.of(chassis1))).get(10, TimeUnit.SECONDS);
            assertThat(sb.ctl("--bare", "--columns=chassis", "find", "Port_Binding", "logical_port=pod-on-chassis2"))
                    .as("the gap in OVN's RBAC this test documents").isEqualTo(chassis1.value());
        }
    }

    private static void assertRbacRefusal(OvsdbClient c, String table, Operation... ops) {
        Throwable t = catchThrowable(() -> c.transact(SB, ops).get(10, TimeUnit.SECONDS));
        assertThat(t).isInstanceOf(ExecutionException.class);
        assertThat(t.getCause()).isInstanceOf(TransactionException.class);
        TransactionException e = (TransactionException) t.getCause();
        assertThat(e.error()).isEqualTo("permission error");
        assertThat(e.details()).startsWith("RBAC rules for client \"chassis1\" role \"ovn-controller\" prohibit")
                .contains("\"" + table + "\"");
    }

    private static OvsdbClient client(String chassis) {
        return new OvsdbClient(sslRemote, tls(pki, chassis)).connectSync();
    }

    private static Condition eq(String column, Object value) {
        return new Condition(column, Condition.Function.EQ, value);
    }

    private static void registerChassis(OvsdbClient c, String name, String ip) throws Exception {
        Operation.Insert encap = Operation.insert(ENCAP).named("encap").set("type", "geneve").set("ip", ip)
                .set("chassis_name", name);
        c.transact(SB, encap, Operation.insert(CHASSIS).set("name", name).set("hostname", name)
                .set("encaps", Set.of(encap.ref()))).get(10, TimeUnit.SECONDS);
    }
}
