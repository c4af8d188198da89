package io.kovn.node.lab;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Executes a CNI plugin the way a container runtime does: CNI_* variables in the environment, the network
 * configuration on stdin, the result or error on stdout, and the exit status.
 */
public final class CniExec {
    private final Path plugin;
    private final List<String> command;

    public CniExec(Path plugin) {
        this(plugin, List.of(plugin.toString()));
    }

    /** A plugin started by {@code command}, e.g. {@code ip netns exec NODE /usr/lib/cni/portmap}. */
    public CniExec(Path plugin, List<String> command) {
        this.plugin = plugin;
        this.command = List.copyOf(command);
    }

    /** One invocation's outcome; {@code nanos} is exec to exit. */
    public record Outcome(int exitCode, String stdout, String stderr, long nanos) {
        public boolean ok() {
            return exitCode == 0;
        }

        public double millis() {
            return nanos / 1e6;
        }
    }

    /** The CNI_* variables of a Kubernetes pod's sandbox. */
    public Map<String, String> env(String command, String containerId, Path netns, String ifName,
                                          String namespace, String pod) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("CNI_COMMAND", command);
        env.put("CNI_CONTAINERID", containerId);
        if (netns != null) {
            env.put("CNI_NETNS", netns.toString());
        }
        env.put("CNI_IFNAME", ifName);
        env.put("CNI_ARGS", "IgnoreUnknown=1;K8S_POD_NAMESPACE=" + namespace + ";K8S_POD_NAME=" + pod
                + ";K8S_POD_INFRA_CONTAINER_ID=" + containerId);
        env.put("CNI_PATH", plugin.getParent().toString());
        return env;
    }

    public Outcome run(Map<String, String> env, String config) {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().keySet().removeIf(k -> k.startsWith("CNI_"));
        pb.environment().putAll(env);
        long t0 = System.nanoTime();
        try {
            Process p = io.kovn.testing.Exec.start(pb);
            CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
            try (OutputStream in = p.getOutputStream()) {
                in.write(config.getBytes(StandardCharsets.UTF_8));
            }
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(200, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(plugin + " did not finish within 200 s");
            }
            long nanos = System.nanoTime() - t0;
            return new Outcome(p.exitValue(), new String(out, StandardCharsets.UTF_8),
                    new String(err.join(), StandardCharsets.UTF_8), nanos);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + plugin, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static byte[] readAll(java.io.InputStream in) {
        try (in) {
            return in.readAllBytes();
        } catch (IOException e) {
            return new byte[0];
        }
    }
}
