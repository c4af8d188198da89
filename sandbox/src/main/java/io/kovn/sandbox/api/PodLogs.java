package io.kovn.sandbox.api;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@code kubectl logs [-f] [--tail N] POD [-c CONTAINER]}: what the container's process wrote, read from the
 * file the pod runtime stand-in sends its output to. At most the last {@link #MAX_BYTES} are sent at once;
 * {@code follow} then sends what is appended, polling the file, until the pod's files go or the client leaves.
 * {@code previous} (the log of an earlier run) is refused: a restarted container's output follows the old one.
 */
final class PodLogs {
    static final int MAX_BYTES = 1 << 20;
    private static final long POLL_MS = 200;

    private PodLogs() {
    }

    static void serve(ChannelHandlerContext ctx, FullHttpRequest req, PodStreams.Target t,
                      Map<String, List<String>> query, PodProcesses processes) {
        if ("true".equals(first(query, "previous"))) {
            ApiRequestHandler.reply(ctx, req, ApiStatus.response(400, "BadRequest", "the kovn sandbox keeps no log of "
                    + "a container's previous run: a restarted container's output follows the old one in its log"));
            return;
        }
        String container = first(query, "container");
        Optional<Path> file = processes.log(t.namespace(), t.pod(), container);
        if (file.isEmpty() || !Files.exists(file.get())) {
            ApiRequestHandler.reply(ctx, req, ApiStatus.response(400, "BadRequest", "pod " + t.namespace() + "/"
                    + t.pod() + (container == null ? "" : " container " + container)
                    + " is not running on a sandbox node (no log yet)"));
            return;
        }
        byte[] start;
        long offset;
        try (RandomAccessFile f = new RandomAccessFile(file.get().toFile(), "r")) {
            long length = f.length();
            long from = Math.max(0, length - MAX_BYTES);
            start = new byte[(int) (length - from)];
            f.seek(from);
            f.readFully(start);
            offset = length;
        } catch (IOException e) {
            ApiRequestHandler.reply(ctx, req, ApiStatus.response(500, "InternalError", "cannot read the log: " + e));
            return;
        }
        start = tail(start, query);
        if (!"true".equals(first(query, "follow"))) {
            FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                    Unpooled.wrappedBuffer(start));
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain").setInt(HttpHeaderNames.CONTENT_LENGTH, start.length);
            ApiRequestHandler.reply(ctx, req, r);
            return;
        }
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain")
                .set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        ctx.write(head);
        ctx.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(start)));
        new Follower(ctx, file.get(), offset).start();
    }

    /** The last {@code tailLines} lines of {@code bytes} if asked for. */
    private static byte[] tail(byte[] bytes, Map<String, List<String>> query) {
        String n = first(query, "tailLines");
        int lines;
        try {
            lines = n == null ? -1 : Integer.parseInt(n);
        } catch (NumberFormatException e) {
            return bytes;
        }
        if (lines < 0) {
            return bytes;
        }
        int end = bytes.length > 0 && bytes[bytes.length - 1] == '\n' ? bytes.length - 1 : bytes.length;
        int i = end;
        for (int seen = 0; i > 0; i--) {
            if (bytes[i - 1] == '\n' && ++seen == lines) {
                break;
            }
        }
        return lines == 0 ? new byte[0] : Arrays.copyOfRange(bytes, i, bytes.length);
    }

    private static String first(Map<String, List<String>> query, String name) {
        List<String> v = query.get(name);
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    /** Sends what is appended to the file, on the connection's event loop. */
    private static final class Follower {
        private final ChannelHandlerContext ctx;
        private final Path file;
        private long offset;
        private ScheduledFuture<?> task;

        Follower(ChannelHandlerContext ctx, Path file, long offset) {
            this.ctx = ctx;
            this.file = file;
            this.offset = offset;
        }

        void start() {
            task = ctx.executor().scheduleWithFixedDelay(this::poll, POLL_MS, POLL_MS, TimeUnit.MILLISECONDS);
            ctx.channel().closeFuture().addListener(f -> task.cancel(false));
        }

        private void poll() {
            if (!Files.exists(file)) {
                task.cancel(false);
                ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(ChannelFutureListener.CLOSE);
                return;
            }
            if (!ctx.channel().isWritable()) {
                return;
            }
            try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
                long length = f.length();
                if (length < offset) {
                    offset = 0;
                }
                if (length == offset) {
                    return;
                }
                byte[] more = new byte[(int) Math.min(length - offset, 64 << 10)];
                f.seek(offset);
                f.readFully(more);
                offset += more.length;
                ctx.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(more)));
            } catch (IOException e) {
                task.cancel(false);
                ctx.close();
            }
        }
    }
}
