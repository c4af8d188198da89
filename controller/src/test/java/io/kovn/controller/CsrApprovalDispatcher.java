package io.kovn.controller;

import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;

/**
 * fabric8's CRUD mock server without an answer for a CSR's {@code /approval} subresource (it times out): this
 * stores an approval or denial like a {@code /status} update, which is what the API server does with its
 * conditions.
 */
final class CsrApprovalDispatcher extends KubernetesCrudDispatcher {

    @Override
    public MockResponse handleUpdate(RecordedRequest request) {
        String path = request.getPath();
        if (path.endsWith("/approval")) {
            return super.handleUpdate(new RecordedRequest(request.getHttpVersion(), request.method(),
                    path.substring(0, path.length() - "/approval".length()) + "/status", request.getHeaders(),
                    request.getBody()));
        }
        return super.handleUpdate(request);
    }
}
