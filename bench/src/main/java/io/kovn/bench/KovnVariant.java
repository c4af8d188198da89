package io.kovn.bench;

import io.kovn.ovn.Databases;
import io.kovn.ovn.nb.LogicalSwitch;
import io.kovn.ovn.nb.LogicalSwitchPort;
import io.kovn.ovsdb.client.OvsdbClient;
import io.kovn.ovsdb.client.TransactResult;
import io.kovn.ovsdb.wire.Condition;
import io.kovn.ovsdb.wire.Operation;
import io.kovn.ovsdb.wire.OvsdbJson;
import io.kovn.ovsdb.wire.Uuid;
import io.kovn.testing.OvnDaemons;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * kovn's own client: {@code batch} ports per transaction (1: one transaction per port), sequentially, each
 * awaited. A transaction is the ports' inserts plus one mutate adding all their named uuids to the switch.
 */
final class KovnVariant {
    private static final long TRANSACT_TIMEOUT_S = 120;

    private KovnVariant() {
    }

    static Run run(OvnDaemons nb, int ports, int batch) {
        try (OvsdbClient client = new OvsdbClient(nb.nbUnix()).connectSync()) {
            Uuid sw = await(client.transact(Databases.NORTHBOUND,
                    Operation.insert(LogicalSwitch.TABLE).set(LogicalSwitch.NAME, BenchPorts.SWITCH))).uuid(0);
            int transactions = 0;
            long t0 = System.nanoTime();
            for (int from = 0; from < ports; from += batch) {
                int to = Math.min(ports, from + batch);
                TransactResult r = await(client.transact(Databases.NORTHBOUND, operations(sw, from, to)));
                if (r.count(r.size() - 1) != 1) {
                    throw new IllegalStateException("the mutate of transaction " + transactions + " matched "
                            + r.count(r.size() - 1) + " switches, expected 1");
                }
                transactions++;
            }
            double ms = (System.nanoTime() - t0) / 1e6;
            String variant = batch == 1 ? "kovn-per-port" : "kovn-batched";
            return new Run(ms, ports, transactions, NbVerifier.verify(nb, variant, ports), Map.of());
        }
    }

    /** Inserts of ports from..to-1 and one mutate adding them all to switch {@code sw}. */
    static List<Operation> operations(Uuid sw, int from, int to) {
        List<Operation> ops = new ArrayList<>(to - from + 1);
        Set<Uuid> refs = new LinkedHashSet<>();
        for (int i = from; i < to; i++) {
            Operation.Insert insert = Operation.insert(LogicalSwitchPort.TABLE).named(BenchPorts.name(i))
                    .set(LogicalSwitchPort.NAME, BenchPorts.name(i))
                    .set(LogicalSwitchPort.ADDRESSES, Set.of(BenchPorts.address(i)))
                    .set(LogicalSwitchPort.EXTERNAL_IDS, BenchPorts.externalIds(i));
            ops.add(insert);
            refs.add(insert.ref());
        }
        ops.add(Operation.mutate(LogicalSwitch.TABLE).where(Condition.uuid(sw)).with(LogicalSwitch.PORTS.insert(refs)));
        return ops;
    }

    /**
     * Time the client spends before anything is sent, without a server: building the operations and encoding the
     * transact requests as {@link OvsdbClient#transact} does (operations to JSON trees, then to bytes).
     */
    static double encodeMs(int ports, int batch) {
        Uuid sw = Uuid.of("00000000-0000-0000-0000-000000000001");
        long bytes = 0;
        long t0 = System.nanoTime();
        for (int from = 0; from < ports; from += batch) {
            ArrayNode params = OvsdbJson.NODES.arrayNode().add(Databases.NORTHBOUND);
            operations(sw, from, Math.min(ports, from + batch)).forEach(op -> params.add(op.toJson()));
            ObjectNode msg = OvsdbJson.NODES.objectNode().put("method", "transact").put("id", from);
            msg.set("params", params);
            bytes += OvsdbJson.MAPPER.writeValueAsBytes(msg).length;
        }
        double ms = (System.nanoTime() - t0) / 1e6;
        if (bytes == 0) {
            throw new IllegalStateException("nothing encoded");
        }
        return ms;
    }

    private static <T> T await(CompletableFuture<T> f) {
        try {
            return f.get(TRANSACT_TIMEOUT_S, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("transaction failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("transaction got no reply within " + TRANSACT_TIMEOUT_S + " s", e);
        }
    }
}
