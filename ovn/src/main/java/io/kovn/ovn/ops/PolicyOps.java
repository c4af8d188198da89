package io.kovn.ovn.ops;

import io.kovn.ovn.nb.ACL;
import io.kovn.ovn.nb.AddressSet;
import io.kovn.ovn.nb.LogicalSwitchPort;
import io.kovn.ovn.nb.PortGroup;
import io.kovn.ovsdb.model.Column;
import io.kovn.ovsdb.model.Table;
import io.kovn.ovsdb.wire.Condition;
import io.kovn.ovsdb.wire.Operation;
import io.kovn.ovsdb.wire.Uuid;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Port groups with their ACLs, and address sets: what network policy is built from. */
public final class PolicyOps {
    private PolicyOps() {
    }

    /**
     * An ACL as kovn wants it. Identity is (direction, priority, match); the rest is corrected in place.
     * {@code severity} empty means no logging.
     */
    public record AclSpec(String direction, long priority, String match, String action, Optional<String> severity,
                          Optional<String> name, Map<String, String> externalIds) {
        String identity() {
            return direction + "|" + priority + "|" + match;
        }
    }

    /** The uuid of a switch port: in the replica, or inserted earlier in this transaction. */
    public static Optional<Uuid> portRef(NbTxn txn, String name) {
        Optional<Uuid> p = txn.pending(LogicalSwitchPort.TABLE_NAME, name);
        if (p.isPresent()) {
            return p;
        }
        return txn.nb().lookupOne(LogicalSwitchPort.TABLE, LogicalSwitchPort.NAME, name).map(LogicalSwitchPort::uuid);
    }

    /** Whether NB or this transaction has an address set of that name. */
    public static boolean addressSetExists(NbTxn txn, String name) {
        return txn.pending(AddressSet.TABLE_NAME, name).isPresent()
                || txn.nb().lookupOne(AddressSet.TABLE, AddressSet.NAME, name).isPresent();
    }

    /** Creates or corrects an address set; called twice in one transaction, the later addresses win. */
    public static void ensureAddressSet(NbTxn txn, String name, Set<String> addresses, Map<String, String> externalIds) {
        Optional<Uuid> pending = txn.pending(AddressSet.TABLE_NAME, name);
        if (pending.isPresent()) {
            txn.add(Operation.update(AddressSet.TABLE).where(Condition.uuid(pending.get()))
                    .set(AddressSet.ADDRESSES, addresses).set(AddressSet.EXTERNAL_IDS, externalIds));
            return;
        }
        Optional<AddressSet> cur = txn.nb().lookupOne(AddressSet.TABLE, AddressSet.NAME, name);
        if (cur.isEmpty()) {
            Operation.Insert ins = txn.insert(AddressSet.TABLE, "as").set(AddressSet.NAME, name)
                    .set(AddressSet.ADDRESSES, addresses).set(AddressSet.EXTERNAL_IDS, externalIds);
            txn.add(ins);
            txn.markPending(AddressSet.TABLE_NAME, name, ins.ref());
            return;
        }
        new Diff<>(AddressSet.TABLE, cur.get()).set(AddressSet.EXTERNAL_IDS, externalIds).addTo(txn);
        mutateSet(txn, AddressSet.TABLE, cur.get().uuid(), AddressSet.ADDRESSES, cur.get().addresses(), addresses);
    }

    /**
     * Makes set column {@code column} of row {@code uuid} hold {@code wanted} instead of {@code current} with one
     * mutate (delete what goes, insert what comes): the operation, the server's work and the update sent to every
     * client grow with the change, not with the set (an update would rewrite an address set of 10,000 addresses to
     * add one). Nothing is added when they are equal.
     */
    static <T> void mutateSet(NbTxn txn, Table<?> table, Uuid uuid, Column<Set<T>> column, Set<T> current, Set<T> wanted) {
        // membership tests in place: no copy of either set (a namespace's or a peer's set of 1,000 addresses is
        // compared whole each time its reconcile runs)
        Set<T> gone = new HashSet<>();
        for (T t : current) {
            if (!wanted.contains(t)) {
                gone.add(t);
            }
        }
        Set<T> added = new HashSet<>();
        for (T t : wanted) {
            if (!current.contains(t)) {
                added.add(t);
            }
        }
        if (gone.isEmpty() && added.isEmpty()) {
            return;
        }
        Operation.Mutate m = Operation.mutate(table).where(Condition.uuid(uuid));
        if (!gone.isEmpty()) {
            m = m.with(column.delete(gone));
        }
        if (!added.isEmpty()) {
            m = m.with(column.insert(added));
        }
        txn.add(m);
    }

