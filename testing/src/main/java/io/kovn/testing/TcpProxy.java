package io.kovn.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A TCP proxy on 127.0.0.1 in front of a server (e.g. ovsdb-server's tcp: listener) that a test can use to lose
 * connections at chosen moments: cut every connection, hold new ones, or let a request through and drop the
 * connection before its reply comes back (the "committed, but the client never heard" case).
 */
public final class TcpProxy implements AutoCloseable {
    private final InetSocketAddress upstream;
    private final ServerSocket listener;
    private final List<Link> links = new CopyOnWriteArrayList<>();
    private final AtomicInteger accepts = new AtomicInteger();
    private final AtomicReference<String> cutAfter = new AtomicReference<>();
    private final List<String> transcript = new CopyOnWriteArrayList<>();
    private final AtomicInteger linkIds = new AtomicInteger();
    private final Object holdLock = new Object();
    private boolean held;

    /** {@code upstream} in OVS syntax, {@code tcp:HOST:PORT}. */
    public TcpProxy(String upstream) throws IOException {
        String[] p = upstream.split(":");
        if (p.length != 3 || !p[0].equals("tcp")) {
            throw new IllegalArgumentException("not a tcp:HOST:PORT remote: " + upstream);
        }
        this.upstream = new InetSocketAddress(p[1], Integer.parseInt(p[2]));
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(this::acceptLoop, "tcp-proxy-" + listener.getLocalPort());
        t.setDaemon(true);
        t.start();
    }

    /** The proxy's address in OVS syntax. */
    public String remote() {
        return "tcp:127.0.0.1:" + listener.getLocalPort();
    }

    public int accepts() {
        return accepts.get();
    }

    /**
     * What went through, in the order the proxy read it: one entry per read, {@code "N> text"} from the client
     * of connection N (from 1) to the server and {@code "N< text"} back, the text cut at 200 characters.
     */
    public List<String> transcript() {
        return List.copyOf(transcript);
    }

    /**
     * The next client-to-server chunk containing {@code marker} goes through; from then on nothing comes back
     * on that connection, and after {@code afterMs} (time for the server to act on it) the connection is cut.
     */
    public void cutAfterRequestContaining(String marker, long afterMs) {
        cutAfter.set(marker + "\u0000" + afterMs);
    }

    /** Closes every open connection. */
    public void cutAll() {
        links.forEach(Link::close);
    }

    /** While held, new connections are accepted but not connected through until released. */
    public void hold(boolean hold) {
        synchronized (holdLock) {
            held = hold;
            holdLock.notifyAll();
        }
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            Socket client;
            try {
                client = listener.accept();
            } catch (IOException e) {
                return;
            }
            accepts.incrementAndGet();
            Thread t = new Thread(() -> connect(client), "tcp-proxy-link");
            t.setDaemon(true);
            t.start();
        }
    }

    private void connect(Socket client) {
        try {
            synchronized (holdLock) {
                while (held) {
                    holdLock.wait();
                }
            }
            Socket server = new Socket();
            server.connect(upstream, 5000);
            Link link = new Link(linkIds.incrementAndGet(), client, server);
            links.add(link);
            link.start();
        } catch (IOException | InterruptedException e) {
            Sockets.closeQuietly(client);
        }
    }

    /** One proxied connection: a pump each way. */
    private final class Link {
        private final int id;
        private final Socket client;
        private final Socket server;
        private volatile boolean replyLost;

        Link(int id, Socket client, Socket server) {
            this.id = id;
            this.client = client;
            this.server = server;
        }

        void start() {
            pump(client, server, true);
            pump(server, client, false);
        }

        private void pump(Socket from, Socket to, boolean request) {
            Thread t = new Thread(() -> {
                byte[] buf = new byte[64 * 1024];
                try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                    for (int n; (n = in.read(buf)) >= 0; ) {
                        String text = new String(buf, 0, Math.min(n, 200), StandardCharsets.UTF_8);
                        if (request) {
                            checkCut(new String(buf, 0, n, StandardCharsets.UTF_8));
                        } else if (replyLost) {
                            continue;
                        }
                        transcript.add(id + (request ? "> " : "< ") + text);
                        out.write(buf, 0, n);
                        out.flush();
                    }
                } catch (IOException e) {
                    // one side went away
                } finally {
                    close();
                }
            }, "tcp-proxy-pump");
            t.setDaemon(true);
            t.start();
        }

        private void checkCut(String chunk) {
            String armed = cutAfter.get();
            if (armed == null) {
                return;
            }
            String[] a = armed.split("\u0000");
            if (chunk.contains(a[0]) && cutAfter.compareAndSet(armed, null)) {
                replyLost = true;
                Thread t = new Thread(() -> {
                    try {
                        Thread.sleep(Long.parseLong(a[1]));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    close();
                }, "tcp-proxy-cut");
                t.setDaemon(true);
                t.start();
            }
        }

        void close() {
            Sockets.closeQuietly(client);
            Sockets.closeQuietly(server);
            links.remove(this);
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
        hold(false);
        cutAll();
    }
}
