package io.kovn.testing.k8s;

import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;

/**
 * The CRUD dispatcher answering a patch it cannot apply (a JSON patch whose {@code test} fails, a path that does
 * not exist) with 422 Invalid, as kube-apiserver does. The mock itself throws there, and its server then sends no
 * answer at all: the client waits for its request timeout, and a controller guarding its writes with {@code test}
 * would crawl in tests only.
 */
public class PatchRefusalDispatcher extends ResumedWatchDispatcher {
    @Override
    public MockResponse handlePatch(RecordedRequest request) {
        try {
            return super.handlePatch(request);
        } catch (RuntimeException e) {
            String message = e.getMessage() == null ? e.toString() : e.getMessage();
            return new MockResponse().setResponseCode(422).setBody(Serialization.asJson(new StatusBuilder()
                    .withStatus("Failure").withReason("Invalid").withCode(422).withMessage(message).build()));
        }
    }
}
