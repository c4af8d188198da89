package io.kovn.sandbox.demo;

import io.kovn.testing.Exec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Real traffic from inside a network namespace, with its round-trip time: ICMP with ping, and TCP and UDP
 * against the sandbox's echo server (a {@code whoami} line or datagram, answered with the pod's name). The
 * clients are ping and bash, timed inside the namespace with bash's microsecond clock: for TCP the time covers
 * connecting and one request and reply; for UDP one request and reply (plus starting dd to read it).
 */
public final class Probe {
    private static final Pattern PING_TIME = Pattern.compile("time=([0-9.]+) ms");
    private static final Duration TIMEOUT = Duration.ofSeconds(6);
    private static final String TCP = """
            s=$EPOCHREALTIME
            exec 3<>"/dev/tcp/$1/$2" || exit 3
            printf '%s\\n' "${3:-whoami}" >&3
            IFS= read -r -t 2 line <&3 || exit 4
            e=$EPOCHREALTIME
            echo "$s $e $line"
            """;
    private static final String UDP = """
            exec 3<>"/dev/udp/$1/$2" || exit 3
            s=$EPOCHREALTIME
            printf 'whoami\\n' >&3
            line=$(timeout 2 dd bs=65536 count=1 <&3 2>/dev/null)
            e=$EPOCHREALTIME
            [ -n "$line" ] || exit 4
            echo "$s $e $line"
            """;

    private Probe() {
    }

    /** The outcome of one probe: round-trip milliseconds and, for TCP/UDP, who answered. */
    public record Result(boolean ok, double millis, String answer, String error) {
        static Result fail(String error) {
            return new Result(false, Double.NaN, null, error);
        }

        @Override
        public String toString() {
            return ok ? String.format("%.2f ms", millis) + (answer == null ? "" : " (" + answer + ")") : "FAIL: " + error;
        }
    }

    public static Result ping(Path netns, String ip) {
        Exec.Result r = run(netns, List.of("ping", "-c1", "-W2", ip));
        Matcher m = PING_TIME.matcher(r.stdout());
        if (r.ok() && m.find()) {
            return new Result(true, Double.parseDouble(m.group(1)), null, null);
        }
        return Result.fail("no ICMP echo reply from " + ip);
    }

    public static Result tcp(Path netns, String ip, int port) {
        return tcp(netns, ip, port, "whoami");
    }

    /**
     * A TCP probe with another request line: {@code peer} asks the echo server for the address the connection came
     * from (its answer).
     */
    public static Result tcp(Path netns, String ip, int port, String request) {
        return timed(run(netns, List.of("timeout", "4", "bash", "-c", TCP, "probe", ip, Integer.toString(port), request)),
                "TCP " + ip + ":" + port);
    }

    public static Result udp(Path netns, String ip, int port) {
        return timed(run(netns, List.of("timeout", "4", "bash", "-c", UDP, "probe", ip, Integer.toString(port))),
                "UDP " + ip + ":" + port);
    }

    /** Retries {@code probe} until it succeeds or {@code timeout} passes; returns the last result. */
    public static Result until(java.util.function.Supplier<Result> probe, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Result r = probe.get();
        while (!r.ok() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return r;
            }
            r = probe.get();
        }
        return r;
    }

    private static Result timed(Exec.Result r, String what) {
        if (!r.ok()) {
            return Result.fail(what + (r.exitCode() == 3 ? ": cannot connect" : ": no answer"));
        }
        String[] f = r.out().split(" ", 3);
        double ms = (Double.parseDouble(f[1]) - Double.parseDouble(f[0])) * 1000;
        return new Result(true, ms, f.length > 2 ? f[2].trim() : "", null);
    }

    private static Exec.Result run(Path netns, List<String> command) {
        List<String> cmd = new java.util.ArrayList<>(List.of("nsenter", "--net=" + netns, "--"));
        cmd.addAll(command);
        try {
            return Exec.run(cmd, Map.of(), null, TIMEOUT);
        } catch (Exec.ExecException e) {
            return new Exec.Result(cmd, 124, "", e.getMessage());
        }
    }
}
