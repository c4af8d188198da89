package io.kovn.ovn.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.kovn.ovn.nb.AddressSet;
import io.kovn.ovsdb.wire.Condition;
import io.kovn.ovsdb.wire.Operation;
import io.kovn.ovsdb.wire.Uuid;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A row many steps of one transaction change is written once, after the last step, from what they all left. */
class NbTxnFinishTest {

    @Test
    void aRowRegisteredByEveryStepIsWrittenOnceWithWhatTheLastStepLeft() {
        NbTxn txn = new NbTxn(null);
        List<String> addresses = new ArrayList<>();
        List<Integer> writes = new ArrayList<>();
        for (int node = 0; node < 100; node++) {
            addresses.add("10.128." + node + ".2");
            boolean first = txn.onFinish("management", t -> {
                writes.add(addresses.size());
                t.add(Operation.delete(AddressSet.TABLE).where(Condition.uuid(Uuid.of("00000000-0000-0000-0000-000000000001"))));
            });
            assertThat(first).isEqualTo(node == 0);
        }
        assertThat(txn.finishers()).isEqualTo(1);
        assertThat(txn.isEmpty()).isTrue();
        txn.finish();
        assertThat(writes).containsExactly(100);
        assertThat(txn.operations()).hasSize(1);
        assertThat(txn.finishers()).isZero();
        txn.finish();
        assertThat(writes).containsExactly(100);
    }
}
