package io.kovn.sandbox.api;

import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Serves a dispatcher's WebSocket answer (a watch, for fabric8 clients) over Netty: the mock's listener sees
 * the same calls as under its own server. Its open, close and failure callbacks run off the event loop (a
 * failing watch may wait for its send queue to drain); a client that stops reading is disconnected once
 * {@link ApiHttpServer#MAX_PENDING} bytes wait for it.
 */
final class MockWebSocketBridge {
    private static final ExecutorService CALLBACKS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "sandbox-api-websocket");
        t.setDaemon(true);
        return t;
    });

    private MockWebSocketBridge() {
    }

    static void accept(ChannelHandlerContext ctx, FullHttpRequest req, RecordedRequest recorded, MockResponse r) {
        WebSocketServerHandshaker handshaker = new WebSocketServerHandshakerFactory("ws://sandbox" + req.uri(), null,
                true, ApiHttpServer.MAX_BODY).newHandshaker(req);
        Channel ch = ctx.channel();
        if (handshaker == null) {
            WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ch);
            return;
        }
        WebSocketListener listener = r.getWebSocketListener();
        Socket ws = new Socket(ch, recorded);
        listener.onBeforeAccept(ws, r);
        handshaker.handshake(ch, req).addListener(f -> {
            if (!f.isSuccess()) {
                ch.close();
                return;
            }
            ch.pipeline().addLast(new WebSocketFrameAggregator(ApiHttpServer.MAX_BODY), new Frames(listener, ws, r));
            ch.closeFuture().addListener(c -> ws.ended(() -> listener.onClosed(ws, ws.closeCode, "closed")));
            CALLBACKS.execute(() -> listener.onOpen(ws, r));
        });
    }

    /** The mock's view of one WebSocket connection. */
    static final class Socket implements WebSocket {
        private final Channel ch;
        private final RecordedRequest request;
        private final AtomicBoolean ended = new AtomicBoolean();
        private volatile int closeCode = 1000;

        Socket(Channel ch, RecordedRequest request) {
            this.ch = ch;
            this.request = request;
        }

        @Override
        public RecordedRequest request() {
            return request;
        }

        @Override
        public boolean send(String text) {
            return write(new TextWebSocketFrame(text));
        }

        @Override
        public boolean send(byte[] bytes) {
            return write(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(bytes)));
        }

        private boolean write(WebSocketFrame frame) {
            if (!ch.isActive() || (!ch.isWritable() && ch.bytesBeforeWritable() > ApiHttpServer.MAX_PENDING)) {
                frame.release();
                ch.close();
                return false;
            }
            ch.writeAndFlush(frame);
            return true;
        }

        @Override
        public boolean close(int code, String reason) {
            closeCode = code;
            ch.writeAndFlush(new CloseWebSocketFrame(code, reason)).addListener(ChannelFutureListener.CLOSE);
            return true;
        }

        /** Runs the listener's last callback once, off the event loop. */
        void ended(Runnable last) {
            if (ended.compareAndSet(false, true)) {
                CALLBACKS.execute(last);
            }
        }
    }

    /** Frames from the client to the listener. */
    private static final class Frames extends SimpleChannelInboundHandler<WebSocketFrame> {
        private final WebSocketListener listener;
        private final Socket ws;
        private final MockResponse response;

        Frames(WebSocketListener listener, Socket ws, MockResponse response) {
            this.listener = listener;
            this.ws = ws;
            this.response = response;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
            if (frame instanceof TextWebSocketFrame t) {
                listener.onMessage(ws, t.text());
            } else if (frame instanceof BinaryWebSocketFrame b) {
                listener.onMessage(ws, ByteBufUtil.getBytes(b.content()));
            } else if (frame instanceof PingWebSocketFrame p) {
                ctx.writeAndFlush(new PongWebSocketFrame(p.content().retain()));
            } else if (frame instanceof CloseWebSocketFrame c) {
                int code = c.statusCode() < 0 ? 1000 : c.statusCode();
                String reason = c.reasonText();
                ws.closeCode = code;
                CALLBACKS.execute(() -> listener.onClosing(ws, code, reason));
                ctx.writeAndFlush(new CloseWebSocketFrame(code, reason)).addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ws.ended(() -> listener.onFailure(ws, cause, response));
            ctx.close();
        }
    }
}
