package io.kovn.sandbox.api;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The {@code Status} objects a Kubernetes API server answers errors with; kubectl prints their message, so
 * every limitation of the emulated API is reported through one of these, naming what is not emulated.
 */
final class ApiStatus {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private ApiStatus() {
    }

    /** A failure Status: {@code reason} is one of Kubernetes' StatusReasons (NotFound, BadRequest, ...). */
    static ObjectNode failure(int code, String reason, String message) {
        ObjectNode s = JSON.createObjectNode().put("kind", "Status").put("apiVersion", "v1");
        s.putObject("metadata");
        return s.put("status", "Failure").put("message", message).put("reason", reason).put("code", code);
    }

    /** The Status of a command that ended well (the last message of an exec). */
    static ObjectNode success() {
        ObjectNode s = JSON.createObjectNode().put("kind", "Status").put("apiVersion", "v1");
        s.putObject("metadata");
        return s.put("status", "Success");
    }

    static FullHttpResponse response(int code, String reason, String message) {
        byte[] body = failure(code, reason, message).toString().getBytes(StandardCharsets.UTF_8);
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(code),
                Unpooled.wrappedBuffer(body));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json").setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        return r;
    }

    /** The answer to a request for something the emulated API does not do. */
    static FullHttpResponse notEmulated(String what) {
        return response(501, "NotImplemented", what + " is not emulated by the kovn sandbox's Kubernetes API");
    }
}
