package io.kovn.testing;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs a short-lived command with a timeout and captures its output. */
public final class Exec {

    private Exec() {
    }

    /** Outcome of a finished command. */
    public record Result(List<String> command, int exitCode, String stdout, String stderr) {

        public boolean ok() {
            return exitCode == 0;
        }

        /** Trimmed stdout. */
        public String out() {
            return stdout.trim();
        }

        /** Returns this result, or throws {@link ExecException} carrying stderr if the exit code is not 0. */
        public Result check() {
            if (!ok()) {
                throw new ExecException(String.join(" ", command) + " exited with " + exitCode
                        + ": " + (stderr.isBlank() ? stdout : stderr).trim(), this);
            }
            return this;
        }
    }

    /** A command failed to start, timed out, or (via {@link Result#check()}) exited non-zero. */
    public static final class ExecException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final transient Result result;

        public ExecException(String message, Result result) {
            super(message);
            this.result = result;
        }

        /** The result if the command ran to completion or timed out (with partial output), else null. */
        public Result result() {
            return result;
        }
    }

    /**
     * {@link ProcessBuilder#start()}, tried again for up to a second while the program is "Text file busy"
     * (ETXTBSY): a file this JVM has just written can still be open for writing in a child that another thread
     * forked at that moment, until that child execs.
     */
    public static Process start(ProcessBuilder pb) throws IOException {
        for (int attempt = 0; ; attempt++) {
            try {
                return pb.start();
            } catch (IOException e) {
                if (attempt >= 100 || e.getMessage() == null || !e.getMessage().contains("error=26")) {
                    throw e;
                }
                try {
                    Thread.sleep(10);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    public static Result run(Duration timeout, String... command) {
        return run(List.of(command), Map.of(), null, timeout);
    }

    /**
     * Runs {@code command} with extra environment variables {@code env} in {@code workDir} (null: inherit).
     * On timeout the process is killed and an {@link ExecException} with the partial output is thrown.
     */
    public static Result run(List<String> command, Map<String, String> env, Path workDir, Duration timeout) {
        // stdin from /dev/null so nothing can block waiting for input
        ProcessBuilder pb = new ProcessBuilder(command).redirectInput(new File("/dev/null"));
        pb.environment().putAll(env);
        if (workDir != null) {
            pb.directory(workDir.toFile());
        }
        Process p;
        try {
            p = start(pb);
        } catch (IOException e) {
            throw new ExecException("cannot run " + String.join(" ", command) + ": " + e.getMessage(), null);
        }
        // Drain both pipes on their own threads: a full pipe would otherwise stall the child.
        Drainer out = new Drainer(p.getInputStream());
        Drainer err = new Drainer(p.getErrorStream());
        try {
            boolean done = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!done) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly().waitFor();
            }
            Result r = new Result(List.copyOf(command), p.exitValue(), out.text(), err.text());
            if (!done) {
                throw new ExecException(String.join(" ", command) + " timed out after " + timeout
                        + "; stderr: " + r.stderr().trim(), r);
            }
            return r;
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new ExecException("interrupted while running " + String.join(" ", command), null);
        }
    }

    private static final class Drainer extends Thread {
        private final InputStream in;
        private final ByteArrayOutputStream buf = new ByteArrayOutputStream();

        Drainer(InputStream in) {
            super("exec-drain");
            this.in = in;
            setDaemon(true);
            start();
        }

        @Override
        public void run() {
            try (in) {
                in.transferTo(buf);
            } catch (IOException e) {
                // the process was killed; keep what was read
            }
        }

        String text() throws InterruptedException {
            join(5_000); // a grandchild holding the pipe open must not hang us
            return buf.toString(StandardCharsets.UTF_8);
        }
    }
}
