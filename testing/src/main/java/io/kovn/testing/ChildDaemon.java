package io.kovn.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** A daemon run in the foreground as a child of this JVM, stopped by its own pid. */
final class ChildDaemon {
    final String name;
    final Process process;
    final Path log;

    private ChildDaemon(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    /** Starts {@code command}; its stdout and stderr go to {@code <dir>/<name>.out}. */
    static ChildDaemon start(String name, List<String> command, Map<String, String> env, Path dir, Path log) {
        Path out = dir.resolve(name + ".out");
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectErrorStream(true).redirectOutput(out.toFile());
        pb.environment().putAll(env);
        try {
            return new ChildDaemon(name, pb.start(), log);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + String.join(" ", command), e);
        }
    }

    /** Waits until {@code ready} holds, failing with the log's tail if the daemon dies or time runs out. */
    void await(String what, Duration timeout, BooleanSupplier ready) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!ready.getAsBoolean()) {
            if (!process.isAlive()) {
                throw failure("exited with code " + process.exitValue() + " before " + what);
            }
            if (System.nanoTime() > deadline) {
                throw failure("not ready (" + what + ") within " + timeout.toSeconds() + " s");
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
    }

    IllegalStateException failure(String problem) {
        return new IllegalStateException(name + " (pid " + process.pid() + ") " + problem + "; last lines of "
                + log + ":\n" + tail(log) + tail(log.resolveSibling(name + ".out")));
    }

    /** SIGTERM, then SIGKILL after 3 s. */
    void stop() {
        process.destroy();
        try {
            if (!process.waitFor(3, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static String tail(Path file) {
        try {
            List<String> lines = Files.readAllLines(file);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size())) + "\n";
        } catch (IOException e) {
            return "";
        }
    }
}
