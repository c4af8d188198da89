package io.kovn.ovn.ops;

import io.kovn.ovn.nb.ChassisTemplateVar;
import io.kovn.ovsdb.wire.Condition;
import io.kovn.ovsdb.wire.Mutation;
import io.kovn.ovsdb.wire.Operation;
import io.kovn.ovsdb.wire.Uuid;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Chassis_Template_Var rows: OVN keeps one row per chassis, whose {@code variables} map gives each template
 * variable ({@code ^NAME} in a load balancer's VIPs or backends) its value on that chassis. Several owners share
 * a row key by key (the node its address, each service its own variables), so variables are changed by
 * {@code mutate}, never by rewriting the map: one owner's change leaves the others' keys alone, and a change of
 * one service touches one key.
 */
public final class TemplateVarOps {
    private TemplateVarOps() {
    }

    /**
     * The uuid of the row of {@code chassis}, inserted in this transaction (named) or in the replica, and the
     * variables and external_ids it holds now ({@code inserted}: none known, the row is inserted by this
     * transaction, whose variables are its creator's).
     */
    public record RowRef(Uuid uuid, Map<String, String> variables, Map<String, String> externalIds, boolean inserted) {
    }

    public static Optional<RowRef> row(NbTxn txn, String chassis) {
        Optional<Uuid> pending = txn.pending(ChassisTemplateVar.TABLE_NAME, chassis);
        if (pending.isPresent()) {
            return Optional.of(new RowRef(pending.get(), Map.of(), Map.of(), true));
        }
        return txn.nb().lookupOne(ChassisTemplateVar.TABLE, ChassisTemplateVar.CHASSIS, chassis)
                .map(r -> new RowRef(r.uuid(), r.variables(), r.externalIds(), false));
    }

    /**
     * Creates the row of {@code chassis} with {@code externalIds} and {@code variables}, or corrects its
     * external_ids and sets {@code variables} in it, leaving its other keys as they are. The caller checks that
     * an existing row is its own.
     */
    public static Uuid ensure(NbTxn txn, String chassis, Map<String, String> externalIds, Map<String, String> variables) {
        Optional<RowRef> cur = row(txn, chassis);
        if (cur.isEmpty()) {
            Operation.Insert ins = txn.insert(ChassisTemplateVar.TABLE, "tv")
                    .set(ChassisTemplateVar.CHASSIS, chassis).set(ChassisTemplateVar.VARIABLES, variables)
                    .set(ChassisTemplateVar.EXTERNAL_IDS, externalIds);
            txn.add(ins);
            txn.markPending(ChassisTemplateVar.TABLE_NAME, chassis, ins.ref());
            return ins.ref();
        }
        RowRef r = cur.get();
        if (!r.inserted() && !r.externalIds().equals(externalIds)) {
            txn.add(Operation.update(ChassisTemplateVar.TABLE).where(Condition.uuid(r.uuid()))
                    .set(ChassisTemplateVar.EXTERNAL_IDS, externalIds));
        }
        set(txn, r, variables, Set.of());
        return r.uuid();
    }

    /**
     * Makes the row's keys {@code desired} hold their values and removes the keys of {@code remove} (those of
     * {@code desired} are kept): one mutate, only if something differs.
     */
    public static void set(NbTxn txn, RowRef row, Map<String, String> desired, Set<String> remove) {
        Set<String> delete = new TreeSet<>();
        Map<String, String> insert = new LinkedHashMap<>();
        for (String k : remove) {
            if (!desired.containsKey(k) && row.variables().containsKey(k)) {
                delete.add(k);
            }
        }
        desired.forEach((k, v) -> {
            String now = row.variables().get(k);
            if (!v.equals(now)) {
                insert.put(k, v);
                if (now != null) {
                    // a map insert keeps an existing key's value: the old pair goes first
                    delete.add(k);
                }
            }
        });
        List<Mutation> mutations = new ArrayList<>();
        if (!delete.isEmpty()) {
            mutations.add(ChassisTemplateVar.VARIABLES.deleteKeys(delete));
        }
        if (!insert.isEmpty()) {
            mutations.add(ChassisTemplateVar.VARIABLES.insert(insert));
        }
        if (!mutations.isEmpty()) {
            txn.add(Operation.mutate(ChassisTemplateVar.TABLE).where(Condition.uuid(row.uuid()))
                    .with(mutations.toArray(Mutation[]::new)));
        }
    }

    public static void delete(NbTxn txn, ChassisTemplateVar row) {
        txn.add(Operation.delete(ChassisTemplateVar.TABLE).where(Condition.uuid(row.uuid())));
    }
}
