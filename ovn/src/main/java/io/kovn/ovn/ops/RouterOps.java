package io.kovn.ovn.ops;

import io.kovn.ovn.nb.LogicalRouter;
import io.kovn.ovn.nb.LogicalRouterPort;
import io.kovn.ovn.nb.LogicalRouterStaticRoute;
import io.kovn.ovn.nb.NAT;
import io.kovn.ovsdb.model.Column;
import io.kovn.ovsdb.model.Table;
import io.kovn.ovsdb.model.TypedRow;
import io.kovn.ovsdb.wire.Condition;
import io.kovn.ovsdb.wire.Operation;
import io.kovn.ovsdb.wire.Uuid;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/** Logical routers and their ports. */
public final class RouterOps {
    private RouterOps() {
    }

    public record RouterPortSpec(String name, String mac, Set<String> networks, Map<String, String> externalIds) {
    }

    /** A static route; {@code policy} is "dst-ip" (the default) or "src-ip". */
    public record RouteSpec(String ipPrefix, String nexthop, Optional<String> policy, Optional<String> outputPort) {
        String identity() {
            return ipPrefix + "|" + nexthop + "|" + policy.orElse("dst-ip") + "|" + outputPort.orElse("");
        }
    }

    /** A NAT rule: type snat, dnat or dnat_and_snat. */
    public record NatSpec(String type, String externalIp, String logicalIp) {
        String identity() {
            return type + "|" + externalIp + "|" + logicalIp;
        }
    }

    public static Optional<Uuid> ref(NbTxn txn, String name) {
        Optional<Uuid> p = txn.pending(LogicalRouter.TABLE_NAME, name);
        if (p.isPresent()) {
            return p;
        }
        return txn.nb().lookupOne(LogicalRouter.TABLE, LogicalRouter.NAME, name).map(LogicalRouter::uuid);
    }

    public static Uuid ensureRouter(NbTxn txn, String name, Map<String, String> options, Map<String, String> externalIds) {
        return ensureRouter(txn, name, options, externalIds, Set.of());
    }

    /** A router with exactly these options, external_ids and load balancer groups (by name). */
    public static Uuid ensureRouter(NbTxn txn, String name, Map<String, String> options, Map<String, String> externalIds,
                                    Set<String> loadBalancerGroups) {
        Set<Uuid> groups = new LinkedHashSet<>();
        loadBalancerGroups.forEach(g -> groups.add(LoadBalancerOps.groupRef(txn, g)
                .orElseThrow(() -> new IllegalStateException("load balancer group " + g + " does not exist"))));
        Optional<Uuid> pending = txn.pending(LogicalRouter.TABLE_NAME, name);
        if (pending.isPresent()) {
            return pending.get();
        }
        Optional<LogicalRouter> cur = txn.nb().lookupOne(LogicalRouter.TABLE, LogicalRouter.NAME, name);
        if (cur.isEmpty()) {
            Operation.Insert ins = txn.insert(LogicalRouter.TABLE, "lr")
                    .set(LogicalRouter.NAME, name).set(LogicalRouter.OPTIONS, options)
                    .set(LogicalRouter.EXTERNAL_IDS, externalIds).set(LogicalRouter.LOAD_BALANCER_GROUP, groups);
            txn.addKeyedInsert(LogicalRouter.TABLE, LogicalRouter.NAME, name, ins);
            txn.markPending(LogicalRouter.TABLE_NAME, name, ins.ref());
            return ins.ref();
        }
        new Diff<>(LogicalRouter.TABLE, cur.get()).set(LogicalRouter.OPTIONS, options)
                .set(LogicalRouter.EXTERNAL_IDS, externalIds).set(LogicalRouter.LOAD_BALANCER_GROUP, groups).addTo(txn);
        return cur.get().uuid();
    }

    public static void deleteRouter(NbTxn txn, LogicalRouter router) {
        txn.add(Operation.delete(LogicalRouter.TABLE).where(Condition.uuid(router.uuid())));
    }

    /**
     * Makes the router's static routes tagged with {@code externalIds} exactly {@code routes} (routes of other
     * owners are left alone).
     */
    public static void ensureRoutes(NbTxn txn, String router, Map<String, String> externalIds, Set<RouteSpec> routes) {
        ensureOwnedRows(txn, router, LogicalRouter.STATIC_ROUTES, LogicalRouterStaticRoute.TABLE, externalIds, routes,
                x -> new RouteSpec(x.ipPrefix(), x.nexthop(), x.policy(), x.outputPort()).identity(), RouteSpec::identity,
                r -> txn.insert(LogicalRouterStaticRoute.TABLE, "route")
                        .set(LogicalRouterStaticRoute.IP_PREFIX, r.ipPrefix()).set(LogicalRouterStaticRoute.NEXTHOP, r.nexthop())
                        .set(LogicalRouterStaticRoute.POLICY, r.policy()).set(LogicalRouterStaticRoute.OUTPUT_PORT, r.outputPort()));
    }

