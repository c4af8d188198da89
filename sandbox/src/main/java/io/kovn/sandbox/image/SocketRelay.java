package io.kovn.sandbox.image;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Semaphore;

/**
 * Carries the sandbox's emulated API into a node's network namespace without touching the host's network: the
 * API listens on the host's loopback, which a namespace cannot reach (it has its own {@code lo}), but a unix
 * socket is a file, reachable from every namespace. The supervisor runs one relay from {@code <state>/api.sock}
 * to the API's TCP port; each node's namespace runs one ({@link #main}, started with {@code ip netns exec}) from
 * its own {@code 127.0.0.1:<same port>} to that socket, so the node agent's kubeconfig is the sandbox's. Each
 * connection is copied both ways by two threads until either side closes; at most {@link #MAX_CONNECTIONS} at
 * once (the agent keeps a handful).
 */
public final class SocketRelay implements AutoCloseable {
    static final int MAX_CONNECTIONS = 64;

    private final ServerSocketChannel server;
    private final SocketAddress target;
    private final Path socketFile;
    private final Semaphore slots = new Semaphore(MAX_CONNECTIONS);
    private final Thread acceptor;

    private SocketRelay(ServerSocketChannel server, SocketAddress target, Path socketFile) {
        this.server = server;
        this.target = target;
        this.socketFile = socketFile;
        this.acceptor = new Thread(this::accept, "relay " + server + " -> " + target);
        acceptor.setDaemon(true);
    }

    /** Accepts on the unix socket {@code socket} (replacing a stale file) and connects to {@code target}. */
    public static SocketRelay fromUnix(Path socket, InetSocketAddress target) throws IOException {
        Files.deleteIfExists(socket);
        ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        s.bind(UnixDomainSocketAddress.of(socket));
        return start(new SocketRelay(s, target, socket));
    }

    /** Accepts on {@code listen} and connects to the unix socket {@code socket}. */
    public static SocketRelay toUnix(InetSocketAddress listen, Path socket) throws IOException {
        ServerSocketChannel s = ServerSocketChannel.open();
        s.bind(listen);
        return start(new SocketRelay(s, UnixDomainSocketAddress.of(socket), null));
    }

    private static SocketRelay start(SocketRelay r) {
        r.acceptor.start();
        return r;
    }

    /** {@code SocketRelay PORT SOCKET}: 127.0.0.1:PORT of this process's namespace to the unix socket SOCKET. */
    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: SocketRelay PORT SOCKET");
            System.exit(2);
        }
        try (SocketRelay r = toUnix(new InetSocketAddress("127.0.0.1", Integer.parseInt(args[0])), Path.of(args[1]))) {
            r.acceptor.join();
        }
    }

    private void accept() {
        while (server.isOpen()) {
            SocketChannel in;
            try {
                in = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            if (!slots.tryAcquire()) {
                closeQuietly(in);
                continue;
            }
            try {
                SocketChannel out = SocketChannel.open(target);
                Thread a = new Thread(() -> copy(in, out), "relay in");
                Thread b = new Thread(() -> {
                    copy(out, in);
                    try {
                        a.join();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    closeQuietly(in);
                    closeQuietly(out);
                    slots.release();
                }, "relay out");
                a.setDaemon(true);
                b.setDaemon(true);
                a.start();
                b.start();
            } catch (IOException e) {
                closeQuietly(in);
                slots.release();
            }
        }
    }

    /** Copies until {@code from} ends, then ends {@code to}'s output; on an error closes both. */
    private static void copy(SocketChannel from, SocketChannel to) {
        ByteBuffer buf = ByteBuffer.allocate(16 * 1024);
        try {
            while (from.read(buf) >= 0) {
                buf.flip();
                while (buf.hasRemaining()) {
                    to.write(buf);
                }
                buf.clear();
            }
            to.shutdownOutput();
        } catch (IOException e) {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private static void closeQuietly(SocketChannel c) {
        try {
            c.close();
        } catch (IOException e) {
            // already gone
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        if (socketFile != null) {
            Files.deleteIfExists(socketFile);
        }
    }
}
