package io.kovn.sandbox.proc;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A process the sandbox started, as written in its state: the pid and the start time, so that a pid reused by
 * an unrelated process after a crash is never signalled.
 */
public record ProcessRef(String role, long pid, long startMillis) {

    public static ProcessRef of(String role, ProcessHandle h) {
        return new ProcessRef(role, h.pid(), h.info().startInstant().map(Instant::toEpochMilli).orElse(0L));
    }

    /** The live process, if the pid still belongs to the process that was started. */
    public Optional<ProcessHandle> handle() {
        return ProcessHandle.of(pid).filter(h -> {
            long start = h.info().startInstant().map(Instant::toEpochMilli).orElse(-1L);
            // start times come from /proc in clock ticks: allow rounding, not another process
            return h.isAlive() && Math.abs(start - startMillis) < 1000;
        });
    }

    public boolean alive() {
        return handle().isPresent();
    }

    /** The running process's command line as the kernel has it (/proc/PID/cmdline); empty once it is gone. */
    public List<String> commandLine() {
        return handle().map(h -> {
            try {
                String raw = Files.readString(Path.of("/proc", Long.toString(pid), "cmdline"), StandardCharsets.UTF_8);
                return raw.isEmpty() ? List.<String>of() : List.of(raw.split("\0"));
            } catch (IOException e) {
                return List.<String>of();
            }
        }).orElse(List.of());
    }

    /** SIGTERM, then SIGKILL once {@code grace} is over; true if it is gone (or was). */
    public boolean stop(Duration grace) {
        return stopAll(List.of(this), grace) == 0;
    }

    /**
     * Stops all of them at once: SIGTERM to each, SIGKILL to those still there after {@code grace}. Returns how
     * many could not be stopped. Polls: a process that is not our child has no exit notification.
     */
    public static int stopAll(List<ProcessRef> refs, Duration grace) {
        List<ProcessHandle> live = new ArrayList<>();
        refs.forEach(r -> r.handle().ifPresent(live::add));
        live.forEach(ProcessHandle::destroy);
        if (!awaitGone(live, grace)) {
            live.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
            awaitGone(live, Duration.ofSeconds(5));
        }
        return (int) live.stream().filter(ProcessHandle::isAlive).count();
    }

    private static boolean awaitGone(List<ProcessHandle> hs, Duration d) {
        long deadline = System.nanoTime() + d.toNanos();
        while (hs.stream().anyMatch(ProcessHandle::isAlive)) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                TimeUnit.MILLISECONDS.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }
}
