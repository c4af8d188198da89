package io.kovn.node.cni;

import io.kovn.cni.CniInputs;
import io.kovn.node.NodeMetrics;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
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
 *
 * <p>Requests are read by one thread with a selector, so a connection that sends nothing or trickles costs no
 * worker: each must arrive whole within {@link Limits#readTimeout} and {@link Limits#maxRequestBytes}, at most
 * {@link Limits#maxReading} are read at once (a new one pushes out the oldest), and only complete requests go to
 * the bounded pool of workers (a full pool answers "try again later"). Idle or hostile connections therefore
 * cannot keep STATUS or ADD from being answered. Refusals are answered with the CNI error when the peer can still
 * take it, and counted under the command "unread".
 */
public final class CniServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CniServer.class);
    private static final Duration WORKER_IDLE = Duration.ofSeconds(10);

    /** The server's bounds; {@link #DEFAULT} is what the agent runs with. */
    record Limits(Duration readTimeout, int maxReading, int maxRequestBytes, int workers, int queued,
                  Duration writeTimeout) {
        /**
         * 10 s for a request the plugin writes in one go; 64 connections being read; the plugin's own bound on a
         * request; 128 workers (each request mostly waits: annotation, ovn-installed) and 512 requests queued.
         */
        static final Limits DEFAULT = new Limits(Duration.ofSeconds(10), 64, CniInputs.MAX_REQUEST_BYTES, 128, 512,
                Duration.ofSeconds(10));
    }

    /** What answers a parsed request: the ADD result, or null. */
    @FunctionalInterface
    interface Handler {
        ObjectNode handle(CniRequest req) throws CniFailure;
    }

    /** A connection whose request is still arriving. */
    private static final class Reading {
        final SocketChannel channel;
        final long deadlineNanos;
        final ByteArrayOutputStream body = new ByteArrayOutputStream(4096);
        SelectionKey key;

        Reading(SocketChannel channel, long deadlineNanos) {
            this.channel = channel;
            this.deadlineNanos = deadlineNanos;
        }
    }

    /**
     * The workers' queue, which a request enters only when no worker is idle to take it and no more may start: with
     * a worker idle, or all {@link Limits#workers} started, it waits here; otherwise {@code offer} refuses and the pool
     * starts a worker for it. A pool whose workers are all core threads (the plain way to bound it) starts a thread
     * for each request until the bound, idle ones or not: 40 threads for 20 pods added one after another, each
     * thread's stack and malloc arena resident until it ends. Only the reader thread submits. A worker that times
     * out just as a request is queued for it leaves that request to the next worker that finishes (the same edge as
     * Tomcat's pool, which works this way).
     */
    private static final class WorkQueue extends ArrayBlockingQueue<Runnable> {
        /** Requests handed to the pool and not yet answered (queued or running). */
        final AtomicInteger unfinished = new AtomicInteger();
        ThreadPoolExecutor pool;

        WorkQueue(int capacity) {
            super(capacity);
        }

        @Override
        public boolean offer(Runnable r) {
            int started = pool.getPoolSize();
            return (unfinished.get() <= started || started >= pool.getMaximumPoolSize()) && super.offer(r);
        }
    }

    private final Path path;
    private final Handler handler;
    private final NodeMetrics metrics;
    private final Limits limits;
    private final ServerSocketChannel server;
    private final Selector selector;
    private final ThreadPoolExecutor workers;
    private final Thread reader;
    /** In accept order: the oldest first, to push out and to time out. Only the reader thread touches it. */
    private final Deque<Reading> reading = new ArrayDeque<>();
    /**
     * Connections no longer read, with what to do with each once the selector has let go of them: a channel still
     * registered with a selector is not really closed by close(), so the plugin would wait for an end that does
     * not come.
     */
    private final List<Runnable> finished = new ArrayList<>();
    private final ByteBuffer readBuffer = ByteBuffer.allocate(64 * 1024);
    private volatile boolean closed;

    private CniServer(Path path, Handler handler, NodeMetrics metrics, Limits limits, ServerSocketChannel server,
                      Selector selector) {
        this.path = path;
        this.handler = handler;
        this.metrics = metrics;
        this.limits = limits;
        this.server = server;
        this.selector = selector;
        AtomicInteger n = new AtomicInteger();
        WorkQueue queue = new WorkQueue(limits.queued());
        // a worker outlives its last request by WORKER_IDLE: a burst's threads are gone soon after it
        this.workers = new ThreadPoolExecutor(0, limits.workers(), WORKER_IDLE.toSeconds(), TimeUnit.SECONDS, queue,
                r -> {
                    Thread t = new Thread(r, "cni-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        queue.pool = workers;
        this.reader = new Thread(this::readLoop, "cni-server");
        this.reader.setDaemon(true);
    }

    /**
     * Binds under a temporary name, restricts it to root, then renames it into place: the plugin never sees a
     * socket it may not use, and a stale socket of an earlier run is replaced.
     */
    public static CniServer start(Path path, CniHandler handler, NodeMetrics metrics) {
        return start(path, handler::handle, metrics, Limits.DEFAULT);
    }

    /** The same, serving underlay mode's requests. */
    public static CniServer start(Path path, UnderlayCniHandler handler, NodeMetrics metrics) {
        return start(path, handler::handle, metrics, Limits.DEFAULT);
    }

    static CniServer start(Path path, Handler handler, NodeMetrics metrics, Limits limits) {
        try {
            Files.createDirectories(path.getParent());
            Path tmp = path.resolveSibling(path.getFileName() + ".new." + ProcessHandle.current().pid());
            Files.deleteIfExists(tmp);
            ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            ch.bind(UnixDomainSocketAddress.of(tmp), 256);
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
            Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            ch.configureBlocking(false);
            Selector selector = Selector.open();
            ch.register(selector, SelectionKey.OP_ACCEPT);
            CniServer s = new CniServer(path, handler, metrics, limits, ch, selector);
            s.reader.start();
            log.info("CNI server listening on {}", path);
            return s;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on " + path, e);
        }
    }

    private void readLoop() {
        try {
            while (!closed) {
                Reading oldest = reading.peekFirst();
                long waitMillis = oldest == null ? 0
                        : Math.max(1, TimeUnit.NANOSECONDS.toMillis(oldest.deadlineNanos - System.nanoTime()) + 1);
                selector.select(waitMillis);
                for (SelectionKey key : selector.selectedKeys()) {
                    if (!key.isValid()) {
                        continue;
                    }
                    if (key.isAcceptable()) {
                        acceptAll();
                    } else if (key.isReadable()) {
                        readFrom((Reading) key.attachment());
                    }
                }
                selector.selectedKeys().clear();
                expireLate();
                if (!finished.isEmpty()) {
                    selector.selectNow(); // deregisters the cancelled keys
                    finished.forEach(Runnable::run);
                    finished.clear();
                }
            }
        } catch (IOException | RuntimeException e) {
            if (!closed) {
                log.error("the CNI server stopped reading requests", e);
            }
        } finally {
            for (Reading r : reading) {
                closeQuietly(r.channel);
            }
            reading.clear();
        }
    }

    private void acceptAll() {
        SocketChannel c;
        while ((c = acceptOne()) != null) {
            if (reading.size() >= limits.maxReading()) {
                refuse(reading.peekFirst(), CniFailure.TRY_AGAIN_LATER, "the CNI server is reading "
                        + limits.maxReading() + " requests at once; this one was the oldest");
            }
            Reading r = new Reading(c, System.nanoTime() + limits.readTimeout().toNanos());
            try {
                c.configureBlocking(false);
                r.key = c.register(selector, SelectionKey.OP_READ, r);
            } catch (IOException e) {
                log.warn("cannot read a CNI connection: {}", e.toString());
                closeQuietly(c);
                continue;
            }
            reading.addLast(r);
        }
    }

    /** The next pending connection, or null; a failure (e.g. out of file descriptors) pauses accepting briefly. */
    private SocketChannel acceptOne() {
        try {
            return server.accept();
        } catch (IOException e) {
            log.warn("accepting a CNI connection failed: {}", e.toString());
            try {
                Thread.sleep(100); // the listener stays ready: do not spin
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
            return null;
        }
    }

    private void readFrom(Reading r) {
        try {
            int n;
            while ((n = r.channel.read(readBuffer.clear())) > 0) {
                r.body.write(readBuffer.array(), 0, n);
                if (r.body.size() > limits.maxRequestBytes()) {
                    refuse(r, CniFailure.INVALID_ENVIRONMENT, "the CNI request is larger than "
                            + limits.maxRequestBytes() + " bytes");
                    return;
                }
            }
            if (n < 0) {
                done(r, () -> dispatch(r));
            }
        } catch (IOException e) {
            log.warn("reading a CNI request failed: {}", e.toString());
            done(r, () -> closeQuietly(r.channel));
        }
    }

    private void expireLate() {
        long now = System.nanoTime();
        while (!reading.isEmpty() && reading.peekFirst().deadlineNanos - now <= 0) {
            refuse(reading.peekFirst(), CniFailure.TRY_AGAIN_LATER, "the CNI request did not arrive whole within "
                    + limits.readTimeout().toSeconds() + " s");
        }
    }

    /** The request is complete (or refused): no longer read; {@code then} runs once the selector let go of it. */
    private void done(Reading r, Runnable then) {
        reading.remove(r);
        r.key.cancel();
        finished.add(then);
    }

    private void dispatch(Reading r) {
        byte[] body = r.body.toByteArray();
        WorkQueue queue = (WorkQueue) workers.getQueue();
        queue.unfinished.incrementAndGet();
        try {
            workers.execute(() -> {
                try (SocketChannel c = r.channel) {
                    try {
                        write(c, answer(body), System.nanoTime() + limits.writeTimeout().toNanos());
                    } finally {
                        queue.unfinished.decrementAndGet(); // before the close the plugin waits for
                    }
                } catch (IOException e) {
                    log.warn("answering a CNI request failed: {}", e.toString());
                }
            });
        } catch (RejectedExecutionException e) {
            queue.unfinished.decrementAndGet();
            answerAndClose(r.channel, CniFailure.TRY_AGAIN_LATER, "the CNI server has " + limits.workers()
                    + " requests in progress and " + limits.queued() + " waiting");
        }
    }

    /** Stops reading {@code r} and answers it with an error, as far as its peer takes it now. */
    private void refuse(Reading r, int code, String why) {
        done(r, () -> answerAndClose(r.channel, code, why));
    }

    private void answerAndClose(SocketChannel c, int code, String why) {
        log.warn("CNI connection refused: {}", why);
        metrics.cniRequest("unread", Integer.toString(code), Duration.ZERO);
        ObjectNode resp = CniRequest.JSON.createObjectNode();
        resp.putObject("error").put("code", code).put("msg", why);
        try {
            c.write(ByteBuffer.wrap(CniRequest.JSON.writeValueAsBytes(resp))); // small: fits unless the peer is full
        } catch (IOException e) {
            // the peer is gone or not reading; closing is all that is left
        }
        closeQuietly(c);
    }

    /** Writes within the deadline; the channel is non-blocking, so a peer that does not read cannot hold a worker. */
    private static void write(SocketChannel c, byte[] answer, long deadlineNanos) throws IOException {
        ByteBuffer out = ByteBuffer.wrap(answer);
        while (out.hasRemaining()) {
            if (c.write(out) == 0) {
                if (System.nanoTime() - deadlineNanos > 0) {
                    throw new IOException("the plugin did not read its answer in time");
                }
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while answering");
                }
            }
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
            ObjectNode added;
            metrics.cniStarted(command);
            try {
                added = handler.handle(req);
            } finally {
                metrics.cniEnded(command);
            }
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
        metrics.cniRequest(command, result, Duration.ofNanos(System.nanoTime() - t0));
        return CniRequest.JSON.writeValueAsBytes(resp);
    }

    private static void closeQuietly(SocketChannel c) {
        try {
            c.close();
        } catch (IOException e) {
            // nothing left to do
        }
    }

    /** Stops accepting, removes the socket and lets requests in progress finish (up to 10 s). */
    @Override
    public void close() {
        closed = true;
        selector.wakeup();
        try {
            reader.join(TimeUnit.SECONDS.toMillis(5));
            selector.close();
            server.close();
            Files.deleteIfExists(path);
        } catch (IOException e) {
            log.warn("closing the CNI socket {} failed", path, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        workers.shutdown();
        try {
            workers.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
