package io.kovn.cni;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/**
 * bin/kovn-cni laid out in a directory as the node agent installs it (the script, kovn-cni.jar made from this
 * build's classes, libkovn-cni.so), run as a process the way a container runtime runs it. A run that does not end
 * within {@link #KILL_AFTER_SECONDS} is killed and reported with exit code -1, so a hanging plugin fails a test
 * instead of stalling the build.
 */
final class InstalledPlugin {
    static final long KILL_AFTER_SECONDS = 60;

    /** One run: exit code (-1 killed), stdout, stderr and exec-to-exit time. */
    record Outcome(int rc, String out, String err, long millis) {
        @SuppressWarnings("unchecked")
        Map<String, Object> json() throws Json.ParseException {
            return (Map<String, Object>) Json.parse(out);
        }

        @Override
        public String toString() {
            return "rc " + rc + " after " + millis + " ms, stdout " + out + ", stderr " + err;
        }
    }

    private final Path executable;

    private InstalledPlugin(Path executable) {
        this.executable = executable;
    }

    static InstalledPlugin installInto(Path dir) throws IOException, URISyntaxException {
        Path classes = Path.of(NativeUnix.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path module = classes.getParent().getParent();
        Path script = dir.resolve("kovn-cni");
        Files.copy(module.resolveSibling("bin").resolve("kovn-cni"), script);
        script.toFile().setExecutable(true);
        Files.copy(module.resolve("target/libkovn-cni.so"), dir.resolve("libkovn-cni.so"),
                StandardCopyOption.REPLACE_EXISTING);
        try (JarOutputStream jar = new JarOutputStream(Files.newOutputStream(dir.resolve("kovn-cni.jar")));
             Stream<Path> files = Files.walk(classes)) {
            for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                jar.putNextEntry(new JarEntry(classes.relativize(f).toString()));
                jar.write(Files.readAllBytes(f));
                jar.closeEntry();
            }
        }
        return new InstalledPlugin(script);
    }

    Outcome run(Map<String, String> env, byte[] stdin) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(executable.toString());
        pb.environment().keySet().removeIf(k -> k.startsWith("CNI_"));
        pb.environment().putAll(env);
        // no class-data sharing archive: a background training run would only slow the tests down
        pb.environment().put("KOVN_CNI_CDS_ARCHIVE", "/nonexistent/kovn-cni.jsa");
        long t0 = System.nanoTime();
        Process p = pb.start();
        CompletableFuture<Void> feed = CompletableFuture.runAsync(() -> {
            try (OutputStream in = p.getOutputStream()) {
                in.write(stdin);
            } catch (IOException stoppedReading) {
                // the plugin may refuse its input before reading all of it
            }
        });
        CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
        CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
        boolean ended = p.waitFor(KILL_AFTER_SECONDS, TimeUnit.SECONDS);
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        if (!ended) {
            p.destroyForcibly().waitFor();
        }
        feed.join();
        return new Outcome(ended ? p.exitValue() : -1, new String(out.join(), StandardCharsets.UTF_8),
                new String(err.join(), StandardCharsets.UTF_8), millis);
    }

    private static byte[] readAll(InputStream in) {
        try (in) {
            return in.readAllBytes();
        } catch (IOException e) {
            return new byte[0];
        }
    }
}