    /**
     * Puts {@code value} into set column {@code column} of row {@code uuid} ({@code member}) or takes it out, with one
     * mutate of that one element; nothing when the row already says so: {@code current} as the replica has it, unless
     * an earlier step of this transaction moved that element ({@link NbTxn#isMember}).
     */
    public static <T> void setMember(NbTxn txn, Table<?> table, Uuid uuid, Column<Set<T>> column, Set<T> current,
                                     T value, boolean member) {
        String key = table.name() + "/" + uuid.value() + "/" + column.name() + "/" + value;
        if (txn.isMember(key, current.contains(value)) == member) {
            return;
        }
        txn.add(Operation.mutate(table).where(Condition.uuid(uuid))
                .with(member ? column.insert(Set.of(value)) : column.delete(Set.of(value))));
        txn.markMember(key, member);
    }

    public static void deleteAddressSet(NbTxn txn, AddressSet set) {
        txn.add(Operation.delete(AddressSet.TABLE).where(Condition.uuid(set.uuid())));
    }

    /**
     * Creates or corrects a port group: exactly {@code ports} and exactly the ACLs of {@code acls} (missing ones
     * inserted, stale ones dropped, changed logging corrected); nothing is written when all is right.
     */
    public static void ensurePortGroup(NbTxn txn, String name, Set<Uuid> ports, Set<AclSpec> acls,
                                       Map<String, String> externalIds) {
        Optional<PortGroup> cur = txn.nb().lookupOne(PortGroup.TABLE, PortGroup.NAME, name);
        if (cur.isEmpty()) {
            Set<Uuid> refs = new HashSet<>();
            for (AclSpec a : acls) {
                Operation.Insert ins = insertAcl(txn, a);
                txn.add(ins);
                refs.add(ins.ref());
            }
            txn.add(Operation.insert(PortGroup.TABLE).set(PortGroup.NAME, name).set(PortGroup.PORTS, ports)
                    .set(PortGroup.ACLS, refs).set(PortGroup.EXTERNAL_IDS, externalIds));
            return;
        }
        PortGroup pg = cur.get();
        Map<String, ACL> existing = new HashMap<>();
        Set<Uuid> stale = new HashSet<>();
        for (Uuid u : pg.acls()) {
            Optional<ACL> acl = txn.nb().get(ACL.TABLE, u);
            if (acl.isEmpty()) {
                continue;
            }
            String id = acl.get().direction() + "|" + acl.get().priority() + "|" + acl.get().match();
            if (existing.putIfAbsent(id, acl.get()) != null) {
                stale.add(u); // a duplicate
            }
        }
        Set<Uuid> added = new HashSet<>();
        Set<String> wanted = new HashSet<>();
        for (AclSpec a : acls) {
            wanted.add(a.identity());
            ACL acl = existing.get(a.identity());
            if (acl == null) {
                if (added.isEmpty()) {
                    txn.addUnchangedGuard(PortGroup.TABLE, pg.uuid(), PortGroup.ACLS, pg.acls());
                }
                Operation.Insert ins = insertAcl(txn, a);
                txn.add(ins);
                added.add(ins.ref());
            } else {
                new Diff<>(ACL.TABLE, acl).set(ACL.ACTION, a.action()).set(ACL.LOG, a.severity().isPresent())
                        .set(ACL.SEVERITY, a.severity()).set(ACL.NAME, a.name()).set(ACL.EXTERNAL_IDS, a.externalIds())
                        .addTo(txn);
            }
        }
        existing.forEach((id, acl) -> {
            if (!wanted.contains(id)) {
                stale.add(acl.uuid());
            }
        });
        new Diff<>(PortGroup.TABLE, pg).set(PortGroup.EXTERNAL_IDS, externalIds).addTo(txn);
        mutateSet(txn, PortGroup.TABLE, pg.uuid(), PortGroup.PORTS, pg.ports(), ports);
        if (!added.isEmpty() || !stale.isEmpty()) {
            Operation.Mutate m = Operation.mutate(PortGroup.TABLE).where(Condition.uuid(pg.uuid()));
            if (!stale.isEmpty()) {
                m = m.with(PortGroup.ACLS.delete(stale));
            }
            if (!added.isEmpty()) {
                m = m.with(PortGroup.ACLS.insert(added));
            }
            txn.add(m);
        }
    }

    /** Deletes a port group; its ACLs go with it (they are not root rows). */
    public static void deletePortGroup(NbTxn txn, PortGroup pg) {
        txn.add(Operation.delete(PortGroup.TABLE).where(Condition.uuid(pg.uuid())));
    }

    private static Operation.Insert insertAcl(NbTxn txn, AclSpec a) {
        return txn.insert(ACL.TABLE, "acl").set(ACL.DIRECTION, a.direction())
                .set(ACL.PRIORITY, a.priority()).set(ACL.MATCH, a.match()).set(ACL.ACTION, a.action())
                .set(ACL.LOG, a.severity().isPresent()).set(ACL.SEVERITY, a.severity()).set(ACL.NAME, a.name())
                .set(ACL.EXTERNAL_IDS, a.externalIds());
    }
}
