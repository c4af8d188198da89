package io.kovn.controller;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.kovn.controller.reconcile.ClusterState;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * One informer the controller runs, declared once: the resource it lists and watches, the indexes its store keeps,
 * what the controller reads of its objects, and the keys an event maps to. An update whose reads are equal before
 * and after (a new resourceVersion, status the controller does not read, an informer resync) maps to no key and
 * never reaches the queue. A watch may declare what its store keeps of an object ({@code stored}: a copy with
 * everything the controller reads), so the controller does not hold whole objects it reads a few fields of.
 *
 * @param resource its name in logs, {@code /healthz} and metrics ("pods")
 * @param reads    what the controller reads of an object: equal reads mean nothing to reconcile
 * @param mapping  the keys an event maps to
 * @param stored   what the store keeps of an object, null for the object itself
 */
record Watch<T extends HasMetadata>(String resource, Class<T> type, Map<String, Function<T, List<String>>> indexers,
                                    Function<T, Object> reads, EventKeys<T> mapping, UnaryOperator<T> stored) {

    Watch(String resource, Class<T> type, Map<String, Function<T, List<String>>> indexers, Function<T, Object> reads,
          EventKeys<T> mapping) {
        this(resource, type, indexers, reads, mapping, null);
    }

    /** The keys an event maps to, given the cluster's state; {@code before} null for an add, {@code after} for a delete. */
    @FunctionalInterface
    interface EventKeys<T> {
        List<ObjectKey> of(ClusterState state, T before, T after);
    }

    /** A watch whose events map to their object's own key of {@code kind}. */
    static <T extends HasMetadata> Watch<T> ofKind(String resource, Class<T> type, ObjectKey.Kind kind,
                                                   Function<T, Object> reads) {
        return new Watch<>(resource, type, Map.of(), reads, (state, before, after) ->
                List.of(kind.key(after != null ? after : before)));
    }

    Watch<T> indexedBy(Map<String, Function<T, List<String>>> more) {
        return new Watch<>(resource, type, more, reads, mapping, stored);
    }

    /** This watch with its store keeping {@code copy} of each object. */
    Watch<T> storing(UnaryOperator<T> copy) {
        return new Watch<>(resource, type, indexers, reads, mapping, copy);
    }

    /** The keys of an event, none for an update that changes nothing the controller reads. */
    List<ObjectKey> keys(ClusterState state, T before, T after) {
        if (before != null && after != null && Objects.equals(reads.apply(before), reads.apply(after))) {
            return List.of();
        }
        return mapping.of(state, before, after);
    }
}
