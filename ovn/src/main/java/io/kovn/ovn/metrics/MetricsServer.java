package io.kovn.ovn.metrics;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves {@code /metrics} (Prometheus text format) and {@code /healthz}, for the controller and the node agent.
 * A minimal HTTP/1.1 server, one request per connection, built so that no client can hold up another: one
 * selector thread reads request heads and writes answers without blocking; worker threads (behind a short queue)
 * compute the answers, {@code /healthz} on a thread of its own so that it never waits behind metrics; every
 * connection is closed once {@link #DEADLINE} has passed since it was accepted (a client that sends nothing, or
 * reads nothing); and at most {@link #MAX_CONNECTIONS} are open at once.
 */
public final class MetricsServer implements AutoCloseable {
    /** Longest a connection may stay open, from accept to the last byte of the answer. */
    public static final Duration DEADLINE = Duration.ofSeconds(5);
    static final int MAX_CONNECTIONS = 64;
    private static final Logger log = LoggerFactory.getLogger(MetricsServer.class);
    private static final int WORKERS = 2;
    private static final int MAX_REQUEST_HEAD = 8192;

    /** What is wrong, one line each; healthy when empty. */
    @FunctionalInterface
    public interface HealthCheck {
        List<String> problems();
    }

    /** One client: its request head so far, then its answer. */
    private static final class Connection {
        final SocketChannel channel;
        final long deadline = System.nanoTime() + DEADLINE.toNanos();
        final ByteBuffer head = ByteBuffer.allocate(MAX_REQUEST_HEAD);
        volatile ByteBuffer answer;

        Connection(SocketChannel channel) {
            this.channel = channel;
        }
    }

    private final ServerSocketChannel server;
    private final Selector selector;
    private final Supplier<String> metrics;
    private final HealthCheck health;
    private final ThreadPoolExecutor workers = new ThreadPoolExecutor(WORKERS, WORKERS, 0, TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(MAX_CONNECTIONS), r -> daemon(r, "kovn-metrics"));
    private final ThreadPoolExecutor healthWorker = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(MAX_CONNECTIONS), r -> daemon(r, "kovn-healthz"));
    private final Queue<Connection> answered = new ConcurrentLinkedQueue<>();
    private final Thread loop;

    /** @param bind the address to listen on; null for all of them */
    public MetricsServer(InetAddress bind, int port, Supplier<String> metrics, HealthCheck health) throws IOException {
        this.metrics = metrics;
        this.health = health;
        selector = Selector.open();
        server = ServerSocketChannel.open();
        try {
            server.bind(new InetSocketAddress(bind, port), MAX_CONNECTIONS);
            server.configureBlocking(false);
            server.register(selector, SelectionKey.OP_ACCEPT);
        } catch (IOException e) {
            server.close();
            selector.close();
            throw e;
        }
        loop = daemon(this::run, "kovn-metrics-io");
        loop.start();
    }

    public int port() {
        return server.socket().getLocalPort();
    }

    private void run() {
        try {
            while (server.isOpen()) {
                selector.select(200);
                for (Connection c; (c = answered.poll()) != null; ) {
                    SelectionKey key = c.channel.keyFor(selector);
                    if (key != null && key.isValid()) {
                        key.interestOps(SelectionKey.OP_WRITE);
                    }
                }
                for (SelectionKey key : selector.selectedKeys()) {
                    handle(key);
                }
                selector.selectedKeys().clear();
                long now = System.nanoTime();
                for (SelectionKey key : selector.keys()) {
                    if (key.attachment() instanceof Connection c && now - c.deadline > 0) {
                        close(key);
                    }
                }
            }
        } catch (IOException | ClosedSelectorException e) {
            if (server.isOpen()) {
                log.error("metrics server stopped: {}", e.toString());
            }
        }
    }

    private void handle(SelectionKey key) {
        try {
            if (!key.isValid()) {
                return;
            }
            if (key.isAcceptable()) {
                SocketChannel ch = server.accept();
                if (ch == null) {
                    return;
                }
                if (selector.keys().size() > MAX_CONNECTIONS) {
                    ch.close();
                    return;
                }
                ch.configureBlocking(false);
                ch.register(selector, SelectionKey.OP_READ, new Connection(ch));
            } else if (key.isReadable()) {
                read(key, (Connection) key.attachment());
            } else if (key.isWritable()) {
                Connection c = (Connection) key.attachment();
                c.channel.write(c.answer);
                if (!c.answer.hasRemaining()) {
                    close(key);
                }
            }
        } catch (IOException e) {
            log.debug("metrics server: connection failed: {}", e.toString());
            close(key);
        }
    }

    private void read(SelectionKey key, Connection c) throws IOException {
        if (c.channel.read(c.head) < 0 || !c.head.hasRemaining()) {
            close(key); // closed before the head ended, or a head too long
            return;
        }
        String text = new String(c.head.array(), 0, c.head.position(), StandardCharsets.ISO_8859_1);
        if (!text.contains("\r\n\r\n") && !text.contains("\n\n")) {
            return;
        }
        key.interestOps(0);
        String requestLine = text.substring(0, text.indexOf('\n')).strip();
        try {
            (requestLine.contains(" /healthz") ? healthWorker : workers).execute(() -> {
                c.answer = answer(requestLine);
                answered.add(c);
                selector.wakeup();
            });
        } catch (RejectedExecutionException e) {
            close(key);
        }
    }

    private ByteBuffer answer(String requestLine) {
        String[] parts = requestLine.split(" ");
        if (parts.length != 3 || !parts[2].startsWith("HTTP/")) {
            return reply(400, "Bad Request", "text/plain", "bad request\n", true);
        }
        boolean body = !"HEAD".equals(parts[0]);
        if (!"GET".equals(parts[0]) && body) {
            return reply(405, "Method Not Allowed", "text/plain", "only GET and HEAD\n", true);
        }
        String path = parts[1].contains("?") ? parts[1].substring(0, parts[1].indexOf('?')) : parts[1];
        try {
            return switch (path) {
                case "/metrics" -> reply(200, "OK", "text/plain; version=0.0.4", metrics.get(), body);
                case "/healthz" -> {
                    List<String> problems = health.problems();
                    yield problems.isEmpty() ? reply(200, "OK", "text/plain", "ok\n", body)
                            : reply(503, "Service Unavailable", "text/plain", String.join("\n", problems) + "\n", body);
                }
                default -> reply(404, "Not Found", "text/plain", "not found\n", body);
            };
        } catch (RuntimeException e) {
            log.warn("metrics server: {} failed: {}", path, e.toString());
            return reply(500, "Internal Server Error", "text/plain", "internal error\n", body);
        }
    }

    private static ByteBuffer reply(int code, String reason, String type, String body, boolean withBody) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        byte[] head = ("HTTP/1.1 " + code + " " + reason + "\r\nContent-Type: " + type + "\r\nContent-Length: "
                + bytes.length + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer out = ByteBuffer.allocate(head.length + (withBody ? bytes.length : 0));
        out.put(head);
        if (withBody) {
            out.put(bytes);
        }
        return out.flip();
    }

    private static void close(SelectionKey key) {
        key.cancel();
        try {
            key.channel().close();
        } catch (IOException e) {
            log.debug("metrics server: close failed: {}", e.getMessage());
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    @Override
    public void close() {
        try {
            server.close();
            selector.wakeup();
            loop.join(1000);
            for (SelectionKey key : selector.keys()) {
                if (key.attachment() instanceof Connection) {
                    close(key);
                }
            }
            selector.close();
        } catch (IOException e) {
            log.debug("metrics server: close failed: {}", e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        workers.shutdownNow();
        healthWorker.shutdownNow();
    }
}
