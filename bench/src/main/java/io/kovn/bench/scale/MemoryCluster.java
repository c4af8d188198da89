package io.kovn.bench.scale;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.kovn.controller.ClusterApi;
import io.kovn.ovsdb.wire.OvsdbJson;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.LongSupplier;
import tools.jackson.databind.JsonNode;

/**
 * The API server of the scale benchmark, in memory: the objects by kind, and the informers subscribed to them. A
 * change (the benchmark's, or a write of the controller through {@link ClusterApi}) replaces the object with a new
 * one carrying the next resourceVersion and is delivered to every informer of its kind, as a watch would deliver
 * it, so the controller sees the echo of its own annotation and condition writes. Objects are never modified in
 * place: informers and the controller share them, and a write copies only what it changes (a pod's spec is shared
 * by its versions), so that the stand-in for the API server costs the controller's cores little; a real API server
 * runs elsewhere.
 */
public final class MemoryCluster implements ClusterApi {
    private final Map<Class<?>, Map<String, HasMetadata>> objects = new HashMap<>();
    private final Map<Class<?>, List<MemoryInformer<?>>> informers = new HashMap<>();
    private final List<BiConsumer<Pod, Long>> podAnnotated = new CopyOnWriteArrayList<>();
    private final AtomicLong events = new AtomicLong();
    private long resourceVersion;

    /** A cluster holding {@code objects} (each kind's informers list them when they start). */
    public static MemoryCluster of(List<? extends HasMetadata> all) {
        MemoryCluster c = new MemoryCluster();
        all.forEach(c::put);
        return c;
    }

    synchronized long resourceVersion() {
        return resourceVersion;
    }

    /**
     * Called with the pod and {@link System#nanoTime()} whenever the controller writes a pod's annotations, until
     * the returned action runs.
     */
    public Runnable onPodAnnotated(BiConsumer<Pod, Long> listener) {
        podAnnotated.add(listener);
        return () -> podAnnotated.remove(listener);
    }

    /**
     * The heap in bytes the cluster's pods hold alone as they stand (with the annotations and conditions the
     * controller wrote): what the API server holds in production, not the controller. {@code heapAfterGc} is
     * measured with them, then with them out of the heap (serialized; less the serialized bytes), then they are
     * read back. What they share with others (the leaves the pods informer's copies keep) stays counted as the
     * others'.
     */
    public synchronized long podsHeapAlone(LongSupplier heapAfterGc) {
        // the JSON (de)serializers of pods, made on first use, must not count as the pods' absence
        list(Pod.class).stream().findFirst()
                .ifPresent(p -> Serialization.unmarshal(Serialization.asJson(p), Pod.class));
        long with = heapAfterGc.getAsLong();
        List<byte[]> saved = serialized(objects.remove(Pod.class));
        long savedBytes = 16 + align(16 + 4L * saved.size());
        for (byte[] b : saved) {
            savedBytes += align(16 + b.length);
        }
        long without = heapAfterGc.getAsLong() - savedBytes;
        Map<String, HasMetadata> pods = new HashMap<>();
        for (byte[] b : saved) {
            Pod p = Serialization.unmarshal(new String(b, StandardCharsets.UTF_8), Pod.class);
            pods.put(MemoryIndexer.key(p), p);
        }
        objects.put(Pod.class, pods);
        return with - without;
    }

    private static List<byte[]> serialized(Map<String, HasMetadata> pods) {
        List<byte[]> out = new ArrayList<>(pods == null ? 0 : pods.size());
        if (pods != null) {
            pods.values().forEach(p -> out.add(Serialization.asJson(p).getBytes(StandardCharsets.UTF_8)));
        }
        return out;
    }

    private static long align(long bytes) {
        return (bytes + 7) & ~7L;
    }

    /** Events the controller recorded. */
    public long events() {
        return events.get();
    }

    /** Creates or replaces an object; its informers see an add or an update. */
    public synchronized void put(HasMetadata obj) {
        obj.getMetadata().setResourceVersion(Long.toString(++resourceVersion));
        HasMetadata before = objects.computeIfAbsent(obj.getClass(), k -> new HashMap<>()).put(MemoryIndexer.key(obj), obj);
        publish(obj.getClass(), before, obj);
    }

