package io.kovn.controller;

import io.fabric8.kubernetes.api.model.PodList;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.kovn.testing.k8s.WatchFailureOffLoop;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The mock API server's CRUD dispatcher, able to answer collection lists slowly (as a loaded API server does), for
 * every client or for one user, or from a stale cache (as a real API server's watch cache may, for lists at
 * resourceVersion 0): pods listed without some that exist. Counts the lists it receives. A watch that ends
 * (a stopped controller) is wound down off the mock's event loop ({@link WatchFailureOffLoop}).
 */
final class LaggingListDispatcher extends WatchFailureOffLoop {
    private volatile String slowUser;
    private volatile Duration delay = Duration.ZERO;
    private final Map<String, AtomicInteger> lists = new ConcurrentHashMap<>();
    private final Set<String> unlisted = ConcurrentHashMap.newKeySet();
    private final KubernetesSerialization json = new KubernetesSerialization();

    /** Pod lists leave out the pods of these names (the watches still report their changes). */
    Set<String> unlistedPods() {
        return unlisted;
    }

    void slow(String user, Duration delay) {
        this.slowUser = user;
        this.delay = delay;
    }

    int lists(String resource) {
        AtomicInteger n = lists.get(resource);
        return n == null ? 0 : n.get();
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
        MockResponse response = super.dispatch(request);
        String resource = listedResource(request);
        if (resource != null) {
            lists.computeIfAbsent(resource, r -> new AtomicInteger()).incrementAndGet();
            Duration d = delay;
            if (!d.isZero() && (slowUser == null || slowUser.equals(request.getHeader("Impersonate-User")))) {
                response.setBodyDelay(d);
            }
            if ("pods".equals(resource) && !unlisted.isEmpty() && response.code() == 200) {
                PodList pods = json.unmarshal(response.getBody().readUtf8(), PodList.class);
                pods.getItems().removeIf(p -> unlisted.contains(p.getMetadata().getName()));
                response.setBody(json.asJson(pods));
            }
        }
        return response;
    }

    /** The resource a GET lists across namespaces (e.g. "pods" for /api/v1/pods?limit=...), or null. */
    private static String listedResource(RecordedRequest request) {
        String path = request.getPath();
        int q = path.indexOf('?');
        String query = q < 0 ? "" : path.substring(q + 1);
        String bare = q < 0 ? path : path.substring(0, q);
        if (!"GET".equals(request.getMethod()) || query.contains("watch=true")) {
            return null;
        }
        String[] segments = bare.split("/");
        boolean collection = (bare.startsWith("/api/v1/") && segments.length == 4)
                || (bare.startsWith("/apis/") && segments.length == 5);
        return collection ? segments[segments.length - 1] : null;
    }
}
