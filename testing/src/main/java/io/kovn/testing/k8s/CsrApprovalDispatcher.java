package io.kovn.testing.k8s;

import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;

/**
 * fabric8's CRUD mock server has no answer for a CertificateSigningRequest's {@code /approval} subresource (the
 * request times out): this stores an approval or denial like a {@code /status} update, which is what the API
 * server does with the conditions it carries. The controller uses the real API shape (approval through
 * {@code /approval}, the certificate through {@code /status}); only the mock needs this help.
 */
public class CsrApprovalDispatcher extends PatchRefusalDispatcher {

    @Override
    public MockResponse handleUpdate(RecordedRequest request) {
        return super.handleUpdate(approvalAsStatus(request));
    }

    /** A PUT to {@code .../NAME/approval} as the same PUT to {@code .../NAME/status}; any other request unchanged. */
    public static RecordedRequest approvalAsStatus(RecordedRequest request) {
        String path = request.getPath();
        if (path == null || !path.contains("/certificatesigningrequests/") || !path.endsWith("/approval")) {
            return request;
        }
        return new RecordedRequest(request.getHttpVersion(), request.method(),
                path.substring(0, path.length() - "/approval".length()) + "/status", request.getHeaders(),
                request.getBody());
    }
}
