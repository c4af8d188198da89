package io.kovn.cni;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One request to the node agent over its unix socket: the request is written and the sending side shut down,
 * then the answer is read to the end, within a deadline. Through {@link NativeUnix} when its library is loaded;
 * otherwise through the JDK's socket channels, where a watchdog closes the channel at the deadline, since
 * blocking socket channels have no read timeout.
 */
final class AgentClient {

    /** The agent could not be reached at all: nothing was sent, so nothing happened on the node. */
    static final class UnreachableException extends Exception {
        private static final long serialVersionUID = 1L;

        UnreachableException(String message) {
            super(message);
        }
    }

    private AgentClient() {
    }

    static String call(String socketPath, String request, long timeoutMillis) throws UnreachableException, CniError {
        return call(socketPath, request, timeoutMillis, NativeUnix.available());
    }

    /** {@code viaNative}: through {@link NativeUnix} (which must be loaded), else the JDK's channels. */
    static String call(String socketPath, String request, long timeoutMillis, boolean viaNative)
            throws UnreachableException, CniError {
        Path path = Path.of(socketPath);
        if (!Files.exists(path)) {
            throw new UnreachableException("the kovn node agent is not running: its socket " + socketPath + " does not exist");
        }
        return viaNative ? callNative(socketPath, request, timeoutMillis) : callJdk(path, socketPath, request, timeoutMillis);
    }

    private static String callNative(String socketPath, String request, long timeoutMillis)
            throws UnreachableException, CniError {
        try {
            byte[] answer = NativeUnix.call(socketPath, request.getBytes(StandardCharsets.UTF_8),
                    (int) Math.min(timeoutMillis, Integer.MAX_VALUE));
            return new String(answer, StandardCharsets.UTF_8);
        } catch (java.net.ConnectException e) {
            throw new UnreachableException("the kovn node agent does not accept connections on " + socketPath
                    + " (" + e.getMessage() + "); is it running?");
        } catch (java.net.SocketTimeoutException e) {
            throw new CniError(CniError.TRY_AGAIN_LATER, "the kovn node agent did not answer within "
                    + timeoutMillis / 1000 + " s", "socket " + socketPath);
        } catch (IOException e) {
            throw new CniError(CniError.TRY_AGAIN_LATER, "lost the connection to the kovn node agent: " + e.getMessage(),
                    "socket " + socketPath);
        }
    }

    private static String callJdk(Path path, String socketPath, String request, long timeoutMillis)
            throws UnreachableException, CniError {
        SocketChannel ch;
        try {
            ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        } catch (IOException e) {
            throw new CniError(CniError.IO_FAILURE, "cannot open a unix socket: " + e.getMessage());
        }
        Watchdog dog = new Watchdog(ch, timeoutMillis);
        try {
            try {
                ch.connect(UnixDomainSocketAddress.of(path));
            } catch (IOException e) {
                throw new UnreachableException("the kovn node agent does not accept connections on " + socketPath
                        + " (" + e.getMessage() + "); is it running?");
            }
            dog.start();
            ByteBuffer out = ByteBuffer.wrap(request.getBytes(StandardCharsets.UTF_8));
            while (out.hasRemaining()) {
                ch.write(out);
            }
            ch.shutdownOutput();
            ByteArrayOutputStream answer = new ByteArrayOutputStream(1024);
            ByteBuffer in = ByteBuffer.allocate(8192);
            while (ch.read(in) >= 0) {
                answer.write(in.array(), 0, in.position());
                in.clear();
            }
            return answer.toString(StandardCharsets.UTF_8);
        } catch (AsynchronousCloseException e) {
            throw new CniError(CniError.TRY_AGAIN_LATER, "the kovn node agent did not answer within "
                    + timeoutMillis / 1000 + " s", "socket " + socketPath);
        } catch (IOException e) {
            if (dog.fired) {
                throw new CniError(CniError.TRY_AGAIN_LATER, "the kovn node agent did not answer within "
                        + timeoutMillis / 1000 + " s", "socket " + socketPath);
            }
            throw new CniError(CniError.TRY_AGAIN_LATER, "lost the connection to the kovn node agent: " + e.getMessage(),
                    "socket " + socketPath);
        } finally {
            dog.interrupt();
            try {
                ch.close();
            } catch (IOException e) {
                // nothing left to do
            }
        }
    }

    private static final class Watchdog extends Thread {
        private final SocketChannel ch;
        private final long millis;
        volatile boolean fired;

        Watchdog(SocketChannel ch, long millis) {
            super("kovn-cni-watchdog");
            this.ch = ch;
            this.millis = millis;
            setDaemon(true);
        }

        @Override
        public void run() {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                return;
            }
            fired = true;
            try {
                ch.close();
            } catch (IOException e) {
                // the blocked read fails either way
            }
        }
    }
}
