package io.kovn.ovsdb.client;

import io.kovn.ovsdb.wire.OvsdbJson;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The JSON-RPC 1.0 end of the pipeline: parses each framed JSON object, answers the server's echo requests,
 * hands replies and notifications to the client, and runs the inactivity probe. It also applies back-pressure:
 * while the write buffer is over its high water mark it stops reading (so the server's requests cannot pile up
 * answers), and it drops a connection that stays unwritable for {@code stallLimitMs}.
 */
final class RpcHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(RpcHandler.class);

    private final OvsdbClient client;
    private final Remote remote;
    private final ObjectMapper mapper;
    private final long stallLimitMs;
    private boolean ready;
    private boolean probeOutstanding;
    private Throwable failure;
    private long readyNanos;
    /** When the last well-formed message arrived; -1 before the first. */
    private long lastMessageNanos = -1;
    private long unwritableSinceNanos = -1;
    private ScheduledFuture<?> stallCheck;

    /** {@code stallLimitMs} 0: never drop a connection for being unwritable. */
    RpcHandler(OvsdbClient client, Remote remote, ObjectMapper mapper, long stallLimitMs) {
        this.client = client;
        this.remote = remote;
        this.mapper = mapper;
        this.stallLimitMs = stallLimitMs;
    }

    /**
     * A handler for ahead of the framer: any bytes from the server answer the probe, not only whole messages (a
     * message of many megabytes arrives over several probe intervals on a slow link or from a busy server).
     */
    ChannelInboundHandlerAdapter byteActivity() {
        return new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                probeOutstanding = false;
                ctx.fireChannelRead(msg);
            }
        };
    }

    private void becameReady(ChannelHandlerContext ctx) {
        ready = true;
        readyNanos = System.nanoTime();
        client.connected(ctx.channel(), remote);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        if (ctx.pipeline().get(SslHandler.class) == null) {
            becameReady(ctx);
        }
        super.channelActive(ctx);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof SslHandshakeCompletionEvent hs) {
            if (hs.isSuccess()) {
                becameReady(ctx);
            } else {
                failure = hs.cause();
                ctx.close();
            }
        } else if (evt instanceof IdleStateEvent) {
            if (probeOutstanding && client.awaitingReply()) {
                // the server is busy with a request of ours (a big transaction, a big monitor reply): not a dead
                // connection; the request's timeout bounds this wait
                log.debug("{}: {} sent nothing within the inactivity probe interval while a reply is due; waiting",
                        client.name(), remote);
            } else if (probeOutstanding) {
                log.warn("{}: nothing from {} within the inactivity probe interval; dropping the connection",
                        client.name(), remote);
                ctx.close();
            } else {
                probeOutstanding = true;
                ObjectNode echo = OvsdbJson.NODES.objectNode().put("method", "echo").put("id", "echo");
                echo.putArray("params");
                ctx.writeAndFlush(Unpooled.wrappedBuffer(OvsdbJson.MAPPER.writeValueAsBytes(echo)));
            }
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!ctx.channel().isOpen()) {
            // frames decoded after we closed the connection (e.g. over an earlier malformed one): moot
            ReferenceCountUtil.release(msg);
            return;
        }
        probeOutstanding = false;
        ByteBuf buf = (ByteBuf) msg;
        JsonNode json;
        try (ByteBufInputStream in = new ByteBufInputStream(buf, true)) {
            json = mapper.readTree(in);
        } catch (Exception e) {
            malformed(ctx, "not JSON: " + e.getMessage());
            return;
        }
        if (!json.isObject()) {
            malformed(ctx, "not a JSON-RPC object: " + abbreviate(json));
            return;
        }
        JsonNode method = json.get("method");
        JsonNode id = json.get("id");
        if (method != null && !method.isNull()) {
            if (!method.isString()) {
                malformed(ctx, "method is not a string: " + abbreviate(json));
                return;
            }
            lastMessageNanos = System.nanoTime();
            if ("echo".equals(method.asString()) && id != null && !id.isNull()) {
                ObjectNode reply = OvsdbJson.NODES.objectNode();
                reply.set("id", id);
                reply.set("result", json.path("params"));
                reply.putNull("error");
                ctx.writeAndFlush(Unpooled.wrappedBuffer(OvsdbJson.MAPPER.writeValueAsBytes(reply)));
            } else if (id == null || id.isNull()) {
                client.onNotification(method.asString(), json.path("params"), ctx.channel());
            } else {
                // a request we do not serve: answer so the server does not wait
                ObjectNode reply = OvsdbJson.NODES.objectNode();
                reply.set("id", id);
                reply.putNull("result");
                reply.put("error", "unknown method");
                ctx.writeAndFlush(Unpooled.wrappedBuffer(OvsdbJson.MAPPER.writeValueAsBytes(reply)));
            }
            return;
        }
        if (id == null || (!id.isIntegralNumber() && !id.isString())) {
            malformed(ctx, "reply without a valid id: " + abbreviate(json));
            return;
        }
        lastMessageNanos = System.nanoTime();
        if (id.isString()) {
            return; // our own inactivity probe's echo
        }
        client.onResponse(id.asLong(), json.get("result"), json.get("error"));
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        boolean writable = ctx.channel().isWritable();
        ctx.channel().config().setAutoRead(writable);
        if (writable) {
            unwritableSinceNanos = -1;
            if (stallCheck != null) {
                stallCheck.cancel(false);
                stallCheck = null;
            }
            client.writable(ctx.channel());
        } else if (unwritableSinceNanos < 0) {
            unwritableSinceNanos = System.nanoTime();
            if (stallLimitMs > 0) {
                stallCheck = ctx.executor().schedule(() -> dropIfStalled(ctx), stallLimitMs, TimeUnit.MILLISECONDS);
            }
        }
        super.channelWritabilityChanged(ctx);
    }

    private void dropIfStalled(ChannelHandlerContext ctx) {
        stallCheck = null;
        if (unwritableSinceNanos >= 0 && ctx.channel().isOpen()) {
            failure = new OvsdbConnectionException(remote + " read nothing of what was sent to it for " + stallLimitMs
                    + " ms (write buffer full)");
            log.warn("{}: {}; dropping the connection", client.name(), failure.getMessage());
            ctx.close();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        failure = cause;
        if (ready && ctx.channel().isOpen()) { // once closed, what is left of the input is not worth a line
            log.error("{}: closing the connection to {}: {}", client.name(), remote, cause.toString());
        }
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (stallCheck != null) {
            stallCheck.cancel(false);
        }
        if (ready) {
            long provenNanos = lastMessageNanos < 0 ? -1 : lastMessageNanos - readyNanos;
            client.disconnected(ctx.channel(), remote, provenNanos, failure);
        } else {
            client.connectFailed(remote, failure != null ? failure
                    : new OvsdbConnectionException("connection closed before it was ready"));
        }
        super.channelInactive(ctx);
    }

    private void malformed(ChannelHandlerContext ctx, String what) {
        log.error("{}: malformed input from {} ({}); closing the connection", client.name(), remote, what);
        ctx.close();
    }

    private static String abbreviate(JsonNode json) {
        String s = json.toString();
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }
}
