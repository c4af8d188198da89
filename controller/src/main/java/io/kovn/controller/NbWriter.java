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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
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
        TransactResult result;
        try {
            result = send(ops).get(client.options().callTimeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception ex ? ex : e;
        }
        awaitShown(ops, result);
        return result;
    }

    /**
     * Sends {@code ops} as one transaction without waiting: its reply, timed and counted as {@link #commit}'s (a
     * refused transaction fails the future and counts as an error). The caller that reads the replica next waits
     * for it to show the transaction ({@link #awaitShown}).
     */
    public CompletableFuture<TransactResult> send(List<Operation> ops) {
        long start = System.nanoTime();
        return client.transact(Databases.NORTHBOUND, ops).whenComplete((result, error) -> {
            if (error != null) {
                metrics.nbTransactionErrors.increment();
            } else {
                metrics.nbTransaction.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
                metrics.nbOperations.increment(ops.size());
            }
        });
    }

    /**
     * Waits (up to {@link #CATCH_UP}, then logs) until the replica shows the committed transaction {@code ops}: its
     * inserted rows there, its rows deleted by uuid gone, its set mutations' elements as they left them. The
     * replica applies transactions in the order NB committed them: once it shows one, it shows those before it.
     */
    public void awaitShown(List<Operation> ops, TransactResult result) throws InterruptedException, ExecutionException {
        List<RowRef> inserted = new ArrayList<>();
        List<RowRef> deleted = new ArrayList<>();
        List<Predicate<DatabaseReplica>> mutated = new ArrayList<>();
        for (int i = 0; i < ops.size(); i++) {
            Operation op = ops.get(i);
            if (op instanceof Operation.Insert) {
                inserted.add(new RowRef(op.table(), result.uuid(i)));
            } else if (op instanceof Operation.Delete d && d.where().size() == 1
                    && "_uuid".equals(d.where().get(0).column())) {
                deleted.add(new RowRef(op.table(), (Uuid) d.where().get(0).value()));
            } else if (op instanceof Operation.Mutate m) {
                shown(m).ifPresent(mutated::add);
            }
        }
        try {
            nb.await(r -> shows(r, inserted, true) && shows(r, deleted, false) && allHold(r, mutated))
                    .get(CATCH_UP.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            log.warn("NB replica did not show a committed transaction within {}", CATCH_UP);
        }
    }

    /** A row by table and uuid. */
    private record RowRef(String table, Uuid uuid) {
    }

    /** Whether the replica has every one of {@code rows} ({@code present}) or none of them. */
    private static boolean shows(DatabaseReplica r, List<RowRef> rows, boolean present) {
        for (RowRef x : rows) {
            if (r.row(x.table(), x.uuid()).isPresent() != present) {
                return false;
            }
        }
        return true;
    }

    private static boolean allHold(DatabaseReplica r, List<Predicate<DatabaseReplica>> checks) {
        for (Predicate<DatabaseReplica> c : checks) {
            if (!c.test(r)) {
                return false;
            }
        }
        return true;
    }

    /**
     * When the replica shows a set or map mutation of a row by uuid: each set element as the last of the mutate's
     * mutations naming it leaves it (one mutate folds a batch's changes of the row: an address taken out and put
     * back is there), inserted pairs there, deleted keys gone unless the same mutate inserts them again (elements
     * that are named uuids of this transaction's inserts are not checked). Set columns are changed by
     * their difference, which the next batch computes from the replica: a replica one transaction behind would
     * make it miss a change (an address deleted, then wanted again).
     */
    private static Optional<Predicate<DatabaseReplica>> shown(Operation.Mutate m) {
        if (m.where().size() != 1 || !"_uuid".equals(m.where().get(0).column())
                || !(m.where().get(0).value() instanceof Uuid row) || row.isNamed()) {
            return Optional.empty();
        }
        List<Predicate<DatabaseReplica>> checks = new ArrayList<>(m.mutations().size());
        // map columns (template variables): keys deleted gone unless inserted again, inserted pairs there
        Set<Object> reinserted = null;
        for (Mutation mu : m.mutations()) {
            if (mu.mutator() == Mutation.Mutator.INSERT && mu.value() instanceof Map<?, ?> pairs) {
                if (reinserted == null) {
                    reinserted = new HashSet<>();
                }
                reinserted.addAll(pairs.keySet());
                checks.add(r -> r.row(m.table(), row).map(x -> x.get(mu.column()) instanceof Map<?, ?> now
                        && pairs.entrySet().stream().allMatch(e -> e.getValue().equals(now.get(e.getKey())))).orElse(true));
            }
        }
        // set elements: each as the last mutation naming it leaves it (a folded mutate may take an element out and
        // put it back); map keys deleted: gone unless inserted again
        Map<String, Map<Object, Boolean>> elements = new LinkedHashMap<>();
        for (Mutation mu : m.mutations()) {
            if (!(mu.value() instanceof Set<?> values)
                    || (mu.mutator() != Mutation.Mutator.INSERT && mu.mutator() != Mutation.Mutator.DELETE)) {
                continue;
            }
            boolean insert = mu.mutator() == Mutation.Mutator.INSERT;
            Map<Object, Boolean> column = elements.computeIfAbsent(mu.column(), c -> new LinkedHashMap<>());
            for (Object v : values) {
                if (!(v instanceof Uuid u && u.isNamed())) {
                    column.put(v, insert);
                }
            }
        }
        Set<Object> reinsertedKeys = reinserted;
        elements.forEach((column, wanted) -> checks.add(r -> r.row(m.table(), row).map(x -> {
            Object now = x.get(column);
            if (now instanceof Map<?, ?> map) { // a map's keys deleted: gone, unless inserted again
                for (Map.Entry<Object, Boolean> e : wanted.entrySet()) {
                    if (!e.getValue() && map.containsKey(e.getKey())
                            && (reinsertedKeys == null || !reinsertedKeys.contains(e.getKey()))) {
                        return false;
                    }
                }
                return true;
            }
            if (!(now instanceof Collection<?> c)) {
                return false;
            }
            for (Map.Entry<Object, Boolean> e : wanted.entrySet()) {
                if (c.contains(e.getKey()) != e.getValue()) {
                    return false;
                }
            }
            return true;
        }).orElse(true)));
        if (checks.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(checks.size() == 1 ? checks.get(0) : r -> allHold(r, checks));
    }
}
