package io.kovn.sandbox.api;

import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Strategic merge patches (which the mock store refuses) applied here: the object is read, patched by
 * {@link StrategicMergePatch} and written back whole with the resourceVersion it was read at, so a concurrent
 * change makes it fail with 409 as a real API server would; the client (kubectl) then retries. Server-side
 * apply ({@code application/apply-patch+yaml}) is refused with a message saying so; kubectl's default
 * (client-side) apply does not use it.
 */
final class StrategicPatchSupport extends Dispatcher {
    static final String SMP = "application/strategic-merge-patch+json";
    private final Dispatcher store;

    StrategicPatchSupport(Dispatcher store) {
        this.store = store;
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
        String type = request.getHeader("Content-Type");
        if (!"PATCH".equals(request.getMethod()) || type == null) {
            return store.dispatch(request);
        }
        if (type.startsWith("application/apply-patch")) {
            return Requests.status(415, "UnsupportedMediaType", "server-side apply is not emulated by the kovn "
                    + "sandbox's API; use kubectl apply without --server-side");
        }
        if (!type.startsWith(SMP)) {
            return store.dispatch(request);
        }
        String path = Requests.path(request);
        MockResponse current = store.dispatch(Requests.make(HttpMethod.GET, path, null, null));
        if (current.code() != 200) {
            return current;
        }
        JsonNode patch;
        try {
            patch = Requests.JSON.readTree(request.getUtf8Body());
        } catch (RuntimeException e) {
            return Requests.status(400, "BadRequest", "the strategic merge patch is not JSON: " + e.getMessage());
        }
        JsonNode patched = StrategicMergePatch.apply(Requests.json(current), patch);
        if (!(patched instanceof ObjectNode o)) {
            return Requests.status(422, "Invalid", "the patch does not leave an object");
        }
        String version = Requests.json(current).path("metadata").path("resourceVersion").asString("");
        o.withObject("metadata").put("resourceVersion", version);
        return store.dispatch(Requests.make(HttpMethod.PUT, path, "application/json", o.toString()));
    }

    @Override
    public void shutdown() {
        store.shutdown();
    }
}
