package io.kovn.sandbox;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code kovn sandbox kill|restart|wipe}: the supervisor owns the processes (it started them, reaps them and records
 * their pids), so the command asks it over a unix socket in the state directory ({@value #SOCKET}, mode 0600) and
 * prints its answer. One request per connection: a line {@code kill|restart WORD...} or {@code wipe nb|sb} (at most
 * {@value #MAX_REQUEST} bytes), parsed strictly into a {@link Target}; the answer is {@code ok MESSAGE} or
 * {@code error MESSAGE}.
 */
public final class SandboxControl implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SandboxControl.class);
    static final String SOCKET = "control.sock";
    private static final int MAX_REQUEST = 256;

    private final ServerSocketChannel server;
    private final Path socket;
    private final Thread thread;

    private SandboxControl(ServerSocketChannel server, Path socket, Sandbox sandbox) {
        this.server = server;
        this.socket = socket;
        this.thread = new Thread(() -> acceptLoop(sandbox), "sandbox-control");
        thread.setDaemon(true);
        thread.start();
    }

    /** Listens on {@code <state dir>/control.sock} for the sandbox's kill, restart and wipe requests. */
    static SandboxControl serve(Sandbox sandbox) {
        Path socket = sandbox.stateDir().resolve(SOCKET);
        try {
            Files.deleteIfExists(socket);
            ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(socket));
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
            return new SandboxControl(server, socket, sandbox);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on " + socket, e);
        }
    }

    private void acceptLoop(Sandbox sandbox) {
        while (server.isOpen()) {
            try (SocketChannel c = server.accept()) {
                String answer = answer(sandbox, readLine(c));
                c.write(ByteBuffer.wrap((answer + "\n").getBytes(StandardCharsets.UTF_8)));
            } catch (IOException e) {
                if (server.isOpen()) {
                    log.info("control connection: {}", e.toString());
                }
            }
        }
    }

    static String answer(Sandbox sandbox, String request) {
        List<String> words = request.isBlank() ? List.of() : Arrays.asList(request.trim().split(" +"));
        try {
            String verb = words.isEmpty() ? "" : words.get(0);
            String done;
            if (verb.equals("kill") || verb.equals("restart")) {
                Target t = Target.parse(words.subList(1, words.size()));
                done = verb.equals("kill") ? sandbox.kill(t) : sandbox.restart(t);
            } else if (verb.equals("wipe")) {
                OvnDb db = database(words.subList(1, words.size()));
                sandbox.recreateDatabase(db);
                done = db.dbName() + ": every member's files deleted and the database created again, empty (a new "
                        + "cluster id); the leading controller writes its rows again";
            } else {
                throw new IllegalArgumentException("ask kill TARGET, restart TARGET or wipe nb|sb");
            }
            log.info("{}: {}", String.join(" ", words), done);
            return "ok " + done;
        } catch (RuntimeException e) {
            return "error " + String.valueOf(e.getMessage()).replace('\n', ' ');
        }
    }

    /** {@code nb} or {@code sb}, nothing else. */
    static OvnDb database(List<String> words) {
        for (OvnDb db : OvnDb.values()) {
            if (words.equals(List.of(db.prefix()))) {
                return db;
            }
        }
        throw new IllegalArgumentException("wipe what? nb or sb, not " + String.join(" ", words));
    }

    private static String readLine(SocketChannel c) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(MAX_REQUEST);
        while (b.hasRemaining()) {
            if (c.read(b) < 0) {
                break;
            }
            if (b.position() > 0 && b.get(b.position() - 1) == '\n') {
                break;
            }
        }
        String s = new String(b.array(), 0, b.position(), StandardCharsets.UTF_8);
        if (!s.endsWith("\n")) {
            return ""; // too long, or cut short: answered as a malformed request
        }
        return s.substring(0, s.length() - 1);
    }

    /**
     * Sends {@code verb target...} to the sandbox in {@code stateDir} and prints the answer; returns 0 on ok, 1 on
     * an error, 2 when no sandbox answers.
     */
    public static int request(Path stateDir, String verb, List<String> target, PrintStream out, PrintStream err) {
        Path socket = stateDir.toAbsolutePath().resolve(SOCKET);
        if (!Files.exists(socket)) {
            err.println("kovn sandbox: no running sandbox in " + stateDir.toAbsolutePath() + " (no " + SOCKET + ")");
            return 2;
        }
        List<String> words = new ArrayList<>(List.of(verb));
        words.addAll(target);
        try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            c.write(ByteBuffer.wrap((String.join(" ", words) + "\n").getBytes(StandardCharsets.UTF_8)));
            c.shutdownOutput();
            String answer = new String(Channels.newInputStream(c).readNBytes(64 * 1024), StandardCharsets.UTF_8).trim();
            if (answer.startsWith("ok ")) {
                out.println(answer.substring(3));
                return 0;
            }
            err.println("kovn sandbox " + verb + ": " + (answer.startsWith("error ") ? answer.substring(6) : answer));
            return 1;
        } catch (IOException e) {
            err.println("kovn sandbox: the sandbox in " + stateDir.toAbsolutePath() + " does not answer: " + e.getMessage());
            return 2;
        }
    }

    @Override
    public void close() {
        try {
            server.close();
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            log.debug("closing {}: {}", socket, e.toString());
        }
    }
}