    public synchronized void delete(HasMetadata obj) {
        Map<String, HasMetadata> kind = objects.get(obj.getClass());
        HasMetadata before = kind == null ? null : kind.remove(MemoryIndexer.key(obj));
        if (before != null) {
            resourceVersion++;
            publish(obj.getClass(), before, null);
        }
    }

    /** The object of this kind and key ("namespace/name" or "name"), or null. */
    public synchronized <T extends HasMetadata> T get(Class<T> type, String key) {
        Map<String, HasMetadata> kind = objects.get(type);
        return kind == null ? null : type.cast(kind.get(key));
    }

    public synchronized <T extends HasMetadata> List<T> list(Class<T> type) {
        List<T> out = new ArrayList<>();
        objects.getOrDefault(type, Map.of()).values().forEach(o -> out.add(type.cast(o)));
        return out;
    }

    @SuppressWarnings("unchecked")
    private <T extends HasMetadata> void publish(Class<?> type, HasMetadata before, HasMetadata now) {
        for (MemoryInformer<?> i : informers.getOrDefault(type, List.of())) {
            ((MemoryInformer<T>) i).changed((T) before, (T) now);
        }
    }

    synchronized <T extends HasMetadata> void subscribe(Class<T> type, MemoryInformer<T> informer) {
        informers.computeIfAbsent(type, k -> new CopyOnWriteArrayList<>()).add(informer);
        informer.listed(list(type));
    }

    synchronized <T extends HasMetadata> void unsubscribe(Class<T> type, MemoryInformer<T> informer) {
        List<MemoryInformer<?>> l = informers.get(type);
        if (l != null) {
            l.remove(informer);
        }
    }

    @Override
    public <T extends HasMetadata> SharedIndexInformer<T> informer(Class<T> type, long resyncMillis) {
        return new MemoryInformer<>(type, this);
    }

    @Override
    public Pod pod(String namespace, String name) {
        return get(Pod.class, namespace + "/" + name);
    }

    @Override
    public Pod annotatePod(String namespace, String name, Map<String, String> annotations) {
        Pod patched;
        synchronized (this) {
            Pod cur = existing(Pod.class, namespace + "/" + name);
            ObjectMeta meta = copy(cur.getMetadata());
            Map<String, String> merged = meta.getAnnotations() == null ? new HashMap<>() : new HashMap<>(meta.getAnnotations());
            merged.putAll(annotations);
            meta.setAnnotations(merged);
            patched = new Pod(cur.getApiVersion(), cur.getKind(), meta, cur.getSpec(), cur.getStatus());
            put(patched);
        }
        long now = System.nanoTime();
        podAnnotated.forEach(l -> l.accept(patched, now));
        return patched;
    }

    @Override
    public synchronized Node annotateNode(String name, Map<String, String> annotations) {
        Node patched = new NodeBuilder(existing(Node.class, name)).editMetadata().addToAnnotations(annotations)
                .endMetadata().build();
        put(patched);
        return patched;
    }

    /** Applies the JSON patches the controller sends for its pod condition (add/replace/test under /status, test of the resourceVersion). */
    @Override
    public synchronized void patchPodStatus(String namespace, String name, String jsonPatch) {
        Pod cur = existing(Pod.class, namespace + "/" + name);
        PodStatus status = cur.getStatus() == null ? new PodStatus() : copy(cur.getStatus());
        List<PodCondition> conditions = status.getConditions() == null ? new ArrayList<>() : new ArrayList<>(status.getConditions());
        for (JsonNode op : OvsdbJson.MAPPER.readTree(jsonPatch)) {
            String path = op.path("path").asString();
            String kind = op.path("op").asString();
            JsonNode value = op.path("value");
            if ("test".equals(kind) && "/metadata/resourceVersion".equals(path)) {
                if (!value.asString().equals(cur.getMetadata().getResourceVersion())) {
                    throw new KubernetesClientException("test failed: " + path);
                }
            } else if ("test".equals(kind)) {
                int i = Integer.parseInt(path.split("/")[3]);
                if (i >= conditions.size() || !value.asString().equals(conditions.get(i).getType())) {
                    throw new KubernetesClientException("test failed: " + path);
                }
            } else if ("/status".equals(path)) {
                conditions = conditions(value.path("conditions"));
            } else if ("/status/conditions".equals(path)) {
                conditions = conditions(value);
            } else if ("/status/conditions/-".equals(path)) {
                conditions.add(condition(value));
            } else if (path.startsWith("/status/conditions/") && "replace".equals(kind)) {
                conditions.set(Integer.parseInt(path.substring("/status/conditions/".length())), condition(value));
            } else {
                throw new IllegalArgumentException("the memory cluster does not apply " + kind + " " + path);
            }
        }
        status.setConditions(conditions);
        put(new Pod(cur.getApiVersion(), cur.getKind(), copy(cur.getMetadata()), cur.getSpec(), status));
    }

