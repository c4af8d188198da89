package io.kovn.ovn.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kovn.ovn.Databases;
import io.kovn.ovsdb.client.OvsdbClient;
import io.kovn.testing.OvnCluster;
import io.kovn.testing.OvnDaemons;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.function.Function;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A Northbound database backed up through the client and restored into a new 3-member cluster. */
@Tag("integration")
class DatabaseBackupIT {
    @TempDir
    Path tmp;

    /** What a user sees of NB, without the uuids OVSDB picks. */
    private static String contents(Function<String[], String> nbctl) {
        String[][] views = {
            {"show"},
            {"--format=csv", "--no-headings", "--columns=name,addresses,type,options", "list", "Logical_Switch_Port"},
            {"--format=csv", "--no-headings", "--columns=ip_prefix,nexthop", "list", "Logical_Router_Static_Route"},
            {"acl-list", "pg0"},
            {"lb-list"},
            {"--columns=name,addresses", "list", "Address_Set"},
            {"--columns=options,external_ids", "list", "NB_Global"},
            {"--columns=name,ports", "list", "Port_Group"},
        };
        StringBuilder out = new StringBuilder();
        for (String[] v : views) {
            // rows and set members come in no particular order: compare sorted lines
            nbctl.apply(v).replaceAll("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "UUID").lines()
                    .filter(l -> !l.startsWith("_uuid")).sorted().forEach(l -> out.append(l).append('\n'));
        }
        return out.toString();
    }

    private static void populate(OvnDaemons nb) {
        nb.nbctl("init");
        nb.nbctl("set", "NB_Global", ".", "options:kovn-test=yes");
        nb.nbctl("ls-add", "sw0", "--", "set", "Logical_Switch", "sw0", "other_config:subnet=10.244.1.0/24");
        for (int i = 0; i < 5; i++) {
            nb.nbctl("lsp-add", "sw0", "p" + i, "--", "lsp-set-addresses", "p" + i, "0a:58:0a:f4:01:0" + (i + 3)
                    + " 10.244.1." + (i + 3));
        }
        nb.nbctl("lr-add", "r0", "--", "lrp-add", "r0", "rtos-sw0", "0a:58:0a:f4:01:01", "10.244.1.1/24");
        nb.nbctl("lsp-add", "sw0", "stor-sw0", "--", "lsp-set-type", "stor-sw0", "router", "--",
                "lsp-set-options", "stor-sw0", "router-port=rtos-sw0", "--", "lsp-set-addresses", "stor-sw0", "router");
        nb.nbctl("lr-route-add", "r0", "0.0.0.0/0", "10.244.1.254");
        nb.nbctl("lb-add", "lb0", "10.96.0.10:80", "10.244.1.3:8080,10.244.1.4:8080", "tcp", "--", "ls-lb-add", "sw0", "lb0");
        nb.nbctl("pg-add", "pg0", "p0", "p1", "--", "acl-add", "pg0", "to-lport", "1001", "outport == @pg0 && tcp.dst == 80",
                "allow-related");
        nb.nbctl("create", "Address_Set", "name=as0", "addresses=\"10.244.1.3\",\"10.244.1.4\"");
    }

    @Test
    void aBackupRestoredIntoANewClusterHasTheSameRows() throws Exception {
        Path file = tmp.resolve("nb.json");
        String before;
        DatabaseBackup.Summary taken;
        try (OvnDaemons source = OvnDaemons.builder().nb().start()) {
            populate(source);
            before = contents(source::nbctl);
            try (OvsdbClient client = new OvsdbClient(source.nbUnix()).connectSync()) {
                taken = DatabaseBackup.backup(client, Databases.NORTHBOUND, file);
            }
        }
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(taken.rowsPerTable()).containsEntry("Logical_Switch_Port", 6).containsEntry("ACL", 1);

        try (OvnCluster target = OvnCluster.builder().members(3).start()) {
            target.nbctl("init"); // NB_Global exists, as ovn-northd makes it in a new cluster: updated, not doubled
            try (OvsdbClient client = new OvsdbClient(target.remotes(OvnCluster.Db.NB)).connectSync()) {
                DatabaseBackup.Summary restored = DatabaseBackup.restore(client, file);
                assertThat(restored.rows()).isEqualTo(taken.rows());
            }
            assertThat(contents(target::nbctl)).isEqualTo(before);
            assertThat(target.nbctl("--bare", "--columns=_uuid", "list", "NB_Global").lines().count()).isEqualTo(1);
        }
    }

    @Test
    void aDatabaseThatIsNotEmptyIsLeftAlone() throws Exception {
        Path file = tmp.resolve("nb.json");
        try (OvnDaemons source = OvnDaemons.builder().nb().start()) {
            populate(source);
            try (OvsdbClient client = new OvsdbClient(source.nbUnix()).connectSync()) {
                DatabaseBackup.backup(client, Databases.NORTHBOUND, file);
            }
        }
        try (OvnDaemons target = OvnDaemons.builder().nb().start()) {
            target.nbctl("ls-add", "someone-elses");
            String before = target.nbctl("show");
            try (OvsdbClient client = new OvsdbClient(target.nbUnix()).connectSync()) {
                assertThatThrownBy(() -> DatabaseBackup.restore(client, file)).isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("not empty").hasMessageContaining("Logical_Switch");
            }
            assertThat(target.nbctl("show")).isEqualTo(before);
        }
    }

    @Test
    void aFileThatIsNotABackupIsRefused() throws Exception {
        Path file = tmp.resolve("bogus.json");
        Files.writeString(file, "{\"format\": \"something else\"}");
        try (OvnDaemons target = OvnDaemons.builder().nb().start();
             OvsdbClient client = new OvsdbClient(target.nbUnix()).connectSync()) {
            assertThatThrownBy(() -> DatabaseBackup.restore(client, file)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("not a kovn backup");
        }
    }
}
