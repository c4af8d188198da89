package io.kovn.ovsdb.client;

import io.kovn.ovsdb.wire.OvsdbJson;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.MappingIterator;
import tools.jackson.databind.node.ObjectNode;

/**
 * A scriptable stand-in for ovsdb-server on 127.0.0.1 (kernel-chosen port): every accepted connection runs
 * {@link Session#run} on its own thread, and every JSON message the clients send is recorded.
 */
final class FakeOvsdbServer implements AutoCloseable {

    /** What the server does on one connection; returning (or throwing) closes it. */
    interface Session {
        void run(Conn conn) throws Exception;
    }

    /** A message a client sent, with the number (from 1) of the connection it came on. */
    record Received(int connection, JsonNode message) {
    }

    /** One accepted connection. */
    final class Conn {
        private final int index;
        private final Socket socket;
        private final OutputStream out;
        private MappingIterator<JsonNode> in; // created on the first read: creating it waits for a first byte

        Conn(int index, Socket socket) throws IOException {
            this.index = index;
            this.socket = socket;
            this.out = socket.getOutputStream();
        }

        /** 1 for the first connection accepted, 2 for the next... */
        int index() {
            return index;
        }

        /**
         * The next message (recorded), or null once the client closed the connection. Monitor requests for
         * {@code _Server} are answered with {@link #serverDatabases} and neither returned nor recorded.
         */
        JsonNode read() {
            for (JsonNode msg; (msg = readAny()) != null; ) {
                if (!answeredServerMonitor(msg)) {
                    received.add(new Received(index, msg));
                    return msg;
                }
            }
            return null;
        }

        /** Reads the first message, which must be the client's monitor of {@code _Server}, and answers it. */
        void answerServerMonitor() throws IOException {
            JsonNode msg = readAny();
            if (msg == null || !answeredServerMonitor(msg)) {
                throw new IOException("expected the monitor of _Server, got " + msg);
            }
        }

        private boolean answeredServerMonitor(JsonNode msg) {
            if (!msg.path("method").asString("").startsWith("monitor")
                    || !"_Server".equals(msg.path("params").path(0).asString(""))) {
                return false;
            }
            serverMonitors.incrementAndGet();
            try {
                reply(msg, OvsdbJson.MAPPER.readTree("{\"Database\": " + serverDatabases.apply(index) + "}"));
            } catch (IOException e) {
                return true; // the client went away; the next read says so
            }
            return true;
        }

        private JsonNode readAny() {
            try {
                if (in == null) {
                    in = OvsdbJson.MAPPER.readerFor(JsonNode.class).readValues(socket.getInputStream());
                }
                return in.hasNextValue() ? in.nextValue() : null;
            } catch (RuntimeException | IOException e) { // closed under us, or reset by the client
                return null;
            }
        }

        /** Sends raw bytes, well-formed or not. */
        void sendRaw(String text) throws IOException {
            synchronized (out) {
                out.write(text.getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
        }

        void sendRaw(byte[] bytes) throws IOException {
            synchronized (out) {
                out.write(bytes);
                out.flush();
            }
        }

        void send(JsonNode msg) throws IOException {
            sendRaw(msg.toString());
        }

        /** Answers {@code request} with {@code result}. */
        void reply(JsonNode request, JsonNode result) throws IOException {
            ObjectNode r = OvsdbJson.NODES.objectNode();
            r.set("id", request.get("id"));
            r.set("result", result);
            r.putNull("error");
            send(r);
        }

        void close() throws IOException {
            socket.close();
        }
    }

    private final ServerSocket server;
    private final Session session;
    private final AtomicInteger accepts = new AtomicInteger();
    private final AtomicInteger serverMonitors = new AtomicInteger();
    /**
     * The {@code _Server} Database rows each connection (by number) reports, as the JSON object of a monitor
     * reply's table ({@code {uuid: {"new": row}}}); none by default: a standalone server.
     */
    private volatile IntFunction<String> serverDatabases = conn -> "{}";
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final List<Thread> threads = new CopyOnWriteArrayList<>();
    private final Thread acceptor;

    FakeOvsdbServer(Session session) throws IOException {
        this.session = session;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.acceptor = new Thread(this::acceptLoop, "fake-ovsdb-accept-" + server.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** The server's address in OVS syntax, for {@link OvsdbClient}. */
    String remote() {
        return "tcp:127.0.0.1:" + server.getLocalPort();
    }

    int accepts() {
        return accepts.get();
    }

    /** Monitors of {@code _Server} answered so far. */
    int serverMonitors() {
        return serverMonitors.get();
    }

    void serverDatabases(IntFunction<String> rows) {
        this.serverDatabases = rows;
    }

    List<Received> received() {
        return List.copyOf(received);
    }

    /** The messages received whose "method" is {@code method}. */
    List<Received> requests(String method) {
        List<Received> out = new ArrayList<>();
        received.forEach(r -> {
            if (method.equals(r.message().path("method").asString(""))) {
                out.add(r);
            }
        });
        return out;
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            Socket s;
            try {
                s = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            int index = accepts.incrementAndGet();
            sockets.add(s);
            Thread t = new Thread(() -> {
                try (s) {
                    session.run(new Conn(index, s));
                } catch (Exception e) {
                    // the client went away or the test closed the server: the session is over either way
                }
            }, "fake-ovsdb-conn-" + index);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    @Override
    public void close() throws Exception {
        server.close();
        for (Socket s : sockets) {
            s.close();
        }
        acceptor.join(5000);
        for (Thread t : threads) {
            t.join(5000);
        }
    }
}
