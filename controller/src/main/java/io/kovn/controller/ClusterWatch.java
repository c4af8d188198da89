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
import io.kovn.controller.reconcile.PolicyEvents;
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
import java.util.function.BooleanSupplier;

/**
 * The controller's view of the cluster: the informers it runs, each declared once here ({@link Watch}: resource,
 * indexes, what the controller reads, the keys an event maps to), started and stopped together through
 * {@link Informers}, and the {@link ClusterState} the reconcilers read from them. The leader and {@code kovn audit}
 * both build theirs from these declarations.
 */
final class ClusterWatch {
    static final Watch<Node> NODES = new Watch<>("nodes", Node.class, ClusterState.nodeIndexers(), NodeEvents::reads,
            NodeEvents::keys).storing(ModelCopy::of);
    static final Watch<Pod> PODS = new Watch<>("pods", Pod.class, ClusterState.podIndexers(), PodEvents::reads,
            PodEvents::keys).storing(StoredPod::of);
    static final Watch<Service> SERVICES = Watch.ofKind("services", Service.class, ObjectKey.Kind.SERVICE,
            svc -> Arrays.asList(svc.getSpec(), svc.getStatus() == null ? null : svc.getStatus().getLoadBalancer()))
            .storing(ModelCopy::of);
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
            }).storing(ModelCopy::of);
    static final Watch<Namespace> NAMESPACES = new Watch<>("namespaces", Namespace.class, Map.of(),
            ns -> Arrays.asList(ns.getMetadata().getLabels(), ns.getMetadata().getAnnotations()),
            (state, before, after) -> state.namespaceKeys((after != null ? after : before).getMetadata().getName()))
            .storing(ModelCopy::of);
    /** A policy's events map to the policy, its namespace's isolation and the shared sets of its peers. */
    static final Watch<NetworkPolicy> POLICIES = new Watch<>("networkpolicies", NetworkPolicy.class,
            ClusterState.policyIndexers(), NetworkPolicy::getSpec, PolicyEvents::keys).storing(ModelCopy::of);

    private final ClusterState state;
    private final BooleanSupplier ready;
    private final Consumer<ObjectKey> sink;
    private final Informers informers;
    /** Objects each informer holds, by the kind they are (counted from the events: no copy of a store per scrape). */
    private final Map<ObjectKey.Kind, AtomicInteger> counts = new EnumMap<>(ObjectKey.Kind.class);

    /**
     * Creates the informers (not started) in {@code informers}, with the indexes their watches declare, and the state
     * over them. Once {@code ready} says so, the keys of every event go to {@code sink}; before, events are dropped
     * (whoever made it ready then lists the stores whole).
     */
    ClusterWatch(ControllerConfig config, ClusterApi api, DatabaseReplica nb, EventRecorder events, Informers informers,
                 BooleanSupplier ready, Consumer<ObjectKey> sink) {
        this.informers = informers;
        this.ready = ready;
        this.sink = sink;
        for (ObjectKey.Kind kind : ObjectKey.Kind.values()) {
            counts.put(kind, new AtomicInteger());
        }
        long resync = config.resync().toMillis();
        CopyingItemStore<Pod> pods = new CopyingItemStore<>(PODS.stored(), PODS.indexers());
        this.state = new ClusterState(config, api, nb, events,
                create(api, resync, NODES, ObjectKey.Kind.NODE, null),
                create(api, resync, PODS, ObjectKey.Kind.POD, pods), pods,
                create(api, resync, SERVICES, ObjectKey.Kind.SERVICE, null),
                create(api, resync, SLICES, null, null),
                create(api, resync, NAMESPACES, ObjectKey.Kind.NAMESPACE, null),
                create(api, resync, POLICIES, ObjectKey.Kind.NETWORK_POLICY, null));
    }

    /**
     * {@code kind}: what the informer's objects are counted as, null for none; {@code store}: the store keeping the
     * watch's copies and indexes, null for the informer's own store and indexes.
     */
    private <T extends HasMetadata> SharedIndexInformer<T> create(ClusterApi api, long resyncMillis, Watch<T> watch,
                                                                  ObjectKey.Kind kind, CopyingItemStore<T> store) {
        SharedIndexInformer<T> informer = informers.add(watch.resource(), api.informer(watch.type(), resyncMillis));
        if (store != null) {
            informer.itemStore(store);
            // the store indexes by namespace itself, in less memory
            informer.removeNamespaceIndex();
        } else {
            if (watch.stored() != null) {
                informer.itemStore(new CopyingItemStore<>(watch.stored(), Map.of()));
            }
            if (!watch.indexers().isEmpty()) {
                informer.addIndexers(watch.indexers());
            }
        }
        informer.addEventHandler(handler(watch, kind == null ? new AtomicInteger() : counts.get(kind)));
        return informer;
    }

    /** The state the reconcilers read, over these informers. */
    ClusterState state() {
        return state;
    }

    /** Objects of {@code kind} the informers hold. */
    int count(ObjectKey.Kind kind) {
        return counts.get(kind).get();
    }

    private <T extends HasMetadata> ResourceEventHandler<T> handler(Watch<T> watch, AtomicInteger count) {
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
                if (ready.getAsBoolean()) {
                    watch.keys(state, before, after).stream().filter(Objects::nonNull).forEach(sink);
                }
            }
        };
    }
}
