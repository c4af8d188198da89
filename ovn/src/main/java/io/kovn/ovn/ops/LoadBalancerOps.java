package io.kovn.ovn.ops;

import io.kovn.ovn.nb.LoadBalancer;
import io.kovn.ovn.nb.LoadBalancerGroup;
import io.kovn.ovn.nb.LogicalRouter;
import io.kovn.ovsdb.wire.Condition;
import io.kovn.ovsdb.wire.Operation;
import io.kovn.ovsdb.wire.Uuid;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Load balancers and load balancer groups. */
public final class LoadBalancerOps {
    private LoadBalancerOps() {
    }

    /** {@code protocol} is tcp, udp or sctp; {@code vips} maps "vip:port" to "backend:port,...". */
    public record LoadBalancerSpec(String name, String protocol, Map<String, String> vips, Map<String, String> options,
                                   Map<String, String> externalIds) {
    }

    public static Optional<Uuid> groupRef(NbTxn txn, String name) {
        Optional<Uuid> p = txn.pending(LoadBalancerGroup.TABLE_NAME, name);
        if (p.isPresent()) {
            return p;
        }
        return txn.nb().lookupOne(LoadBalancerGroup.TABLE, LoadBalancerGroup.NAME, name).map(LoadBalancerGroup::uuid);
    }

    public static Uuid ensureGroup(NbTxn txn, String name) {
        Optional<Uuid> ref = groupRef(txn, name);
        if (ref.isPresent()) {
            return ref.get();
        }
        Operation.Insert ins = txn.insert(LoadBalancerGroup.TABLE, "lbg")
                .set(LoadBalancerGroup.NAME, name);
        txn.add(ins);
        txn.markPending(LoadBalancerGroup.TABLE_NAME, name, ins.ref());
        return ins.ref();
    }

    /** Creates or corrects a load balancer and makes sure it is a member of {@code group}. */
    public static void ensure(NbTxn txn, LoadBalancerSpec spec, String group) {
        Uuid g = groupRef(txn, group).orElseThrow(() -> new IllegalStateException("load balancer group " + group + " does not exist"));
        Uuid lb = ensureRow(txn, spec);
        boolean member = txn.nb().get(LoadBalancerGroup.TABLE, g).map(x -> x.loadBalancer().contains(lb)).orElse(false);
        if (!member) {
            txn.add(Operation.mutate(LoadBalancerGroup.TABLE).where(Condition.uuid(g))
                    .with(LoadBalancerGroup.LOAD_BALANCER.insert(Set.of(lb))));
        }
    }

    /** Creates or corrects a load balancer and makes sure {@code router} uses it. */
    public static void ensureOnRouter(NbTxn txn, LoadBalancerSpec spec, String router) {
        Uuid lr = RouterOps.ref(txn, router).orElseThrow(() -> new IllegalStateException("logical router " + router + " does not exist"));
        Uuid lb = ensureRow(txn, spec);
        boolean attached = txn.nb().get(LogicalRouter.TABLE, lr).map(r -> r.loadBalancer().contains(lb)).orElse(false);
        if (!attached) {
            txn.add(Operation.mutate(LogicalRouter.TABLE).where(Condition.uuid(lr))
                    .with(LogicalRouter.LOAD_BALANCER.insert(Set.of(lb))));
        }
    }

    /** The load balancer row as {@code spec} says: inserted (its named uuid returned) or corrected in place. */
    private static Uuid ensureRow(NbTxn txn, LoadBalancerSpec spec) {
        Optional<Uuid> pending = txn.pending(LoadBalancer.TABLE_NAME, spec.name());
        if (pending.isPresent()) {
            return pending.get();
        }
        Optional<LoadBalancer> cur = txn.nb().lookupOne(LoadBalancer.TABLE, LoadBalancer.NAME, spec.name());
        if (cur.isEmpty()) {
            Operation.Insert ins = txn.insert(LoadBalancer.TABLE, "lb")
                    .set(LoadBalancer.NAME, spec.name()).set(LoadBalancer.PROTOCOL, Optional.of(spec.protocol()))
                    .set(LoadBalancer.VIPS, spec.vips()).set(LoadBalancer.OPTIONS, spec.options())
                    .set(LoadBalancer.EXTERNAL_IDS, spec.externalIds());
            txn.addKeyedInsert(LoadBalancer.TABLE, LoadBalancer.NAME, spec.name(), ins);
            txn.markPending(LoadBalancer.TABLE_NAME, spec.name(), ins.ref());
            return ins.ref();
        }
        new Diff<>(LoadBalancer.TABLE, cur.get()).set(LoadBalancer.PROTOCOL, Optional.of(spec.protocol()))
                .set(LoadBalancer.VIPS, spec.vips()).set(LoadBalancer.OPTIONS, spec.options())
                .set(LoadBalancer.EXTERNAL_IDS, spec.externalIds()).addTo(txn);
        return cur.get().uuid();
    }

    /** Deletes a load balancer; groups drop it by themselves (their reference is weak). */
    public static void delete(NbTxn txn, LoadBalancer lb) {
        txn.add(Operation.delete(LoadBalancer.TABLE).where(Condition.uuid(lb.uuid())));
    }
}
