package io.kovn.sandbox;

import io.kovn.sandbox.state.SandboxState;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.function.Supplier;

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
        PrintStream progress = progressFile(cfg.stateDir().resolve(PROGRESS));
        Progress report = line -> {
            progress.println(line);
            progress.flush();
        };
        if (cfg.underlay()) {
            // no kill/restart and no state file: `kovn sandbox down` stops it through this process, and after a
            // crash removes the namespaces named with this process's prefix
            serve(report, () -> {
                UnderlaySandbox sandbox = UnderlaySandbox.start(new UnderlaySandbox.Options(cfg.stateDir(),
                        UnderlaySandbox.DEFAULT_POOL_SIZE, false, cfg.neutron()), report);
                return new Started(sandbox.elapsedSeconds(), List.of(sandbox::close));
            });
        } else {
            serve(report, () -> {
                Sandbox sandbox = Sandbox.start(cfg, report);
                SandboxControl control = SandboxControl.serve(sandbox);
                return new Started(sandbox.elapsedSeconds(), List.of(control::close, sandbox::close));
            });
        }
    }

    /** A started sandbox: how long its start took, and what SIGTERM closes, in order. */
    private record Started(double seconds, List<Runnable> closers) {
    }

    /**
     * Starts a sandbox and serves it until SIGTERM: {@value #READY} in the progress file once it runs (what
     * {@code kovn sandbox up} waits for), {@value #FAILED} and exit status 1 if it cannot start.
     */
    private static void serve(Progress report, Supplier<Started> start) {
        Started started;
        try {
            started = start.get();
        } catch (RuntimeException | Error e) {
            report.step(FAILED + " " + e.getMessage());
            e.printStackTrace();
            System.exit(1);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            started.closers().forEach(Runnable::run);
            stopped.countDown();
        }, "sandbox-stop"));
        report.step(String.format("[%5.1fs] %s", started.seconds(), READY));
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
