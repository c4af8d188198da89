package io.kovn.cni;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** An agent that is there but does not accept: its accept backlog full, so the next connect would wait for room. */
final class FullBacklog {
    private FullBacklog() {
    }

    /** Connects until a non-blocking connect finds no room (EAGAIN); the caller closes the connections. */
    static List<SocketChannel> fill(Path sock) throws IOException {
        List<SocketChannel> queued = new ArrayList<>();
        for (int k = 0; k < 100; k++) {
            SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
            c.configureBlocking(false);
            try {
                c.connect(UnixDomainSocketAddress.of(sock));
            } catch (IOException full) {
                c.close();
                return queued;
            }
            queued.add(c);
        }
        throw new IllegalStateException("the backlog of " + sock + " never filled up");
    }
}
