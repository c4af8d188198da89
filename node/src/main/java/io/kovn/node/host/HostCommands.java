package io.kovn.node.host;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs ip, ethtool and the like on the host, or inside a pod's network namespace through nsenter. The JDK
 * cannot speak netlink or enter a namespace, so each change is a short command; callers batch them
 * ({@code ip -batch}) to keep their number small.
 *
 * <p>With a host namespace (tests, the sandbox: a "node" is a namespace), host commands run inside it too. Not
 * final: tests make a step fail by overriding {@link #runWithInput}.
 */
public class HostCommands {
    private static final long TIMEOUT_SECONDS = 30;
    private static final ScheduledExecutorService KILLER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "host-command-timeout");
        t.setDaemon(true);
        return t;
    });

    private final Path hostNetns;

    /** {@code hostNetns} null: commands run in the agent's own namespace. */
    public HostCommands(Path hostNetns) {
        this.hostNetns = hostNetns;
    }

    /** Runs {@code command} on the host; returns its standard output. */
    public String run(String... command) {
        return exec(hostNetns, null, Arrays.asList(command));
    }

    /** Runs {@code command} on the host with {@code input} on its standard input. */
    public String runWithInput(String input, String... command) {
        return exec(hostNetns, input, Arrays.asList(command));
    }

    /** Runs {@code command} inside the network namespace at {@code netns} (a path, as CNI_NETNS gives it). */
    public String runIn(Path netns, String input, String... command) {
        return exec(netns, input, Arrays.asList(command));
    }

    /** Whether the host has a network device of that name. */
    public boolean linkExists(String name) {
        if (hostNetns == null) {
            return Files.exists(Path.of("/sys/class/net", name));
        }
        try {
            run("ip", "link", "show", "dev", name);
            return true;
        } catch (CommandException e) {
            return false;
        }
    }

    /** Names of the host's links of a type (veth, ...), without the {@code @peer} suffix. */
    public List<String> linkNames(String type) {
        List<String> names = new ArrayList<>();
        for (String line : run("ip", "-o", "link", "show", "type", type).split("\n")) {
            String[] f = line.split(":\\s+", 3);
            if (f.length >= 2) {
                int at = f[1].indexOf('@');
                names.add(at < 0 ? f[1].trim() : f[1].substring(0, at));
            }
        }
        return names;
    }

    private static String exec(Path netns, String input, List<String> command) {
        List<String> cmd = new ArrayList<>();
        if (netns != null) {
            cmd.add("nsenter");
            cmd.add("--net=" + netns);
        }
        cmd.addAll(command);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        if (input == null) {
            pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        }
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new CommandException("cannot run " + String.join(" ", cmd) + ": " + e.getMessage(), -1, "");
        }
        ScheduledFuture<?> timer = KILLER.schedule(p::destroyForcibly, TIMEOUT_SECONDS, TimeUnit.SECONDS);
        try {
            if (input != null) {
                try (OutputStream in = p.getOutputStream()) {
                    in.write(input.getBytes(StandardCharsets.UTF_8));
                } catch (IOException e) {
                    // it exited without reading all of it: its exit code and stderr say why
                }
            }
            // ip and ethtool write little: reading stdout, then stderr, cannot fill a pipe and stall
            String out = read(p.getInputStream());
            String err = read(p.getErrorStream());
            int rc = p.waitFor();
            if (rc != 0) {
                throw new CommandException(String.join(" ", cmd) + " exited with " + rc + ": " + err.trim()
                        + (input != null ? " (input: " + input.trim().replace('\n', ';') + ")" : ""), rc, err);
            }
            return out;
        } catch (IOException e) {
            throw new CommandException(String.join(" ", cmd) + " failed: " + e.getMessage(), -1, "");
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new CommandException(String.join(" ", cmd) + " interrupted", -1, "");
        } finally {
            timer.cancel(false);
        }
    }

    private static String read(InputStream in) throws IOException {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
