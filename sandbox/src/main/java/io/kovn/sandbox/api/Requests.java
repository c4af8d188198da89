package io.kovn.sandbox.api;

import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.nio.charset.StandardCharsets;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Requests the API's own layers make to the store beneath them, and their answers. */
final class Requests {
    static final JsonMapper JSON = JsonMapper.builder().build();

    private Requests() {
    }

    static RecordedRequest make(HttpMethod method, String path, String contentType, String body) {
        Headers.Builder h = Headers.builder();
        if (contentType != null) {
            h.add("Content-Type", contentType);
        }
        return new RecordedRequest("HTTP/1.1", method, path, h.build(),
                new Buffer(body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8)));
    }

    static String body(MockResponse r) {
        return r.getBody() == null ? "" : new String(r.getBody().getBytes(), StandardCharsets.UTF_8);
    }

    static JsonNode json(MockResponse r) {
        return JSON.readTree(body(r));
    }

    static MockResponse json(int code, JsonNode body) {
        return new MockResponse().setResponseCode(code).setHeader("Content-Type", "application/json")
                .setBody(body.toString());
    }

    static MockResponse status(int code, String reason, String message) {
        return json(code, ApiStatus.failure(code, reason, message));
    }

    /** The path without its query. */
    static String path(RecordedRequest r) {
        String p = r.getPath();
        int q = p.indexOf('?');
        return q < 0 ? p : p.substring(0, q);
    }
}
