package io.kovn.testing;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Readiness of a daemon's unix socket. The socket file appears at bind(), before listen(): a client that connects
 * in between is refused. Only a connection that is accepted says the daemon is ready.
 */
public final class UnixSockets {
    private UnixSockets() {
    }

    /** True when a connection to {@code socket} is accepted now (it is closed at once). */
    public static boolean accepting(Path socket) {
        if (!Files.exists(socket)) {
            return false;
        }
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
