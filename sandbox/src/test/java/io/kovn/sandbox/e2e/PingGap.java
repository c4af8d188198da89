package io.kovn.sandbox.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A continuous probe between two pods: {@code ping -D -i 0.1} runs in the source pod's namespace for the whole
 * measurement, and the longest time between two consecutive replies is the longest interruption of traffic.
 */
final class PingGap implements AutoCloseable {
    private static final Pattern REPLY = Pattern.compile("^\\[(\\d+\\.\\d+)\\] \\d+ bytes from");

    private final Process process;
    private final Path out;

    private PingGap(Process process, Path out) {
        this.process = process;
        this.out = out;
    }

    static PingGap start(Path fromNetns, String toIp) {
        try {
            Path out = Files.createTempFile("kovn-ping-gap-", ".txt");
            Process p = new ProcessBuilder("nsenter", "--net=" + fromNetns, "--", "ping", "-D", "-n", "-i", "0.1",
                    "-W", "1", "-w", "600", toIp).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            return new PingGap(p, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reply times (seconds since the epoch) so far. */
    List<Double> replies() {
        List<Double> t = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(out)) {
                Matcher m = REPLY.matcher(line);
                if (m.find()) {
                    t.add(Double.parseDouble(m.group(1)));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return t;
    }

    /** The longest time between two consecutive replies, in seconds (infinite with fewer than two). */
    double longestGapSeconds() {
        List<Double> t = replies();
        if (t.size() < 2) {
            return Double.POSITIVE_INFINITY;
        }
        double gap = 0;
        for (int i = 1; i < t.size(); i++) {
            gap = Math.max(gap, t.get(i) - t.get(i - 1));
        }
        return gap;
    }

    @Override
    public void close() {
        process.destroy();
        try {
            process.waitFor();
            Files.deleteIfExists(out);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
