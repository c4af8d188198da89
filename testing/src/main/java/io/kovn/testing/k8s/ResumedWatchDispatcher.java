package io.kovn.testing.k8s;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.WatchEvent;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.crud.Attribute;
import io.fabric8.mockwebserver.crud.AttributeSet;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.OptionalLong;

/**
 * The CRUD dispatcher whose watches resume from a {@code resourceVersion} as kube-apiserver's do, for deletions.
 * The mock starts every watch by replaying the objects that exist then (as ADDED), which covers objects created or
 * changed since the client's list, but not those deleted between the client's list and its watch: an informer
 * kept such an object for good (a controller taking over the lead during pod churn saw pods that were gone). Here
 * each deletion gets a resource version of its own, the last {@value #KEPT} are kept, and a watch from version N
 * first receives the deletions after N that it matches; from a version older than what is kept, it gets the
 * API server's answer, an ERROR event with 410 Expired, and the client lists again.
 */
public class ResumedWatchDispatcher extends KubernetesCrudDispatcher {
    static final int KEPT = 4096;

    private final int kept;

    private record Deletion(long resourceVersion, AttributeSet attributes, String object) {
    }

    /** Guarded by itself; changed under the mock's write lock, read under its read lock (handleGet). */
    private final Deque<Deletion> deletions = new ArrayDeque<>();
    private long forgottenUpTo;

    public ResumedWatchDispatcher() {
        this(KEPT);
    }

    /** Keeps the last {@code kept} deletions. */
    ResumedWatchDispatcher(int kept) {
        this.kept = kept;
    }

    @Override
    public void processEvent(String path, AttributeSet pathAttributes, AttributeSet oldAttributes,
                             GenericKubernetesResource resource, String newState) {
        String existing = newState == null && oldAttributes != null ? map.get(oldAttributes) : null;
        super.processEvent(path, pathAttributes, oldAttributes, resource, newState);
        if (existing != null) {
            long version = requestResourceVersion();
            synchronized (deletions) {
                deletions.addLast(new Deletion(version, oldAttributes, existing));
                while (deletions.size() > kept) {
                    forgottenUpTo = deletions.removeFirst().resourceVersion();
                }
            }
        }
    }

    @Override
    public MockResponse handleWatch(String path) {
        OptionalLong from = resourceVersion(path);
        List<String> first = new ArrayList<>();
        if (from.isPresent()) {
            AttributeSet query = query(path);
            synchronized (deletions) {
                if (from.getAsLong() < forgottenUpTo) {
                    return expired(from.getAsLong());
                }
                for (Deletion d : deletions) {
                    if (d.resourceVersion() > from.getAsLong() && d.attributes().matches(query)) {
                        first.add(event(d.object(), "DELETED"));
                    }
                }
            }
        }
        MockResponse r = super.handleWatch(path);
        WebSocketListener l = r.getWebSocketListener();
        if (l == null || first.isEmpty()) {
            return r;
        }
        return r.withWebSocketUpgrade(new ForwardingWebSocketListener(l) {
            @Override
            public void onOpen(WebSocket ws, Response response) {
                first.forEach(ws::send); // before the mock's own replay and whatever happened since the watch began
                delegate.onOpen(ws, response);
            }
        });
    }

    /** The watch's {@code resourceVersion}, when it names one to resume from ("" and "0" mean "from now"). */
    static OptionalLong resourceVersion(String path) {
        String v = queryParameter(path, "resourceVersion");
        if (v == null || v.isEmpty() || v.equals("0")) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseLong(v));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /** What the watch selects, as the mock's own watch computes it (path attributes, one name by field selector). */
    private AttributeSet query(String path) {
        AttributeSet query = attributeExtractor.fromPath(path);
        String fields = queryParameter(path, "fieldSelector");
        if (fields != null) {
            for (String term : fields.split(",")) {
                if (term.startsWith("metadata.name=")) {
                    query = query.add(new Attribute("name", term.substring("metadata.name=".length())));
                }
            }
        }
        return query;
    }

    private static String queryParameter(String path, String name) {
        String query = URI.create(path).getRawQuery();
        if (query == null) {
            return null;
        }
        for (String p : query.split("&")) {
            int eq = p.indexOf('=');
            if (eq > 0 && p.substring(0, eq).equals(name)) {
                return URLDecoder.decode(p.substring(eq + 1), StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    private static String event(String object, String type) {
        return Serialization.asJson(new WatchEvent(Serialization.unmarshal(object, GenericKubernetesResource.class), type));
    }

    /** kube-apiserver's answer to a watch from a version it no longer has: an ERROR event, 410 Expired. */
    private static MockResponse expired(long from) {
        String status = Serialization.asJson(new WatchEvent(new StatusBuilder().withStatus("Failure").withCode(410)
                .withReason("Expired").withMessage("too old resource version: " + from).build(), "ERROR"));
        return new MockResponse().withWebSocketUpgrade(new WebSocketListener() {
            @Override
            public void onOpen(WebSocket ws, Response response) {
                ws.send(status); // the client ends the watch on it
            }
        });
    }
}