    /**
     * A shallow copy of an object's metadata, to be changed and stored as the next version (the lists and maps it
     * shares are never modified in place). Field by field rather than through fabric8's builders: this stand-in for
     * the API server runs in the controller's JVM, and their deep copies cost it as much as the controller's work.
     */
    private static ObjectMeta copy(ObjectMeta m) {
        ObjectMeta c = new ObjectMeta();
        c.setAnnotations(m.getAnnotations());
        c.setCreationTimestamp(m.getCreationTimestamp());
        c.setDeletionGracePeriodSeconds(m.getDeletionGracePeriodSeconds());
        c.setDeletionTimestamp(m.getDeletionTimestamp());
        c.setFinalizers(m.getFinalizers());
        c.setGenerateName(m.getGenerateName());
        c.setGeneration(m.getGeneration());
        c.setLabels(m.getLabels());
        c.setManagedFields(m.getManagedFields());
        c.setName(m.getName());
        c.setNamespace(m.getNamespace());
        c.setOwnerReferences(m.getOwnerReferences());
        c.setResourceVersion(m.getResourceVersion());
        c.setUid(m.getUid());
        return c;
    }

    /** A shallow copy of a pod's status whose conditions the caller replaces. */
    private static PodStatus copy(PodStatus s) {
        PodStatus c = new PodStatus();
        c.setConditions(s.getConditions());
        c.setContainerStatuses(s.getContainerStatuses());
        c.setEphemeralContainerStatuses(s.getEphemeralContainerStatuses());
        c.setHostIP(s.getHostIP());
        c.setHostIPs(s.getHostIPs());
        c.setInitContainerStatuses(s.getInitContainerStatuses());
        c.setMessage(s.getMessage());
        c.setNominatedNodeName(s.getNominatedNodeName());
        c.setPhase(s.getPhase());
        c.setPodIP(s.getPodIP());
        c.setPodIPs(s.getPodIPs());
        c.setQosClass(s.getQosClass());
        c.setReason(s.getReason());
        c.setResize(s.getResize());
        c.setResourceClaimStatuses(s.getResourceClaimStatuses());
        c.setStartTime(s.getStartTime());
        return c;
    }

    private static List<PodCondition> conditions(JsonNode array) {
        List<PodCondition> out = new ArrayList<>();
        array.forEach(c -> out.add(condition(c)));
        return out;
    }

    /**
     * A condition from its JSON, field by field (what the controller's patch holds) rather than through fabric8's
     * object mapper: this stand-in for the API server runs in the controller's JVM, and a real one does this work on
     * its own cores.
     */
    private static PodCondition condition(JsonNode c) {
        PodCondition out = new PodCondition();
        out.setType(text(c, "type"));
        out.setStatus(text(c, "status"));
        out.setReason(text(c, "reason"));
        out.setMessage(text(c, "message"));
        out.setLastTransitionTime(text(c, "lastTransitionTime"));
        out.setLastProbeTime(text(c, "lastProbeTime"));
        return out;
    }

    private static String text(JsonNode c, String field) {
        JsonNode v = c.get(field);
        return v == null || v.isNull() ? null : v.asString();
    }

    @Override
    public void createEvent(Event event) {
        events.incrementAndGet();
    }

    private <T extends HasMetadata> T existing(Class<T> type, String key) {
        T cur = get(type, key);
        if (cur == null) {
            throw new KubernetesClientException(type.getSimpleName() + " " + key + " not found");
        }
        return cur;
    }
}
