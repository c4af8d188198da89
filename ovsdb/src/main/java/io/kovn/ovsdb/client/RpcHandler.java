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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The JSON-RPC 1.0 end of the pipeline: parses each framed JSON object, answers the server's echo requests,
 * hands replies and notifications to the client, and runs the inactivity probe.
 */
final class RpcHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(RpcHandler.class);

    private final OvsdbClient client;
    private final Remote remote;
    private boolean ready;
    private boolean probeOutstanding;
    private Throwable failure;

    RpcHandler(OvsdbClient client, Remote remote) {
        this.client = client;
        this.remote = remote;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        if (ctx.pipeline().get(SslHandler.class) == null) {
            ready = true;
            client.connected(ctx.channel(), remote);
        }
        super.channelActive(ctx);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof SslHandshakeCompletionEvent hs) {
            if (hs.isSuccess()) {
                ready = true;
                client.connected(ctx.channel(), remote);
            } else {
                failure = hs.cause();
                ctx.close();
            }
        } else if (evt instanceof IdleStateEvent) {
            if (probeOutstanding) {
                log.warn("{}: no message from {} within the inactivity probe interval; dropping the connection",
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
            json = OvsdbJson.MAPPER.readTree(in);
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
            } else if ("echo".equals(method.asString()) && id != null && !id.isNull()) {
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
        if (id.isString()) {
            return; // our own inactivity probe's echo
        }
        client.onResponse(id.asLong(), json.get("result"), json.get("error"));
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
        if (ready) {
            client.disconnected(ctx.channel(), remote);
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
