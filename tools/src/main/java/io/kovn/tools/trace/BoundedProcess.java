package io.kovn.tools.trace;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs one of OVS's or OVN's tools from an argument vector (no shell), its output (stdout and stderr together)
 * read up to {@value #MAX_OUTPUT} bytes within a deadline; a tool that fails, hangs or writes more is an
 * IOException naming it.
 */
final class BoundedProcess {
    static final int MAX_OUTPUT = 8 << 20;

    private BoundedProcess() {
    }

    static String run(List<String> cmd, Map<String, String> env, Duration timeout) throws IOException, InterruptedException {
        String tool = cmd.get(0);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> readBounded(p.getInputStream(), tool));
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IOException(tool + " did not finish within " + timeout.toSeconds() + " s");
            }
            String text = out.get(5, TimeUnit.SECONDS);
            if (p.exitValue() != 0) {
                throw new IOException(tool + " failed (exit " + p.exitValue() + "): " + text.strip());
            }
            return text;
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException("cannot read " + tool + "'s output: " + e.getMessage(), e);
        } finally {
            p.destroyForcibly();
        }
    }

    private static String readBounded(InputStream in, String tool) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        byte[] chunk = new byte[65536];
        try (in) {
            int n;
            while ((n = in.read(chunk)) > 0) {
                if (buf.size() + n > MAX_OUTPUT) {
                    throw new IllegalStateException(tool + " wrote more than " + MAX_OUTPUT + " bytes");
                }
                buf.write(chunk, 0, n);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }
}
