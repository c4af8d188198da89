package io.kovn.sandbox.workload;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * The sandbox's default pod workload (a stand-in for a container image): echoes what it receives on every
 * declared container port, TCP and UDP, in one thread. A TCP line or a UDP datagram that is exactly
 * {@code whoami} is answered with the pod's name instead, so a client can tell which backend answered; one that is
 * exactly {@code peer} with the address the request came from, so a client can tell how it was translated.
 * It prints {@code listening} once every port is bound. JDK only: it runs in a small JVM per pod.
 *
 * <p>Usage: {@code EchoServer NAME tcp:PORT|udp:PORT...}
 */
public final class EchoServer {
    private static final byte[] WHOAMI = "whoami\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PEER = "peer\n".getBytes(StandardCharsets.US_ASCII);

    private EchoServer() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 1) {
            System.err.println("usage: EchoServer NAME tcp:PORT|udp:PORT...");
            System.exit(2);
        }
        byte[] name = (args[0] + "\n").getBytes(StandardCharsets.UTF_8);
        Selector selector = Selector.open();
        List<String> bound = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            String[] p = args[i].split(":");
            int port = Integer.parseInt(p[1]);
            if (p[0].equalsIgnoreCase("udp")) {
                DatagramChannel ch = DatagramChannel.open();
                ch.bind(new InetSocketAddress(port)).configureBlocking(false);
                ch.register(selector, SelectionKey.OP_READ);
            } else {
                ServerSocketChannel ch = ServerSocketChannel.open();
                ch.bind(new InetSocketAddress(port), 128).configureBlocking(false);
                ch.register(selector, SelectionKey.OP_ACCEPT);
            }
            bound.add(args[i]);
        }
        System.out.println("listening " + String.join(" ", bound));
        System.out.flush();
        ByteBuffer buf = ByteBuffer.allocate(65536);
        while (true) {
            selector.select();
            Iterator<SelectionKey> it = selector.selectedKeys().iterator();
            while (it.hasNext()) {
                SelectionKey key = it.next();
                it.remove();
                try {
                    serve(key, selector, buf, name);
                } catch (IOException e) {
                    key.cancel();
                    key.channel().close();
                }
            }
        }
    }

    private static void serve(SelectionKey key, Selector selector, ByteBuffer buf, byte[] name) throws IOException {
        if (key.isAcceptable()) {
            SocketChannel c = ((ServerSocketChannel) key.channel()).accept();
            if (c != null) {
                c.configureBlocking(false);
                c.register(selector, SelectionKey.OP_READ);
            }
        } else if (key.channel() instanceof DatagramChannel ch) {
            buf.clear();
            SocketAddress from = ch.receive(buf);
            if (from != null) {
                buf.flip();
                ch.send(reply(buf, name, from), from);
            }
        } else {
            SocketChannel c = (SocketChannel) key.channel();
            buf.clear();
            int n = c.read(buf);
            if (n < 0) {
                key.cancel();
                c.close();
                return;
            }
            buf.flip();
            ByteBuffer reply = reply(buf, name, c.getRemoteAddress());
            // replies are small; a client that stops reading only loses its own echo
            c.write(reply);
        }
    }

    private static ByteBuffer reply(ByteBuffer request, byte[] name, SocketAddress from) {
        if (is(request, WHOAMI)) {
            return ByteBuffer.wrap(name);
        }
        if (is(request, PEER) && from instanceof InetSocketAddress a) {
            return ByteBuffer.wrap((a.getAddress().getHostAddress() + "\n").getBytes(StandardCharsets.US_ASCII));
        }
        return request;
    }

    private static boolean is(ByteBuffer b, byte[] request) {
        return b.remaining() == request.length && b.equals(ByteBuffer.wrap(request));
    }
}
