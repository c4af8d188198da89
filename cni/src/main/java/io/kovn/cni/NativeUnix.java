package io.kovn.cni;

import java.io.IOException;

/**
 * The call to the node agent through {@code libkovn-cni.so} (src/main/c, built with the module and installed next
 * to the jar), whose path {@code bin/kovn-cni} passes as the system property {@value #PROPERTY}. The JDK 17 way,
 * a {@link java.nio.channels.SocketChannel} of {@link java.net.StandardProtocolFamily#UNIX}, costs about 20 ms
 * of every plugin run before the first byte goes out (the selector provider, and the SUN security provider
 * that the JDK's unix sockets initialise for random names of unbound sockets); this costs under a millisecond.
 * Without the library (not built, another architecture, not loadable) the plugin uses the JDK's channels.
 */
final class NativeUnix {
    static final String PROPERTY = "kovn.cni.native";
    private static final String PROBLEM = load();

    private NativeUnix() {
    }

    /** Null when the library is loaded; otherwise why not (no library named, or the load's error). */
    private static String load() {
        String path = System.getProperty(PROPERTY);
        if (path == null || path.isEmpty()) {
            return "no " + PROPERTY + " given";
        }
        try {
            System.load(path);
            return null;
        } catch (UnsatisfiedLinkError | SecurityException e) {
            return "cannot load " + path + ": " + e.getMessage();
        }
    }

    static boolean available() {
        return PROBLEM == null;
    }

    /** Why the library is not used, or null if it is. */
    static String problem() {
        return PROBLEM;
    }

    /**
     * Connects to {@code socketPath}, sends {@code request}, shuts down the sending side and returns everything
     * the agent answers until it closes, all within {@code timeoutMillis} counted from the call.
     *
     * @throws java.net.ConnectException       the agent could not be reached: nothing was sent
     * @throws java.net.SocketTimeoutException not accepted, request not read or no complete answer in time (the
     *                                         message starts with "not accepted", "request not read" or "no answer")
     * @throws java.net.ProtocolException      the answer is longer than {@code maxAnswer} bytes
     * @throws IOException                     the connection failed after the request was sent
     */
    static native byte[] call(String socketPath, byte[] request, int timeoutMillis, int maxAnswer) throws IOException;
}
