package io.kovn.ovn.ops;

import io.kovn.ovn.nb.LogicalSwitch;
import io.kovn.ovn.nb.LogicalSwitchPort;
import io.kovn.ovsdb.wire.Condition;
import io.kovn.ovsdb.wire.Operation;
import io.kovn.ovsdb.wire.Uuid;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Logical switches and their ports. */
public final class SwitchOps {
    private SwitchOps() {
    }

    /** A switch as kovn wants it; {@code loadBalancerGroups} are group names. */
    public record SwitchSpec(String name, Map<String, String> otherConfig, Map<String, String> externalIds,
                             Set<String> loadBalancerGroups) {
    }

    /** A switch port as kovn wants it. */
    public record PortSpec(String name, String type, Set<String> addresses, Set<String> portSecurity,
                           Map<String, String> options, Map<String, String> externalIds) {
    }

    /** The switch's uuid: in the replica, or inserted earlier in this transaction. */
    public static Optional<Uuid> ref(NbTxn txn, String name) {
        Optional<Uuid> p = txn.pending(LogicalSwitch.TABLE_NAME, name);
        if (p.isPresent()) {
            return p;
        }
        return txn.nb().lookupOne(LogicalSwitch.TABLE, LogicalSwitch.NAME, name).map(LogicalSwitch::uuid);
    }

    public static Uuid ensure(NbTxn txn, SwitchSpec spec) {
        Set<Uuid> groups = new LinkedHashSet<>();
        spec.loadBalancerGroups().forEach(g -> groups.add(LoadBalancerOps.groupRef(txn, g)
                .orElseThrow(() -> new IllegalStateException("load balancer group " + g + " does not exist"))));
        Optional<Uuid> pending = txn.pending(LogicalSwitch.TABLE_NAME, spec.name());
        if (pending.isPresent()) {
            return pending.get();
        }
        Optional<LogicalSwitch> cur = txn.nb().lookupOne(LogicalSwitch.TABLE, LogicalSwitch.NAME, spec.name());
        if (cur.isEmpty()) {
            Operation.Insert ins = txn.insert(LogicalSwitch.TABLE, "ls")
                    .set(LogicalSwitch.NAME, spec.name()).set(LogicalSwitch.OTHER_CONFIG, spec.otherConfig())
                    .set(LogicalSwitch.EXTERNAL_IDS, spec.externalIds()).set(LogicalSwitch.LOAD_BALANCER_GROUP, groups);
            txn.addKeyedInsert(LogicalSwitch.TABLE, LogicalSwitch.NAME, spec.name(), ins);
            txn.markPending(LogicalSwitch.TABLE_NAME, spec.name(), ins.ref());
            return ins.ref();
        }
        new Diff<>(LogicalSwitch.TABLE, cur.get()).set(LogicalSwitch.OTHER_CONFIG, spec.otherConfig())
                .set(LogicalSwitch.EXTERNAL_IDS, spec.externalIds())
                .set(LogicalSwitch.LOAD_BALANCER_GROUP, groups).addTo(txn);
        return cur.get().uuid();
    }

    /** Deletes a switch; its ports go with it (switch ports are not root rows). */
    public static void delete(NbTxn txn, LogicalSwitch ls) {
        txn.add(Operation.delete(LogicalSwitch.TABLE).where(Condition.uuid(ls.uuid())));
    }

    /** Creates or corrects a port on {@code switchName}, moving it there if another switch holds it. */
    public static void ensurePort(NbTxn txn, String switchName, PortSpec spec) {
        Uuid sw = ref(txn, switchName).orElseThrow(() ->
                new IllegalStateException("logical switch " + switchName + " does not exist"));
        if (txn.pending(LogicalSwitchPort.TABLE_NAME, spec.name()).isPresent()) {
            return;
        }
        Optional<LogicalSwitchPort> cur = txn.nb().lookupOne(LogicalSwitchPort.TABLE, LogicalSwitchPort.NAME, spec.name());
        if (cur.isEmpty()) {
            Operation.Insert ins = txn.insert(LogicalSwitchPort.TABLE, "lsp")
                    .set(LogicalSwitchPort.NAME, spec.name()).set(LogicalSwitchPort.TYPE, spec.type())
                    .set(LogicalSwitchPort.ADDRESSES, spec.addresses())
                    .set(LogicalSwitchPort.PORT_SECURITY, spec.portSecurity())
                    .set(LogicalSwitchPort.OPTIONS, spec.options())
                    .set(LogicalSwitchPort.EXTERNAL_IDS, spec.externalIds());
            txn.add(ins);
            txn.markPending(LogicalSwitchPort.TABLE_NAME, spec.name(), ins.ref());
            txn.add(Operation.mutate(LogicalSwitch.TABLE).where(Condition.uuid(sw))
                    .with(LogicalSwitch.PORTS.insert(Set.of(ins.ref()))));
            return;
        }
        LogicalSwitchPort port = cur.get();
        new Diff<>(LogicalSwitchPort.TABLE, port).set(LogicalSwitchPort.TYPE, spec.type())
                .set(LogicalSwitchPort.ADDRESSES, spec.addresses())
                .set(LogicalSwitchPort.PORT_SECURITY, spec.portSecurity())
                .set(LogicalSwitchPort.OPTIONS, spec.options())
                .set(LogicalSwitchPort.EXTERNAL_IDS, spec.externalIds()).addTo(txn);
        if (holds(txn, sw, port.uuid())) {
            return; // where it belongs: the common case, without looking at every switch
        }
        List<LogicalSwitch> holders = holders(txn, port.uuid());
        for (LogicalSwitch h : holders) {
            if (!h.uuid().equals(sw)) {
                txn.add(Operation.mutate(LogicalSwitch.TABLE).where(Condition.uuid(h.uuid()))
                        .with(LogicalSwitch.PORTS.delete(Set.of(port.uuid()))));
            }
        }
        if (holders.stream().noneMatch(h -> h.uuid().equals(sw))) {
            txn.add(Operation.mutate(LogicalSwitch.TABLE).where(Condition.uuid(sw))
                    .with(LogicalSwitch.PORTS.insert(Set.of(port.uuid()))));
        }
    }

