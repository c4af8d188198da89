package io.kovn.sandbox.api;

import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A watch served the way kube-apiserver serves it to kubectl and client-go: one chunked HTTP answer, a JSON
 * watch event per line. The mock's watch replays every existing object as ADDED when it opens; those the
 * client already has (a resourceVersion not above the one it asked to watch from: resource versions are one
 * counter, so a really new object is always above it) are left out, so that
 * {@code kubectl get -w} does not print each object twice. When kubectl asks for tables ({@code as=Table})
 * each event carries a one-row table ({@link Tables}). The stream ends after {@code timeoutSeconds}, at most
 * {@link #MAX_DURATION}.
 */
final class WatchStream implements WebSocket {
    static final Duration MAX_DURATION = Duration.ofMinutes(30);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Channel ch;
    private final RecordedRequest request;
    private final String path;
    private final boolean tables;
    private final long fromVersion;
    private final AtomicBoolean ended = new AtomicBoolean();

    private WatchStream(Channel ch, RecordedRequest request, String path, boolean tables, long fromVersion) {
        this.ch = ch;
        this.request = request;
        this.path = path;
        this.tables = tables;
        this.fromVersion = fromVersion;
    }

    static void start(ChannelHandlerContext ctx, RecordedRequest request, MockResponse r, Map<String, List<String>> query) {
        String accept = request.getHeader("Accept");
        String path = request.getPath();
        int q = path.indexOf('?');
        WatchStream s = new WatchStream(ctx.channel(), request, q < 0 ? path : path.substring(0, q),
                accept != null && accept.contains("as=Table"), number(first(query, "resourceVersion")));
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json")
                .set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        ctx.writeAndFlush(head);
        String asked = first(query, "timeoutSeconds");
        long timeout = asked == null ? MAX_DURATION.toSeconds()
                : Math.min(Math.max(1, number(asked)), MAX_DURATION.toSeconds());
        var end = ctx.executor().schedule(s::finish, timeout, TimeUnit.SECONDS);
        WebSocketListener listener = r.getWebSocketListener();
        ctx.channel().closeFuture().addListener(f -> {
            end.cancel(false);
            if (s.ended.compareAndSet(false, true)) {
                listener.onClosed(s, 1000, "client gone");
            }
        });
        listener.onBeforeAccept(s, r);
        listener.onOpen(s, r);
    }

    private static String first(Map<String, List<String>> query, String name) {
        List<String> v = query.get(name);
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    private static long number(String s) {
        try {
            return s == null ? 0 : Long.parseLong(s);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    @Override
    public RecordedRequest request() {
        return request;
    }

    @Override
    public boolean send(String event) {
        JsonNode e;
        try {
            e = JSON.readTree(event);
        } catch (RuntimeException ex) {
            return true;
        }
        JsonNode object = e.path("object");
        if (fromVersion > 0 && "ADDED".equals(e.path("type").asString(""))
                && number(object.path("metadata").path("resourceVersion").asString(null)) <= fromVersion) {
            return true;
        }
        String line = event;
        if (tables) {
            line = Tables.of(object.toString(), path).map(t -> {
                ObjectNode out = JSON.createObjectNode().put("type", e.path("type").asString(""));
                out.set("object", JSON.readTree(t));
                return out.toString();
            }).orElse(event);
        }
        if (!ch.isActive() || (!ch.isWritable() && ch.bytesBeforeWritable() > ApiHttpServer.MAX_PENDING)) {
            ch.close();
            return false;
        }
        ch.writeAndFlush(new DefaultHttpContent(Unpooled.copiedBuffer(line + "\n", StandardCharsets.UTF_8)));
        return true;
    }

    @Override
    public boolean send(byte[] bytes) {
        return send(new String(bytes, StandardCharsets.UTF_8));
    }

    @Override
    public boolean close(int code, String reason) {
        finish();
        return true;
    }

    private void finish() {
        if (ch.isActive()) {
            ch.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
