package io.kovn.node.cni;

import io.kovn.node.NodeMetrics;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The unix socket the plugin talks to. One request per connection: the plugin writes it and shuts down its
 * sending side, the server answers {@code {"result": ...}}, {@code {}} or {@code {"error": ...}} and closes.
 * The socket is root's only (mode 0600): whoever can write to it can plumb interfaces into any namespace.
 */
public final class CniServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CniServer.class);
    private static final int MAX_REQUEST = 1 << 20;

    private final Path path;
    private final CniHandler handler;
    private final NodeMetrics metrics;
    private final ServerSocketChannel server;
    private final ExecutorService workers;
    private final Thread acceptor;
    private volatile boolean closed;

    private CniServer(Path path, CniHandler handler, NodeMetrics metrics, ServerSocketChannel server) {
        this.path = path;
        this.handler = handler;
        this.metrics = metrics;
        this.server = server;
        AtomicInteger n = new AtomicInteger();
        // each request mostly waits (annotation, ovn-installed): many threads, few busy
        this.workers = new ThreadPoolExecutor(128, 128, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "cni-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        ((ThreadPoolExecutor) workers).allowCoreThreadTimeOut(true);
        this.acceptor = new Thread(this::acceptLoop, "cni-server");
        this.acceptor.setDaemon(true);
    }

    /**
     * Binds under a temporary name, restricts it to root, then renames it into place: the plugin never sees a
     * socket it may not use, and a stale socket of an earlier run is replaced.
     */
    public static CniServer start(Path path, CniHandler handler, NodeMetrics metrics) {
        try {
            Files.createDirectories(path.getParent());
            Path tmp = path.resolveSibling(path.getFileName() + ".new." + ProcessHandle.current().pid());
            Files.deleteIfExists(tmp);
            ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            ch.bind(UnixDomainSocketAddress.of(tmp), 256);
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
            Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            CniServer s = new CniServer(path, handler, metrics, ch);
            s.acceptor.start();
            log.info("CNI server listening on {}", path);
            return s;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on " + path, e);
        }
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                SocketChannel c = server.accept();
                workers.execute(() -> serve(c));
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (!closed) {
                    log.warn("accepting a CNI connection failed", e);
                }
            }
        }
    }

    private void serve(SocketChannel c) {
        try (c) {
            byte[] answer = answer(read(c));
            ByteBuffer out = ByteBuffer.wrap(answer);
            while (out.hasRemaining()) {
                c.write(out);
            }
        } catch (IOException e) {
            log.warn("CNI connection failed: {}", e.toString());
        }
    }

    private byte[] answer(byte[] body) {
        ObjectNode resp = CniRequest.JSON.createObjectNode();
        long t0 = System.nanoTime();
        String command = "unreadable";
        String result = "ok";
        try {
            CniRequest req = CniRequest.parse(body);
            command = req.command();
            ObjectNode added = handler.handle(req);
            log.debug("{} done in {} ms", req, (System.nanoTime() - t0) / 1_000_000);
            if (added != null) {
                resp.set("result", added);
            }
        } catch (CniFailure f) {
            result = Integer.toString(f.code());
            ObjectNode e = resp.putObject("error").put("code", f.code()).put("msg", f.getMessage());
            if (f.details() != null) {
                e.put("details", f.details());
            }
        } catch (RuntimeException e) {
            log.error("CNI request failed", e);
            result = Integer.toString(CniFailure.SETUP_FAILED);
            resp.putObject("error").put("code", CniFailure.SETUP_FAILED).put("msg", "the node agent failed: " + e);
        }
        metrics.cniRequest(command, result, java.time.Duration.ofNanos(System.nanoTime() - t0));
        return CniRequest.JSON.writeValueAsBytes(resp);
    }

    private static byte[] read(SocketChannel c) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream(4096);
        ByteBuffer buf = ByteBuffer.allocate(8192);
        while (c.read(buf) >= 0) {
            b.write(buf.array(), 0, buf.position());
            buf.clear();
            if (b.size() > MAX_REQUEST) {
                throw new IOException("request larger than " + MAX_REQUEST + " bytes");
            }
        }
        return b.toByteArray();
    }

    /** Stops accepting, removes the socket and lets requests in progress finish (up to 10 s). */
    @Override
    public void close() {
        closed = true;
        try {
            server.close();
            Files.deleteIfExists(path);
        } catch (IOException e) {
            log.warn("closing the CNI socket {} failed", path, e);
        }
        workers.shutdown();
        try {
            workers.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
