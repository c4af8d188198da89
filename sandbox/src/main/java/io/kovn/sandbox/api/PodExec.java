package io.kovn.sandbox.api;

import io.netty.buffer.ByteBuf;
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
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code kubectl exec POD -- CMD...} over the WebSocket stream protocol ({@code v5.channel.k8s.io}, or
 * {@code v4}): the command runs as {@code kovn sandbox exec} runs it, {@code nsenter --net=<pod netns> -- CMD...}
 * on the host's file system (there are no images), its argv taken as given, never through a shell. Each
 * binary message starts with its stream: 0 stdin, 1 stdout, 2 stderr, 3 the final Status (with the exit
 * code), 4 terminal resizes (ignored: no terminal is allocated, {@code -t} gives a plain pipe), 255 a
 * stream's end (v5). A command ends when its process does or when the client leaves (the process is then
 * killed). At most {@link #MAX_SESSIONS} run at once.
 */
final class PodExec {
    static final int MAX_SESSIONS = 16;
    private static final String PROTOCOLS = "v5.channel.k8s.io,v4.channel.k8s.io";
    private static final int STDIN = 0;
    private static final int STDOUT = 1;
    private static final int STDERR = 2;
    private static final int ERROR = 3;
    private static final int CLOSE = 255;

    private final Semaphore sessions = new Semaphore(MAX_SESSIONS);
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "sandbox-api-exec");
        t.setDaemon(true);
        return t;
    });

    void serve(ChannelHandlerContext ctx, FullHttpRequest req, PodStreams.Target t, Map<String, List<String>> query,
               PodProcesses processes) {
        WebSocketServerHandshaker handshaker = new WebSocketServerHandshakerFactory("ws://sandbox" + req.uri(),
                PROTOCOLS, false, ApiHttpServer.MAX_BODY).newHandshaker(req);
        Channel ch = ctx.channel();
        if (handshaker == null) {
            WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ch);
            return;
        }
        List<String> command = query.getOrDefault("command", List.of());
        boolean stdin = "true".equals(first(query, "stdin"));
        boolean tty = "true".equals(first(query, "tty"));
        req.retain();
        handshaker.handshake(ch, req).addListener(f -> {
            req.release();
            if (!f.isSuccess()) {
                ch.close();
                return;
            }
            Optional<Path> netns = processes.netns(t.namespace(), t.pod());
            if (command.isEmpty()) {
                fail(ch, "BadRequest", "no command given");
            } else if (netns.isEmpty()) {
                fail(ch, "NotFound", "pod " + t.namespace() + "/" + t.pod() + " is not running on a sandbox node");
            } else if (!sessions.tryAcquire()) {
                fail(ch, "TooManyRequests", "more than " + MAX_SESSIONS + " exec sessions at once");
            } else {
                try {
                    start(ch, netns.get(), command, stdin, tty);
                } catch (IOException | RuntimeException e) {
                    sessions.release();
                    fail(ch, "InternalError", "cannot run " + command + ": " + e.getMessage());
                }
            }
        });
    }

    private void start(Channel ch, Path netns, List<String> command, boolean stdin, boolean tty) throws IOException {
        List<String> argv = new ArrayList<>(List.of("nsenter", "--net=" + netns, "--"));
        argv.addAll(command);
        ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(tty);
        if (!stdin) {
            pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        }
        Process p = pb.start();
        BlockingQueue<byte[]> input = new ArrayBlockingQueue<>(256);
        ch.pipeline().addLast(new WebSocketFrameAggregator(ApiHttpServer.MAX_BODY), new Frames(p, input));
        ch.closeFuture().addListener(c -> {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        });
        if (stdin) {
            threads.execute(() -> feed(p.getOutputStream(), input));
        }
        var out = threads.submit(() -> pump(ch, p.getInputStream(), STDOUT));
        var err = tty ? null : threads.submit(() -> pump(ch, p.getErrorStream(), STDERR));
        threads.execute(() -> {
            try {
                int code = p.waitFor();
                out.get();
                if (err != null) {
                    err.get();
                }
                ObjectNode status = code == 0 ? ApiStatus.success() : ApiStatus.failure(500, "NonZeroExitCode",
                        "command terminated with non-zero exit code: " + code);
                if (code != 0) {
                    status.putObject("details").putArray("causes").addObject().put("reason", "ExitCode")
                            .put("message", Integer.toString(code));
                }
                send(ch, ERROR, status.toString().getBytes(StandardCharsets.UTF_8), 0, -1);
                ch.writeAndFlush(new CloseWebSocketFrame(1000, "")).addListener(ChannelFutureListener.CLOSE);
            } catch (Exception e) {
                ch.close();
            } finally {
                sessions.release();
            }
        });
    }

    /** Copies a process's output to the client; waits while the client is slow. */
    private static Void pump(Channel ch, InputStream in, int stream) throws IOException, InterruptedException {
        byte[] buf = new byte[16 << 10];
        for (int n; (n = in.read(buf)) >= 0; ) {
            while (ch.isActive() && !ch.isWritable()) {
                Thread.sleep(10);
            }
            if (!ch.isActive()) {
                return null;
            }
            send(ch, stream, buf, 0, n);
        }
        return null;
    }

    private static void feed(OutputStream out, BlockingQueue<byte[]> input) {
        try (out) {
            for (byte[] b; (b = input.take()).length > 0; ) {
                out.write(b);
                out.flush();
            }
        } catch (IOException | InterruptedException e) {
            // the process stopped reading or went away
        }
    }

    private static void send(Channel ch, int stream, byte[] data, int from, int length) {
        int n = length < 0 ? data.length : length;
        ByteBuf b = Unpooled.buffer(n + 1).writeByte(stream).writeBytes(data, from, n);
        ch.writeAndFlush(new BinaryWebSocketFrame(b));
    }

    private static void fail(Channel ch, String reason, String message) {
        send(ch, ERROR, ApiStatus.failure(400, reason, message).toString().getBytes(StandardCharsets.UTF_8), 0, -1);
        ch.writeAndFlush(new CloseWebSocketFrame(1000, "")).addListener(ChannelFutureListener.CLOSE);
    }

    private static String first(Map<String, List<String>> query, String name) {
        List<String> v = query.get(name);
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    /** Messages from the client: stdin, its end, resizes. */
    private static final class Frames extends SimpleChannelInboundHandler<WebSocketFrame> {
        private static final byte[] END = new byte[0];
        private final Process process;
        private final BlockingQueue<byte[]> input;

        Frames(Process process, BlockingQueue<byte[]> input) {
            this.process = process;
            this.input = input;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
            if (frame instanceof BinaryWebSocketFrame b && b.content().isReadable()) {
                int stream = b.content().readUnsignedByte();
                byte[] data = new byte[b.content().readableBytes()];
                b.content().readBytes(data);
                if (stream == STDIN && data.length > 0 && !input.offer(data)) {
                    process.destroyForcibly(); // a client writing faster than the command reads, past the bound
                } else if (stream == CLOSE && data.length > 0 && data[0] == STDIN) {
                    input.offer(END);
                }
            } else if (frame instanceof PingWebSocketFrame p) {
                ctx.writeAndFlush(new PongWebSocketFrame(p.content().retain()));
            } else if (frame instanceof CloseWebSocketFrame) {
                ctx.close();
            }
        }
    }
}
