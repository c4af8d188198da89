package io.kovn.sandbox;

import io.kovn.sandbox.state.SandboxState;
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
 * <p>It answers {@code kovn sandbox kill|restart} on {@link SandboxControl}'s socket.
 *
 * <p>Its one argument is the {@link SandboxConfig} as JSON, which {@code up} writes ({@link #writeConfig}).
 */
public final class SandboxServe {
    public static final String PROGRESS = "progress";
    public static final String READY = "READY";
    public static final String FAILED = "FAILED";
    /** The supervisor's one argument: the {@link SandboxConfig}, as JSON. */
    static final String CONFIG_FILE = "sandbox-config.json";

    private SandboxServe() {
    }

    /** Writes the configuration the supervisor reads; returns the file. */
    static Path writeConfig(SandboxConfig cfg) {
        Path file = cfg.stateDir().resolve(CONFIG_FILE);
        try {
            Files.createDirectories(cfg.stateDir());
            Files.writeString(file, SandboxState.json().writeValueAsString(cfg), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    public static void main(String[] argv) throws IOException {
        if (argv.length != 1) {
            throw new IllegalArgumentException("usage: SandboxServe <sandbox-config.json> (kovn sandbox up writes it)");
        }
        SandboxConfig cfg = SandboxState.json().readValue(Files.readString(Path.of(argv[0]), StandardCharsets.UTF_8),
                SandboxConfig.class);
        Path stateDir = cfg.stateDir();
        PrintStream progress = progressFile(stateDir.resolve(PROGRESS));
        if (cfg.underlay()) {
            serveUnderlay(cfg, progress);
            return;
        }
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
        SandboxControl control = SandboxControl.serve(sandbox);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            control.close();
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

    /**
     * Underlay mode: the {@link UnderlaySandbox} until SIGTERM. It answers no kill/restart and writes no state file:
     * {@code kovn sandbox down} stops it through this process, and after a crash removes the namespaces named with
     * this process's prefix.
     */
    private static void serveUnderlay(SandboxConfig cfg, PrintStream progress) {
        UnderlaySandbox sandbox;
        try {
            sandbox = UnderlaySandbox.start(new UnderlaySandbox.Options(cfg.stateDir(), UnderlaySandbox.DEFAULT_POOL_SIZE,
                    false, cfg.neutron()), line -> {
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