    /** Makes the router's NAT rules tagged with {@code externalIds} exactly {@code nats}. */
    public static void ensureNats(NbTxn txn, String router, Map<String, String> externalIds, Set<NatSpec> nats) {
        ensureOwnedRows(txn, router, LogicalRouter.NAT, NAT.TABLE, externalIds, nats,
                x -> new NatSpec(x.type(), x.externalIp(), x.logicalIp()).identity(), NatSpec::identity,
                n -> txn.insert(NAT.TABLE, "nat").set(NAT.TYPE, n.type())
                        .set(NAT.EXTERNAL_IP, n.externalIp()).set(NAT.LOGICAL_IP, n.logicalIp()));
    }

    /**
     * Of the rows the router's {@code column} references, those tagged with {@code externalIds} become exactly
     * {@code wanted} (compared by identity): missing ones are inserted, stale and duplicate ones dropped, in one
     * mutate; rows of other owners are left alone.
     */
    private static <R extends TypedRow, S> void ensureOwnedRows(NbTxn txn, String router, Column<Set<Uuid>> column,
            Table<R> table, Map<String, String> externalIds, Set<S> wanted, Function<R, String> rowIdentity,
            Function<S, String> specIdentity, Function<S, Operation.Insert> insert) {
        Uuid lr = ref(txn, router).orElseThrow(() -> new IllegalStateException("logical router " + router + " does not exist"));
        Map<String, Uuid> existing = new HashMap<>();
        Set<Uuid> stale = new HashSet<>();
        txn.nb().get(LogicalRouter.TABLE, lr).ifPresent(r -> r.row().get(column).forEach(u ->
                txn.nb().get(table, u).filter(x -> externalIds.equals(x.row().get("external_ids"))).ifPresent(x -> {
                    if (existing.putIfAbsent(rowIdentity.apply(x), u) != null) {
                        stale.add(u);
                    }
                })));
        Set<Uuid> added = new HashSet<>();
        Set<String> wantedIds = new HashSet<>();
        boolean guarded = false;
        for (S spec : wanted) {
            String id = specIdentity.apply(spec);
            wantedIds.add(id);
            if (!existing.containsKey(id)) {
                if (!guarded) {
                    txn.nb().get(LogicalRouter.TABLE, lr).ifPresent(r ->
                            txn.addUnchangedGuard(LogicalRouter.TABLE, lr, column, r.row().get(column)));
                    guarded = true;
                }
                Operation.Insert ins = insert.apply(spec).set("external_ids", externalIds);
                txn.add(ins);
                added.add(ins.ref());
            }
        }
        existing.forEach((id, u) -> {
            if (!wantedIds.contains(id)) {
                stale.add(u);
            }
        });
        if (added.isEmpty() && stale.isEmpty()) {
            return;
        }
        Operation.Mutate m = Operation.mutate(LogicalRouter.TABLE).where(Condition.uuid(lr));
        if (!stale.isEmpty()) {
            m = m.with(column.delete(stale));
        }
        if (!added.isEmpty()) {
            m = m.with(column.insert(added));
        }
        txn.add(m);
    }

    public static void ensurePort(NbTxn txn, String router, RouterPortSpec spec) {
        Uuid lr = ref(txn, router).orElseThrow(() -> new IllegalStateException("logical router " + router + " does not exist"));
        if (txn.pending(LogicalRouterPort.TABLE_NAME, spec.name()).isPresent()) {
            return;
        }
        Optional<LogicalRouterPort> cur = txn.nb().lookupOne(LogicalRouterPort.TABLE, LogicalRouterPort.NAME, spec.name());
        if (cur.isEmpty()) {
            Operation.Insert ins = txn.insert(LogicalRouterPort.TABLE, "lrp")
                    .set(LogicalRouterPort.NAME, spec.name()).set(LogicalRouterPort.MAC, spec.mac())
                    .set(LogicalRouterPort.NETWORKS, spec.networks())
                    .set(LogicalRouterPort.EXTERNAL_IDS, spec.externalIds());
            txn.add(ins);
            txn.markPending(LogicalRouterPort.TABLE_NAME, spec.name(), ins.ref());
            txn.add(Operation.mutate(LogicalRouter.TABLE).where(Condition.uuid(lr))
                    .with(LogicalRouter.PORTS.insert(Set.of(ins.ref()))));
            return;
        }
        new Diff<>(LogicalRouterPort.TABLE, cur.get()).set(LogicalRouterPort.MAC, spec.mac())
                .set(LogicalRouterPort.NETWORKS, spec.networks())
                .set(LogicalRouterPort.EXTERNAL_IDS, spec.externalIds()).addTo(txn);
        boolean attached = txn.nb().get(LogicalRouter.TABLE, lr).map(r -> r.ports().contains(cur.get().uuid())).orElse(false);
        if (!attached) {
            txn.add(Operation.mutate(LogicalRouter.TABLE).where(Condition.uuid(lr))
                    .with(LogicalRouter.PORTS.insert(Set.of(cur.get().uuid()))));
        }
    }

    /** Detaches a router port from its routers (OVSDB then deletes the unreferenced row). */
    public static void deletePort(NbTxn txn, LogicalRouterPort port) {
        for (LogicalRouter r : txn.nb().list(LogicalRouter.TABLE)) {
            if (r.ports().contains(port.uuid())) {
                txn.add(Operation.mutate(LogicalRouter.TABLE).where(Condition.uuid(r.uuid()))
                        .with(LogicalRouter.PORTS.delete(Set.of(port.uuid()))));
            }
        }
    }
}
