package io.kovn.cni;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.ProtocolException;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One request to the node agent over its unix socket: connect, write the request and shut down the sending side,
 * then read the answer to the end, all within one deadline counted from the call (an agent whose accept backlog
 * is full, that never reads, or that trickles its answer cannot hold the plugin longer), and the answer at most
 * {@link CniInputs#MAX_CONFIG_BYTES}. Through {@link NativeUnix} when its library is loaded; otherwise through the
 * JDK's socket channels, where a watchdog closes the channel at the deadline, since blocking socket channels have
 * no timeouts.
 */
final class AgentClient {

    /** The agent could not be reached at all: nothing was sent, so nothing happened on the node. */
    static final class UnreachableException extends Exception {
        private static final long serialVersionUID = 1L;

        UnreachableException(String message) {
            super(message);
        }
    }

    /** Where a call was when its deadline passed, in the words of the error message. */
    private enum Stage {
        CONNECT("did not accept the connection"), SEND("did not read the request"), RECEIVE("did not answer");

        final String failure;

        Stage(String failure) {
            this.failure = failure;
        }
    }

    private AgentClient() {
    }

    static String call(String socketPath, String request, long timeoutMillis) throws UnreachableException, CniError {
        return call(socketPath, request, timeoutMillis, CniInputs.MAX_CONFIG_BYTES, NativeUnix.available());
    }

    /** {@code viaNative}: through {@link NativeUnix} (which must be loaded), else the JDK's channels. */
    static String call(String socketPath, String request, long timeoutMillis, int maxAnswer, boolean viaNative)
            throws UnreachableException, CniError {
        Path path = Path.of(socketPath);
        if (!Files.exists(path)) {
            throw new UnreachableException("the kovn node agent is not running: its socket " + socketPath + " does not exist");
        }
        byte[] bytes = request.getBytes(StandardCharsets.UTF_8);
        return viaNative ? callNative(socketPath, bytes, timeoutMillis, maxAnswer)
                : callJdk(path, socketPath, bytes, timeoutMillis, maxAnswer);
    }

    private static String callNative(String socketPath, byte[] request, long timeoutMillis, int maxAnswer)
            throws UnreachableException, CniError {
        try {
            byte[] answer = NativeUnix.call(socketPath, request, (int) Math.min(timeoutMillis, Integer.MAX_VALUE),
                    maxAnswer);
            return new String(answer, StandardCharsets.UTF_8);
        } catch (ConnectException e) {
            throw unreachable(socketPath, e);
        } catch (SocketTimeoutException e) {
            String m = String.valueOf(e.getMessage());
            Stage stage = m.startsWith("not accepted") ? Stage.CONNECT
                    : m.startsWith("request not read") ? Stage.SEND : Stage.RECEIVE;
            throw late(stage, socketPath, timeoutMillis);
        } catch (ProtocolException e) {
            throw tooLarge(socketPath, maxAnswer);
        } catch (IOException e) {
            throw lost(socketPath, e);
        }
    }

    private static String callJdk(Path path, String socketPath, byte[] request, long timeoutMillis, int maxAnswer)
            throws UnreachableException, CniError {
        SocketChannel ch;
        try {
            ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        } catch (IOException e) {
            throw new CniError(CniError.IO_FAILURE, "cannot open a unix socket: " + e.getMessage());
        }
        Watchdog dog = new Watchdog(ch, timeoutMillis);
        dog.start();
        Stage stage = Stage.CONNECT;
        try {
            try {
                ch.connect(UnixDomainSocketAddress.of(path));
            } catch (IOException e) {
                if (dog.fired) {
                    throw late(stage, socketPath, timeoutMillis);
                }
                throw unreachable(socketPath, e);
            }
            stage = Stage.SEND;
            ByteBuffer out = ByteBuffer.wrap(request);
            while (out.hasRemaining()) {
                ch.write(out);
            }
            ch.shutdownOutput();
            stage = Stage.RECEIVE;
            ByteArrayOutputStream answer = new ByteArrayOutputStream(1024);
            ByteBuffer in = ByteBuffer.allocate(8192);
            while (ch.read(in) >= 0) {
                answer.write(in.array(), 0, in.position());
                in.clear();
                if (answer.size() > maxAnswer) {
                    throw tooLarge(socketPath, maxAnswer);
                }
            }
            return answer.toString(StandardCharsets.UTF_8);
        } catch (IOException e) {
            if (dog.fired) {
                throw late(stage, socketPath, timeoutMillis);
            }
            throw lost(socketPath, e);
        } finally {
            dog.interrupt();
            try {
                ch.close();
            } catch (IOException e) {
                // nothing left to do
            }
        }
    }

    private static UnreachableException unreachable(String socketPath, IOException e) {
        return new UnreachableException("the kovn node agent does not accept connections on " + socketPath
                + " (" + e.getMessage() + "); is it running?");
    }

    private static CniError late(Stage stage, String socketPath, long timeoutMillis) {
        String within = timeoutMillis % 1000 == 0 ? timeoutMillis / 1000 + " s" : timeoutMillis + " ms";
        return new CniError(CniError.TRY_AGAIN_LATER, "the kovn node agent " + stage.failure + " within " + within,
                "socket " + socketPath + "; the network configuration's timeoutSeconds bounds the whole call");
    }

    private static CniError tooLarge(String socketPath, int maxAnswer) {
        return new CniError(CniError.AGENT_FAILURE, "the kovn node agent's answer is larger than " + maxAnswer
                + " bytes", "socket " + socketPath);
    }

    private static CniError lost(String socketPath, IOException e) {
        return new CniError(CniError.TRY_AGAIN_LATER, "lost the connection to the kovn node agent: " + e.getMessage(),
                "socket " + socketPath);
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
                // the blocked call fails either way
            }
        }
    }
}
