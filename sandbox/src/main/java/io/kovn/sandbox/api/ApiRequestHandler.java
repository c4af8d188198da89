package io.kovn.sandbox.api;

import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection's requests, each first noted in the {@link ApiRequestLog}. Pod logs and exec go to
 * {@link PodStreams}; a request body in protobuf (kubectl's typed requests) is turned into JSON ({@link ProtobufBody}); everything goes to the dispatcher, on a worker thread: a watch answer is served as a WebSocket if the client asked for an upgrade
 * (fabric8 clients) and as a chunked stream of JSON events otherwise (kubectl, client-go), see
 * {@link WatchStream}. Requests of one connection are answered in order: reading pauses until the answer to
 * the previous one has started.
 */
final class ApiRequestHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger log = LoggerFactory.getLogger(ApiRequestHandler.class);

    private final Dispatcher dispatcher;
    private final ExecutorService work;
    private final PodStreams pods;
    private final ProtobufBody protobuf;
    private final ApiRequestLog requests;

    ApiRequestHandler(Dispatcher dispatcher, ExecutorService work, PodStreams pods, ProtobufBody protobuf,
                      ApiRequestLog requests) {
        this.dispatcher = dispatcher;
        this.work = work;
        this.pods = pods;
        this.protobuf = protobuf;
        this.requests = requests;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        if (!req.decoderResult().isSuccess()) {
            ctx.writeAndFlush(ApiStatus.response(400, "BadRequest", "malformed HTTP request"))
                    .addListener(ChannelFutureListener.CLOSE);
            return;
        }
        QueryStringDecoder uri = new QueryStringDecoder(req.uri());
        requests.record(req.method().name(), uri.path(), uri.parameters(),
                req.headers().get(HttpHeaderNames.AUTHORIZATION));
        PodStreams.Target pod = PodStreams.Target.parse(uri.path());
        if (pod != null) {
            pods.serve(ctx, req, pod, uri.parameters());
            return;
        }
        byte[] body = ByteBufUtil.getBytes(req.content());
        String contentType = req.headers().get(HttpHeaderNames.CONTENT_TYPE, "");
        if (contentType.startsWith(ProtobufBody.CONTENT_TYPE) && body.length > 0) {
            try {
                body = protobuf.toJson(body).toString().getBytes(StandardCharsets.UTF_8);
            } catch (RuntimeException e) {
                reply(ctx, req, ApiStatus.response(415, "UnsupportedMediaType", "the kovn sandbox's Kubernetes API "
                        + "cannot read this protobuf body (" + e.getMessage() + "); send JSON"));
                return;
            }
            req.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
        }
        RecordedRequest recorded = recorded(req, body);
        boolean upgrade = "websocket".equalsIgnoreCase(req.headers().get(HttpHeaderNames.UPGRADE, ""));
        FullHttpRequest kept = req.retainedDuplicate();
        ctx.channel().config().setAutoRead(false);
        try {
            work.execute(() -> {
                try {
                    MockResponse r = dispatcher.dispatch(recorded);
                    if (r.getWebSocketListener() == null) {
                        reply(ctx, kept, response(r));
                    } else if (upgrade) {
                        MockWebSocketBridge.accept(ctx, kept, recorded, r);
                    } else {
                        WatchStream.start(ctx, recorded, r, uri.parameters());
                    }
                } catch (RuntimeException e) {
                    log.warn("{} {} failed", req.method(), req.uri(), e);
                    reply(ctx, kept, ApiStatus.response(500, "InternalError", e.toString()));
                } finally {
                    kept.release();
                    ctx.channel().config().setAutoRead(true);
                }
            });
        } catch (RejectedExecutionException e) {
            kept.release();
            ctx.channel().config().setAutoRead(true);
            reply(ctx, req, ApiStatus.response(429, "TooManyRequests", "the sandbox API is busy"));
        }
    }

    static RecordedRequest recorded(FullHttpRequest req, byte[] body) {
        Headers.Builder headers = Headers.builder();
        req.headers().forEach(h -> headers.add(h.getKey(), h.getValue()));
        HttpMethod method;
        try {
            method = HttpMethod.valueOf(req.method().name());
        } catch (IllegalArgumentException e) {
            method = HttpMethod.ANY;
        }
        return new RecordedRequest(req.protocolVersion().text(), method, req.uri(), headers.build(),
                new Buffer(body));
    }

    private static FullHttpResponse response(MockResponse r) {
        byte[] body = r.getBody() == null ? new byte[0] : r.getBody().getBytes();
        FullHttpResponse out = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(r.code()),
                Unpooled.wrappedBuffer(body));
        for (Map.Entry<String, List<String>> h : r.getHeaders().toMultimap().entrySet()) {
            out.headers().add(h.getKey(), h.getValue());
        }
        if (!out.headers().contains(HttpHeaderNames.CONTENT_TYPE)) {
            out.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
        }
        out.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        return out;
    }

    /** Sends a whole answer, keeping the connection if the request allows it. */
    static void reply(ChannelHandlerContext ctx, FullHttpRequest req, FullHttpResponse r) {
        boolean keepAlive = HttpUtil.isKeepAlive(req);
        HttpUtil.setKeepAlive(r, keepAlive);
        var f = ctx.writeAndFlush(r);
        if (!keepAlive) {
            f.addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("sandbox API connection failed: {}", cause.toString());
        ctx.close();
    }
}
