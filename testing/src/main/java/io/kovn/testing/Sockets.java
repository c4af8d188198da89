package io.kovn.testing;

import java.io.IOException;
import java.net.Socket;

/** What the fixtures' proxies share about sockets. */
final class Sockets {
    private Sockets() {
    }

    /** Closes {@code s}; a failure to close is nothing a proxy tearing a link down can act on. */
    static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
