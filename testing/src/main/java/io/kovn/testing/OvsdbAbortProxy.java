package io.kovn.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.MappingIterator;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A proxy on 127.0.0.1 in front of ovsdb-server's {@code tcp:} listener that makes the server refuse chosen
 * transactions: a {@code transact} request whose text contains a marker gets an {@code {"op":"abort"}} operation
 * put first, so ovsdb-server itself answers it with the error {@code "aborted"} and commits none of it, as it does
 * for a transaction that breaks a constraint. Everything else passes unchanged. Requests are read message by
 * message (a JSON-RPC stream is a sequence of JSON objects), so a marker is found whatever the reads' boundaries.
 */
public final class OvsdbAbortProxy implements AutoCloseable {
    private static final ObjectMapper JSON = JsonMapper.builder().build();

    private final InetSocketAddress upstream;
    private final ServerSocket listener;
    private final String marker;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final AtomicInteger aborted = new AtomicInteger();
    private final AtomicInteger passed = new AtomicInteger();

    /** {@code upstream} in OVS syntax, {@code tcp:HOST:PORT}; transactions containing {@code marker} are aborted. */
    public OvsdbAbortProxy(String upstream, String marker) throws IOException {
        String[] p = upstream.split(":");
        if (p.length != 3 || !p[0].equals("tcp")) {
            throw new IllegalArgumentException("not a tcp:HOST:PORT remote: " + upstream);
        }
        this.upstream = new InetSocketAddress(p[1], Integer.parseInt(p[2]));
        this.marker = marker;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        daemon(this::acceptLoop, "ovsdb-abort-proxy");
    }

    /** The proxy's address in OVS syntax. */
    public String remote() {
        return "tcp:127.0.0.1:" + listener.getLocalPort();
    }

    /** Transactions the proxy made the server abort. */
    public int aborted() {
        return aborted.get();
    }

    /** Transactions that went through unchanged (committed unless the server refused them on its own). */
    public int passed() {
        return passed.get();
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                Socket server = new Socket();
                server.connect(upstream, 5000);
                sockets.add(client);
                sockets.add(server);
                daemon(() -> requests(client, server), "ovsdb-abort-proxy-requests");
                daemon(() -> replies(server, client), "ovsdb-abort-proxy-replies");
            } catch (IOException e) {
                if (listener.isClosed()) {
                    return;
                }
            }
        }
    }

    private void requests(Socket client, Socket server) {
        try (InputStream in = client.getInputStream(); OutputStream out = server.getOutputStream();
             MappingIterator<JsonNode> messages = JSON.readerFor(JsonNode.class).readValues(in)) {
            while (messages.hasNextValue()) {
                JsonNode message = messages.nextValue();
                if (message instanceof ObjectNode o && "transact".equals(o.path("method").asString(""))) {
                    if (o.toString().contains(marker) && o.get("params") instanceof ArrayNode params) {
                        params.insert(1, JSON.createObjectNode().put("op", "abort"));
                        aborted.incrementAndGet();
                    } else {
                        passed.incrementAndGet();
                    }
                }
                out.write(JSON.writeValueAsBytes(message));
                out.flush();
            }
        } catch (IOException | RuntimeException e) {
            // the client went away or sent what is not JSON: the connection ends as the server's would
        } finally {
            Sockets.closeQuietly(client);
            Sockets.closeQuietly(server);
        }
    }

    private static void replies(Socket server, Socket client) {
        byte[] buf = new byte[64 * 1024];
        try (InputStream in = server.getInputStream(); OutputStream out = client.getOutputStream()) {
            for (int n; (n = in.read(buf)) >= 0; ) {
                out.write(buf, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // one side went away
        } finally {
            Sockets.closeQuietly(client);
            Sockets.closeQuietly(server);
        }
    }

    private static void daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void close() throws IOException {
        listener.close();
        sockets.forEach(Sockets::closeQuietly);
    }
}
