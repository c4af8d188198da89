package io.kovn.sandbox;

import io.kovn.sandbox.proc.ManagedProcess;
import io.kovn.testing.Netns;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A central daemon (an ovsdb-server member, an ovn-northd) with the command it was started with, so that it can be
 * SIGKILLed and started again exactly as before: what {@code kovn sandbox kill|restart} does to it.
 */
final class CentralDaemon {
    private final String role;
    private final Netns netns;
    private final Map<String, String> env;
    private final List<String> command;
    private final Path log;
    private ManagedProcess process;

    CentralDaemon(String role, Netns netns, Map<String, String> env, List<String> command, Path log) {
        this.role = role;
        this.netns = netns;
        this.env = env;
        this.command = List.copyOf(command);
        this.log = log;
    }

    synchronized ManagedProcess start() {
        if (process != null && process.alive()) {
            throw new IllegalStateException(role + " is already running (pid " + process.pid() + ")");
        }
        process = ManagedProcess.start(role, netns.inside(command), env, log);
        return process;
    }

    /** The process started last (null before the first start). */
    synchronized ManagedProcess process() {
        return process;
    }

    synchronized boolean alive() {
        return process != null && process.alive();
    }

    /** SIGKILL; returns the pid it had. */
    synchronized long kill() {
        if (!alive()) {
            throw new IllegalStateException(role + " is not running");
        }
        long pid = process.pid();
        process.process().destroyForcibly();
        try {
            process.process().waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return pid;
    }

    /** Stops it if it runs (SIGTERM, SIGKILL after {@code grace}) and starts the same command again. */
    synchronized ManagedProcess restart(Duration grace) {
        stop(grace);
        return start();
    }

    synchronized void stop(Duration grace) {
        if (process != null && process.alive()) {
            process.stop(grace);
        }
    }

    String role() {
        return role;
    }
}
