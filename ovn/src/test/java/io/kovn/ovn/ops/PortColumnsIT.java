package io.kovn.ovn.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.kovn.ovn.Databases;
import io.kovn.ovn.nb.LogicalSwitchPort;
import io.kovn.ovsdb.client.OvsdbClient;
import io.kovn.ovsdb.model.Row;
import io.kovn.ovsdb.replica.DatabaseReplica;
import io.kovn.ovsdb.replica.RowListener;
import io.kovn.testing.OvnDaemons;
import io.kovn.testing.WithOvn;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The controller's replica holds a switch port's columns kovn writes and reads, not those ovn-northd writes for every
 * bound port ({@code up}): a pod's port claimed by its chassis sends the controller nothing.
 */
@WithOvn(nb = true)
class PortColumnsIT {
    private final OvnDaemons ovn;

    PortColumnsIT(OvnDaemons ovn) {
        this.ovn = ovn;
    }

    @Test
    void northdsUpOfAPortReachesTheReplicaAsNothingKovnsColumnsDo() throws Exception {
        ovn.nbctl("--may-exist", "ls-add", "columns-sw", "--", "lsp-add", "columns-sw", "columns-p");
        try (OvsdbClient client = new OvsdbClient(ovn.nbUnix()).connectSync()) {
            DatabaseReplica nb = client.replicate(Databases.NORTHBOUND, NbTables.monitorSpec()).get(10, TimeUnit.SECONDS);
            nb.await(r -> r.lookupOne(LogicalSwitchPort.TABLE, LogicalSwitchPort.NAME, "columns-p").isPresent())
                    .get(10, TimeUnit.SECONDS);
            List<Map<String, Object>> updates = new CopyOnWriteArrayList<>();
            nb.addListener(LogicalSwitchPort.TABLE_NAME, new RowListener<Row>() {
                @Override
                public void onUpdate(Row old, Row row) {
                    updates.add(row.values());
                }
            });
            ovn.nbctl("set", "Logical_Switch_Port", "columns-p", "up=true");
            ovn.nbctl("set", "Logical_Switch_Port", "columns-p", "external_ids:kovn-test=1");
            nb.await(r -> r.lookupOne(LogicalSwitchPort.TABLE, LogicalSwitchPort.NAME, "columns-p")
                    .map(p -> "1".equals(p.externalIds().get("kovn-test"))).orElse(false)).get(10, TimeUnit.SECONDS);
            // updates arrive in commit order: had up been replicated, its update would have come first
            assertThat(updates).singleElement().satisfies(values -> assertThat(values).doesNotContainKey("up"));
        }
    }
}