    /**
     * Creates or corrects a container port on {@code switchName}: a child of {@code parent} (the VM's own port)
     * whose frames carry VLAN {@code tag}. Both {@code tag_request} and {@code tag} are set to it, so ovn-northd
     * keeps the tag the VM's pool cache holds instead of allocating one.
     */
    public static void ensureChildPort(NbTxn txn, String switchName, PortSpec spec, String parent, int tag) {
        Optional<String> parentName = Optional.of(parent);
        Optional<Long> tagValue = Optional.of((long) tag);
        Optional<LogicalSwitchPort> cur = txn.nb().lookupOne(LogicalSwitchPort.TABLE, LogicalSwitchPort.NAME, spec.name());
        if (cur.isPresent() || txn.pending(LogicalSwitchPort.TABLE_NAME, spec.name()).isPresent()) {
            ensurePort(txn, switchName, spec);
            cur.ifPresent(port -> new Diff<>(LogicalSwitchPort.TABLE, port).set(LogicalSwitchPort.PARENT_NAME, parentName)
                    .set(LogicalSwitchPort.TAG_REQUEST, tagValue).set(LogicalSwitchPort.TAG, tagValue).addTo(txn));
            return;
        }
        Uuid sw = ref(txn, switchName).orElseThrow(() ->
                new IllegalStateException("logical switch " + switchName + " does not exist"));
        Operation.Insert ins = txn.insert(LogicalSwitchPort.TABLE, "lsp")
                .set(LogicalSwitchPort.NAME, spec.name()).set(LogicalSwitchPort.TYPE, spec.type())
                .set(LogicalSwitchPort.ADDRESSES, spec.addresses())
                .set(LogicalSwitchPort.PORT_SECURITY, spec.portSecurity())
                .set(LogicalSwitchPort.OPTIONS, spec.options())
                .set(LogicalSwitchPort.EXTERNAL_IDS, spec.externalIds())
                .set(LogicalSwitchPort.PARENT_NAME, parentName).set(LogicalSwitchPort.TAG_REQUEST, tagValue)
                .set(LogicalSwitchPort.TAG, tagValue);
        txn.add(ins);
        txn.markPending(LogicalSwitchPort.TABLE_NAME, spec.name(), ins.ref());
        txn.add(Operation.mutate(LogicalSwitch.TABLE).where(Condition.uuid(sw))
                .with(LogicalSwitch.PORTS.insert(Set.of(ins.ref()))));
    }

    /** Removes a port from every switch holding it (OVSDB then deletes the unreferenced row). */
    public static void deletePort(NbTxn txn, LogicalSwitchPort port) {
        deletePort(txn, port, null);
    }

    /**
     * As {@link #deletePort(NbTxn, LogicalSwitchPort)}, looking at {@code likelySwitch} first (null: none): when it
     * holds the port, the other switches are not looked at (each holds its own node's ports only).
     */
    public static void deletePort(NbTxn txn, LogicalSwitchPort port, String likelySwitch) {
        Optional<Uuid> likely = likelySwitch == null ? Optional.empty() : ref(txn, likelySwitch);
        if (likely.isPresent() && holds(txn, likely.get(), port.uuid())) {
            txn.add(Operation.mutate(LogicalSwitch.TABLE).where(Condition.uuid(likely.get()))
                    .with(LogicalSwitch.PORTS.delete(Set.of(port.uuid()))));
            return;
        }
        for (LogicalSwitch h : holders(txn, port.uuid())) {
            txn.add(Operation.mutate(LogicalSwitch.TABLE).where(Condition.uuid(h.uuid()))
                    .with(LogicalSwitch.PORTS.delete(Set.of(port.uuid()))));
        }
    }

    /** Whether the switch {@code sw} (in the replica) holds {@code port}. */
    private static boolean holds(NbTxn txn, Uuid sw, Uuid port) {
        return txn.nb().get(LogicalSwitch.TABLE, sw).map(s -> s.ports().contains(port)).orElse(false);
    }

    /** Every switch holding {@code port}: a look at each switch, for the rare port that is not where it belongs. */
    private static List<LogicalSwitch> holders(NbTxn txn, Uuid port) {
        return txn.nb().list(LogicalSwitch.TABLE).stream().filter(s -> s.ports().contains(port)).toList();
    }
}
