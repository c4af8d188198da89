package io.kovn.controller;

import io.kovn.ovn.Databases;
import io.kovn.ovn.ops.NbTxn;
import io.kovn.ovsdb.client.OvsdbClient;
import io.kovn.ovsdb.client.TransactResult;
import io.kovn.ovsdb.replica.DatabaseReplica;
import io.kovn.ovsdb.wire.Operation;
import io.kovn.ovsdb.wire.Uuid;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Commits NB transactions and waits until the replica shows their inserts and deletes, so the next
 * reconciliation reads its own writes and never inserts a row twice.
 */
final class NbWriter {
    private static final Logger log = LoggerFactory.getLogger(NbWriter.class);
    private static final Duration CATCH_UP = Duration.ofSeconds(10);

    private final OvsdbClient client;
    private final DatabaseReplica nb;
    private final Metrics metrics;

    NbWriter(OvsdbClient client, DatabaseReplica nb, Metrics metrics) {
        this.client = client;
        this.nb = nb;
        this.metrics = metrics;
    }

    TransactResult commit(NbTxn txn) throws Exception {
        List<Operation> ops = txn.operations();
        long start = System.nanoTime();
        TransactResult result;
        try {
            result = client.transact(Databases.NORTHBOUND, ops).get(client.options().callTimeout().toMillis() + 1000,
                    TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            metrics.nbTransactionErrors.increment();
            throw e.getCause() instanceof Exception ex ? ex : e;
        }
        metrics.nbTransaction.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        metrics.nbOperations.increment(ops.size());

        List<String[]> inserted = new ArrayList<>();
        List<String[]> deleted = new ArrayList<>();
        for (int i = 0; i < ops.size(); i++) {
            Operation op = ops.get(i);
            if (op instanceof Operation.Insert) {
                inserted.add(new String[] {op.table(), result.uuid(i).value()});
            } else if (op instanceof Operation.Delete d && d.where().size() == 1
                    && "_uuid".equals(d.where().get(0).column())) {
                deleted.add(new String[] {op.table(), ((Uuid) d.where().get(0).value()).value()});
            }
        }
        try {
            nb.await(r -> inserted.stream().allMatch(x -> r.row(x[0], Uuid.of(x[1])).isPresent())
                    && deleted.stream().noneMatch(x -> r.row(x[0], Uuid.of(x[1])).isPresent()))
                    .get(CATCH_UP.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            log.warn("NB replica did not show a committed transaction within {}", CATCH_UP);
        }
        return result;
    }
}
