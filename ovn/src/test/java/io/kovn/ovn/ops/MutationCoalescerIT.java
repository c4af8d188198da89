package io.kovn.ovn.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.kovn.ovn.Databases;
import io.kovn.ovn.nb.AddressSet;
import io.kovn.ovn.nb.LoadBalancer;
import io.kovn.ovn.nb.LoadBalancerGroup;
import io.kovn.ovsdb.client.OvsdbClient;
import io.kovn.ovsdb.client.TransactResult;
import io.kovn.ovsdb.wire.Condition;
import io.kovn.ovsdb.wire.MutationCoalescer;
import io.kovn.ovsdb.wire.Operation;
import io.kovn.ovsdb.wire.Uuid;
import io.kovn.testing.OvnDaemons;
import io.kovn.testing.WithOvn;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A transaction with its set mutations folded ({@link MutationCoalescer}) leaves NB exactly as the same
 * operations one by one: against a real ovsdb-server, including an element taken out and put back, an update of
 * the row in between, and a load balancer group taking a load balancer inserted later in the folded transaction (a uuid-name the
 * folded mutate names before the insert that defines it).
 */
@WithOvn(nb = true)
class MutationCoalescerIT {
    private final OvnDaemons ovn;

    MutationCoalescerIT(OvnDaemons ovn) {
        this.ovn = ovn;
    }

    /** The operations of one run, on the address set and load balancer group named with {@code suffix}. */
    private List<Operation> operations(OvsdbClient client, String suffix) throws Exception {
        TransactResult made = client.transact(Databases.NORTHBOUND,
                Operation.insert(AddressSet.TABLE).set(AddressSet.NAME, "as" + suffix)
                        .set(AddressSet.ADDRESSES, Set.of("10.0.0.1", "10.0.0.2")),
                Operation.insert(LoadBalancerGroup.TABLE).set(LoadBalancerGroup.NAME, "group" + suffix),
                Operation.insert(LoadBalancer.TABLE).set(LoadBalancer.NAME, "p1" + suffix))
                .get(10, TimeUnit.SECONDS);
        Uuid set = made.uuid(0);
        Uuid group = made.uuid(1);
        Uuid p1 = made.uuid(2);
        Operation.Insert p2 = Operation.insert(LoadBalancer.TABLE).set(LoadBalancer.NAME, "p2" + suffix)
                .named("p2");
        return List.of(
                Operation.mutate(AddressSet.TABLE).where(Condition.uuid(set)).with(AddressSet.ADDRESSES.insert(Set.of("10.0.0.3"))),
                Operation.mutate(LoadBalancerGroup.TABLE).where(Condition.uuid(group)).with(LoadBalancerGroup.LOAD_BALANCER.insert(Set.of(p1))),
                Operation.mutate(AddressSet.TABLE).where(Condition.uuid(set)).with(AddressSet.ADDRESSES.delete(Set.of("10.0.0.1"))),
                p2,
                Operation.mutate(AddressSet.TABLE).where(Condition.uuid(set)).with(AddressSet.ADDRESSES.insert(Set.of("10.0.0.1"))),
                Operation.mutate(LoadBalancerGroup.TABLE).where(Condition.uuid(group)).with(LoadBalancerGroup.LOAD_BALANCER.insert(Set.of(p2.ref()))),
                Operation.update(AddressSet.TABLE).where(Condition.uuid(set)).set(AddressSet.ADDRESSES, Set.of("10.0.0.9")),
                Operation.mutate(AddressSet.TABLE).where(Condition.uuid(set)).with(AddressSet.ADDRESSES.insert(Set.of("10.0.0.4"))),
                Operation.mutate(AddressSet.TABLE).where(Condition.uuid(set)).with(AddressSet.ADDRESSES.delete(Set.of("10.0.0.9"))),
                Operation.mutate(LoadBalancerGroup.TABLE).where(Condition.uuid(group)).with(LoadBalancerGroup.LOAD_BALANCER.delete(Set.of(p1))));
    }

    private String state(String suffix) {
        String addresses = ovn.nbctl("get", "Address_Set", "as" + suffix, "addresses").trim();
        String ports = ovn.nbctl("--bare", "--columns=load_balancer", "find", "Load_Balancer_Group", "name=group" + suffix).trim();
        Set<String> portNames = new TreeSet<>();
        for (String uuid : ports.split("\\s+")) {
            if (!uuid.isEmpty()) {
                portNames.add(ovn.nbctl("get", "Load_Balancer", uuid, "name").trim().replace(suffix, ""));
            }
        }
        return addresses + " " + portNames;
    }

    @Test
    void foldedOrOneByOneTheTransactionLeavesTheSameRows() throws Exception {
        try (OvsdbClient client = new OvsdbClient(ovn.nbUnix()).connectSync()) {
            List<Operation> oneByOne = operations(client, "-a");
            client.transact(Databases.NORTHBOUND, oneByOne).get(10, TimeUnit.SECONDS);
            List<Operation> folded = MutationCoalescer.coalesce(operations(client, "-b"));
            assertThat(folded).hasSize(5); // 6 address set mutations around an update became 2, 3 of the group's 1
            client.transact(Databases.NORTHBOUND, folded).get(10, TimeUnit.SECONDS);
            assertThat(state("-a")).isEqualTo("[\"10.0.0.4\"] [p2]");
            assertThat(state("-b")).isEqualTo(state("-a"));
        }
    }
}
