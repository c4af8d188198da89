package io.kovn.ovn.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.kovn.ovn.nb.AddressSet;
import io.kovn.ovsdb.wire.Mutation;
import io.kovn.ovsdb.wire.Operation;
import io.kovn.ovsdb.wire.Uuid;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Single-element set changes within one transaction: each step reads the replica, which does not show the steps
 * before it, so the transaction itself remembers the elements it moved.
 */
class SetMemberTest {
    private static final Uuid SET = Uuid.of("00000000-0000-0000-0000-00000000000a");

    @Test
    void anAddressTakenOutAndPutBackInOneTransactionIsWrittenBothWays() {
        NbTxn txn = new NbTxn(null);
        Set<String> replica = Set.of("10.128.0.5", "10.128.0.6");
        // a pod recreated under the same name leaves with its address, and its successor is given the same one
        PolicyOps.setMember(txn, AddressSet.TABLE, SET, AddressSet.ADDRESSES, replica, "10.128.0.5", false);
        PolicyOps.setMember(txn, AddressSet.TABLE, SET, AddressSet.ADDRESSES, replica, "10.128.0.5", true);
        // one operation (the row's mutations folded), taking the address out, then putting it back
        assertThat(txn.operations()).singleElement().isInstanceOfSatisfying(Operation.Mutate.class, m ->
                assertThat(m.mutations()).extracting(Mutation::mutator)
                        .containsExactly(Mutation.Mutator.DELETE, Mutation.Mutator.INSERT));
        // once in again, as the replica already says: nothing more
        PolicyOps.setMember(txn, AddressSet.TABLE, SET, AddressSet.ADDRESSES, replica, "10.128.0.5", true);
        PolicyOps.setMember(txn, AddressSet.TABLE, SET, AddressSet.ADDRESSES, replica, "10.128.0.6", true);
        assertThat(txn.operations()).singleElement().isInstanceOfSatisfying(Operation.Mutate.class, m ->
                assertThat(m.mutations()).hasSize(2));
    }

    @Test
    void aRolledBackStepLeavesNoMembershipBehind() {
        NbTxn txn = new NbTxn(null);
        Set<String> replica = Set.of();
        NbTxn.Checkpoint cp = txn.checkpoint();
        PolicyOps.setMember(txn, AddressSet.TABLE, SET, AddressSet.ADDRESSES, replica, "10.128.0.7", true);
        txn.rollback(cp);
        assertThat(txn.operations()).isEmpty();
        // the step that failed put nothing in: the next one writes the element
        PolicyOps.setMember(txn, AddressSet.TABLE, SET, AddressSet.ADDRESSES, replica, "10.128.0.7", true);
        assertThat(txn.operations()).hasSize(1);
    }
}
