package io.kovn.controller;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.kovn.controller.reconcile.ClusterState;
import io.kovn.controller.reconcile.NodeEvents;
import io.kovn.controller.reconcile.PodEvents;
import io.kovn.controller.reconcile.ServiceReconciler;
import io.kovn.ovsdb.replica.DatabaseReplica;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The controller's view of the cluster: the informers it runs, each declared once here ({@link Watch}: resource,
 * indexes, what the controller reads, the keys an event maps to), started and stopped together through
 * {@link Informers}, and the {@link ClusterState} the reconcilers read from them. The leader and {@code kovn audit}
 * both build theirs from these declarations.
 */
final class ClusterWatch {
    static final Watch<Node> NODES = new Watch<>("nodes", Node.class, Map.of(), NodeEvents::reads, NodeEvents::keys);
    static final Watch<Pod> PODS = new Watch<>("pods", Pod.class, ClusterState.podIndexers(), PodEvents::reads,
            PodEvents::keys);
    static final Watch<Service> SERVICES = Watch.ofKind("services", Service.class, ObjectKey.Kind.SERVICE,
            svc -> Arrays.asList(svc.getSpec(), svc.getStatus() == null ? null : svc.getStatus().getLoadBalancer()));
    /** A slice's events map to its Service, before and after (its service-name label may change). */
    static final Watch<EndpointSlice> SLICES = new Watch<>("endpointslices", EndpointSlice.class,
            ClusterState.sliceIndexers(),
            s -> Arrays.asList(ServiceReconciler.sliceServiceKey(s), s.getAddressType(), s.getPorts(), s.getEndpoints()),
            (state, before, after) -> {
                Set<ObjectKey> keys = new LinkedHashSet<>();
                for (EndpointSlice s : Arrays.asList(before, after)) {
                    String svc = s == null ? null : ServiceReconciler.sliceServiceKey(s);
                    if (svc != null) {
                        keys.add(ObjectKey.service(s.getMetadata().getNamespace(), svc.substring(svc.indexOf('/') + 1)));
                    }
                }
                return new ArrayList<>(keys);
            });
    static final Watch<Namespace> NAMESPACES = new Watch<>("namespaces", Namespace.class, Map.of(),
            ns -> Arrays.asList(ns.getMetadata().getLabels(), ns.getMetadata().getAnnotations()),
            (state, before, after) -> state.namespaceKeys((after != null ? after : before).getMetadata().getName()));
    /** A policy's events map to the policy and to its namespace's isolation. */
    static final Watch<NetworkPolicy> POLICIES = new Watch<>("networkpolicies", NetworkPolicy.class,
            ClusterState.policyIndexers(), NetworkPolicy::getSpec, (state, before, after) -> {
                NetworkPolicy np = after != null ? after : before;
                return List.of(ObjectKey.Kind.NETWORK_POLICY.key(np), ObjectKey.namespace(np.getMetadata().getNamespace()));
            });

    final SharedIndexInformer<Node> nodes;
    final SharedIndexInformer<Pod> pods;
    final SharedIndexInformer<Service> services;
    final SharedIndexInformer<EndpointSlice> slices;
    final SharedIndexInformer<Namespace> namespaces;
    final SharedIndexInformer<NetworkPolicy> policies;
    private final Informers informers;
    /** Objects each informer holds, by the kind they are (counted from the events: no copy of a store per scrape). */
    private final Map<ObjectKey.Kind, AtomicInteger> counts = new EnumMap<>(ObjectKey.Kind.class);

    /** Creates the informers (not started) in {@code informers}, with the indexes their watches declare. */
    ClusterWatch(ClusterApi api, long resyncMillis, Informers informers) {
        this.informers = informers;
        this.nodes = create(api, resyncMillis, NODES);
        this.pods = create(api, resyncMillis, PODS);
        this.services = create(api, resyncMillis, SERVICES);
        this.slices = create(api, resyncMillis, SLICES);
        this.namespaces = create(api, resyncMillis, NAMESPACES);
        this.policies = create(api, resyncMillis, POLICIES);
        for (ObjectKey.Kind kind : ObjectKey.Kind.values()) {
            counts.put(kind, new AtomicInteger());
        }
    }

    private <T extends HasMetadata> SharedIndexInformer<T> create(ClusterApi api, long resyncMillis, Watch<T> watch) {
        SharedIndexInformer<T> informer = informers.add(watch.resource(), api.informer(watch.type(), resyncMillis));
        if (!watch.indexers().isEmpty()) {
            informer.addIndexers(watch.indexers());
        }
        return informer;
    }

    ClusterState state(ControllerConfig config, ClusterApi api, DatabaseReplica nb, EventRecorder events) {
        return new ClusterState(config, api, nb, events, nodes, pods, services, slices, namespaces, policies);
    }

    /**
     * Sends the keys of every event to {@code sink} once {@code state} gives a state (before, events are dropped:
     * whoever creates the state then lists the stores whole).
     */
    void dispatchTo(Supplier<ClusterState> state, Consumer<ObjectKey> sink) {
        nodes.addEventHandler(handler(NODES, ObjectKey.Kind.NODE, state, sink));
        pods.addEventHandler(handler(PODS, ObjectKey.Kind.POD, state, sink));
        services.addEventHandler(handler(SERVICES, ObjectKey.Kind.SERVICE, state, sink));
        slices.addEventHandler(handler(SLICES, null, state, sink));
        namespaces.addEventHandler(handler(NAMESPACES, ObjectKey.Kind.NAMESPACE, state, sink));
        policies.addEventHandler(handler(POLICIES, ObjectKey.Kind.NETWORK_POLICY, state, sink));
    }

    /** Objects of {@code kind} the informers hold. */
    int count(ObjectKey.Kind kind) {
        return counts.get(kind).get();
    }

    /** {@code kind}: what the informer's objects are counted as, null for none. */
    private <T extends HasMetadata> ResourceEventHandler<T> handler(Watch<T> watch, ObjectKey.Kind kind,
                                                                    Supplier<ClusterState> state, Consumer<ObjectKey> sink) {
        AtomicInteger count = kind == null ? new AtomicInteger() : counts.get(kind);
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(T obj) {
                count.incrementAndGet();
                dispatch(null, obj);
            }

            @Override
            public void onUpdate(T old, T obj) {
                dispatch(old, obj);
            }

            @Override
            public void onDelete(T obj, boolean unknownFinalState) {
                count.decrementAndGet();
                dispatch(obj, null);
            }

            private void dispatch(T before, T after) {
                ClusterState s = state.get();
                if (s != null) {
                    watch.keys(s, before, after).stream().filter(Objects::nonNull).forEach(sink);
                }
            }
        };
    }
}
