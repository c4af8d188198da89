package io.kovn.sandbox.proc;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * A long-running process the sandbox started (a daemon, a component JVM, a pod's workload), with its output
 * appended to a log file. It is not tied to this JVM: it keeps running if the JVM goes, and {@link #ref()}
 * is what the state records so that {@code kovn sandbox down} can stop it from another process.
 */
public final class ManagedProcess {
    private final String role;
    private final Process process;
    private final Path log;
    private final ProcessRef ref;

    private ManagedProcess(String role, Process process, Path log) {
        this.role = role;
        this.process = process;
        this.log = log;
        this.ref = ProcessRef.of(role, process.toHandle());
    }

    public static ManagedProcess start(String role, List<String> command, Map<String, String> env, Path log) {
        ProcessBuilder pb = new ProcessBuilder(command).redirectInput(new File("/dev/null")).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().putAll(env);
        try {
            Files.createDirectories(log.toAbsolutePath().getParent());
            return new ManagedProcess(role, pb.start(), log);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + role + ": " + String.join(" ", command), e);
        }
    }

    public String role() {
        return role;
    }

    public long pid() {
        return process.pid();
    }

    public Path log() {
        return log;
    }

    public ProcessRef ref() {
        return ref;
    }

    public boolean alive() {
        return process.isAlive();
    }

    public Process process() {
        return process;
    }

    /** Waits until {@code ready}; fails with the log's tail if the process exits first or time runs out. */
    public void await(String what, Duration timeout, BooleanSupplier ready) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!ready.getAsBoolean()) {
            if (!process.isAlive()) {
                throw failure("exited with code " + process.exitValue() + " before " + what);
            }
            if (System.nanoTime() > deadline) {
                throw failure("was not ready (" + what + ") within " + timeout.toSeconds() + " s");
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + role, e);
            }
        }
    }

    public IllegalStateException failure(String problem) {
        return new IllegalStateException(role + " (pid " + process.pid() + ") " + problem + "; last lines of " + log
                + ":\n" + tail(log, 25));
    }

    /** SIGTERM, then SIGKILL after {@code grace}. */
    public void stop(Duration grace) {
        ref.stop(grace);
        try {
            process.waitFor(); // reaps it
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public static String tail(Path file, int lines) {
        try {
            List<String> all = new String(Files.readAllBytes(file), java.nio.charset.StandardCharsets.UTF_8).lines().toList();
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log)";
        }
    }
}
