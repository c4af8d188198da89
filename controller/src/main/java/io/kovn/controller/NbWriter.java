package io.kovn.controller;

import io.kovn.ovn.Databases;
import io.kovn.ovn.ops.NbTxn;
import io.kovn.ovsdb.client.OvsdbClient;
import io.kovn.ovsdb.client.TransactResult;
import io.kovn.ovsdb.replica.DatabaseReplica;
import io.kovn.ovsdb.wire.Mutation;
import io.kovn.ovsdb.wire.Operation;
import io.kovn.ovsdb.wire.Uuid;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Commits NB transactions and waits until the replica shows their inserts and deletes, so the next
 * reconciliation reads its own writes and never inserts a row twice. The overlay and underlay controllers
 * both write through it.
 */
public final class NbWriter {
    private static final Logger log = LoggerFactory.getLogger(NbWriter.class);
    private static final Duration CATCH_UP = Duration.ofSeconds(10);

    private final OvsdbClient client;
    private final DatabaseReplica nb;
    private final Metrics metrics;

    public NbWriter(OvsdbClient client, DatabaseReplica nb, Metrics metrics) {
        this.client = client;
        this.nb = nb;
        this.metrics = metrics;
    }

    public TransactResult commit(NbTxn txn) throws Exception {
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
        List<Predicate<DatabaseReplica>> mutated = new ArrayList<>();
        for (int i = 0; i < ops.size(); i++) {
            Operation op = ops.get(i);
            if (op instanceof Operation.Insert) {
                inserted.add(new String[] {op.table(), result.uuid(i).value()});
            } else if (op instanceof Operation.Delete d && d.where().size() == 1
                    && "_uuid".equals(d.where().get(0).column())) {
                deleted.add(new String[] {op.table(), ((Uuid) d.where().get(0).value()).value()});
            } else if (op instanceof Operation.Mutate m) {
                shown(m).ifPresent(mutated::add);
            }
        }
        try {
            nb.await(r -> inserted.stream().allMatch(x -> r.row(x[0], Uuid.of(x[1])).isPresent())
                    && deleted.stream().noneMatch(x -> r.row(x[0], Uuid.of(x[1])).isPresent())
                    && mutated.stream().allMatch(p -> p.test(r)))
                    .get(CATCH_UP.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            log.warn("NB replica did not show a committed transaction within {}", CATCH_UP);
        }
        return result;
    }

    /**
     * When the replica shows a set or map mutation of a row by uuid: the inserted elements (pairs) there, the
     * deleted ones (keys, unless the same mutate inserts them again) gone (elements that are named uuids of this
     * transaction's inserts are not checked). Set columns are changed by
     * their difference, which the next batch computes from the replica: a replica one transaction behind would
     * make it miss a change (an address deleted, then wanted again).
     */
    private static Optional<Predicate<DatabaseReplica>> shown(Operation.Mutate m) {
        if (m.where().size() != 1 || !"_uuid".equals(m.where().get(0).column())
                || !(m.where().get(0).value() instanceof Uuid row) || row.isNamed()) {
            return Optional.empty();
        }
        List<Predicate<DatabaseReplica>> checks = new ArrayList<>();
        // map columns (template variables): keys deleted gone unless inserted again, inserted pairs there
        Set<Object> reinserted = new HashSet<>();
        for (Mutation mu : m.mutations()) {
            if (mu.mutator() == Mutation.Mutator.INSERT && mu.value() instanceof Map<?, ?> pairs) {
                reinserted.addAll(pairs.keySet());
                checks.add(r -> r.row(m.table(), row).map(x -> x.get(mu.column()) instanceof Map<?, ?> now
                        && pairs.entrySet().stream().allMatch(e -> e.getValue().equals(now.get(e.getKey())))).orElse(true));
            }
        }
        for (Mutation mu : m.mutations()) {
            if (!(mu.value() instanceof Set<?> values)
                    || (mu.mutator() != Mutation.Mutator.INSERT && mu.mutator() != Mutation.Mutator.DELETE)) {
                continue;
            }
            List<Object> real = values.stream().filter(v -> !(v instanceof Uuid u && u.isNamed())).map(v -> (Object) v).toList();
            boolean insert = mu.mutator() == Mutation.Mutator.INSERT;
            List<Object> gone = real.stream().filter(k -> !reinserted.contains(k)).toList();
            checks.add(r -> r.row(m.table(), row).map(x -> x.get(mu.column()) instanceof Map<?, ?> now
                    ? insert || gone.stream().noneMatch(now::containsKey)
                    : x.get(mu.column()) instanceof Collection<?> c && real.stream().allMatch(v -> c.contains(v) == insert))
                    .orElse(true));
        }
        return checks.isEmpty() ? Optional.empty() : Optional.of(r -> checks.stream().allMatch(c -> c.test(r)));
    }
}
