package io.kovn.controller;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reports problems (and decisions worth an audit trail, such as a signed certificate) as Kubernetes Events on
 * the object concerned, at most once a minute per object, reason and message.
 */
public final class EventRecorder {
    private static final Logger log = LoggerFactory.getLogger(EventRecorder.class);
    private static final long MIN_INTERVAL_MS = 60_000;

    private final ClusterApi api;
    private final String component;
    private final Map<String, Long> lastSent = new ConcurrentHashMap<>();

    public EventRecorder(KubernetesClient kube, String component) {
        this(new FabricClusterApi(kube), component);
    }

    public EventRecorder(ClusterApi api, String component) {
        this.api = api;
        this.component = component;
    }

    public void warning(HasMetadata object, String reason, String message) {
        record(object, "Warning", reason, message);
    }

    /** A step done (e.g. a NetworkPolicy written to NB), same rate limit as warnings. */
    public void normal(HasMetadata object, String reason, String message) {
        record(object, "Normal", reason, message);
    }

    private void record(HasMetadata object, String type, String reason, String message) {
        String ns = object.getMetadata().getNamespace();
        String key = object.getKind() + "/" + ns + "/" + object.getMetadata().getName() + "/" + reason + "/" + message;
        long now = System.currentTimeMillis();
        Long last = lastSent.get(key);
        if (last != null && now - last < MIN_INTERVAL_MS) {
            return;
        }
        lastSent.put(key, now);
        String eventNs = ns == null || ns.isEmpty() ? "default" : ns;
        String ts = Instant.now().toString();
        try {
            api.createEvent(new EventBuilder()
                    .withNewMetadata().withNamespace(eventNs)
                    .withName(object.getMetadata().getName() + "." + UUID.randomUUID().toString().substring(0, 8))
                    .endMetadata()
                    .withInvolvedObject(new ObjectReferenceBuilder().withKind(object.getKind())
                            .withApiVersion(object.getApiVersion()).withNamespace(ns)
                            .withName(object.getMetadata().getName()).withUid(object.getMetadata().getUid()).build())
                    .withType(type).withReason(reason).withMessage(message)
                    .withFirstTimestamp(ts).withLastTimestamp(ts).withCount(1)
                    .withNewSource().withComponent(component).endSource()
                    .build());
        } catch (RuntimeException e) {
            log.warn("could not record event {} on {} {}: {}", reason, object.getKind(), object.getMetadata().getName(), e.toString());
        }
    }
}
