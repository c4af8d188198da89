package io.kovn.sandbox;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CountDownLatch;

/**
 * The sandbox's supervisor process, started in the background by {@code kovn sandbox up}: it runs the
 * {@link Sandbox} (the emulated API and the stand-ins live in this JVM) until SIGTERM. Progress lines go to
 * {@code <state dir>/progress}, which {@code up} follows; the last line is {@value #READY} or
 * {@value #FAILED} and the reason.
 *
 * <p>Arguments: {@code --state-dir D --nodes N --encap geneve|vxlan --api-port P --check true|false}.
 */
public final class SandboxServe {
    public static final String PROGRESS = "progress";
    public static final String READY = "READY";
    public static final String FAILED = "FAILED";

    private SandboxServe() {
    }

    public static void main(String[] argv) {
        java.util.Map<String, String> a = new java.util.HashMap<>();
        for (int i = 0; i + 1 < argv.length; i += 2) {
            a.put(argv[i].replaceFirst("^--", ""), argv[i + 1]);
        }
        Path stateDir = Path.of(a.getOrDefault("state-dir", SandboxConfig.DEFAULT_STATE_DIR.toString()));
        SandboxConfig cfg = new SandboxConfig(stateDir, Integer.parseInt(a.getOrDefault("nodes", "3")),
                a.getOrDefault("encap", "geneve"), Integer.parseInt(a.getOrDefault("api-port", "0")),
                Boolean.parseBoolean(a.getOrDefault("check", "true")), false);
        PrintStream progress = progressFile(stateDir.resolve(PROGRESS));
        Sandbox sandbox;
        try {
            sandbox = Sandbox.start(cfg, line -> {
                progress.println(line);
                progress.flush();
            });
        } catch (RuntimeException | Error e) {
            progress.println(FAILED + " " + e.getMessage());
            progress.flush();
            e.printStackTrace();
            System.exit(1);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            sandbox.close();
            stopped.countDown();
        }, "sandbox-stop"));
        progress.println(String.format("[%5.1fs] %s", sandbox.elapsedSeconds(), READY));
        progress.flush();
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static PrintStream progressFile(Path file) {
        try {
            Files.createDirectories(file.getParent());
            return new PrintStream(Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND),
                    true, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
