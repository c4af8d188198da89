package io.kovn.tools.trace;

import io.kovn.ovsdb.client.TlsConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs the real {@code ovn-trace} against the Southbound: an argument vector (no shell), connection tracking
 * states "new" for every ct action (a first packet, not ovn-trace's default "established"), its detailed output
 * read up to {@value #MAX_OUTPUT} bytes within a deadline.
 */
public final class OvnTraceRunner {
    static final int MAX_OUTPUT = 8 << 20;
    /** ovn-trace takes one --ct per ct action in order: enough for every ct_next/ct_lb on a path. */
    private static final int CT_STATES = 12;
    private final String sbRemotes;
    private final TlsConfig tls;
    private final Duration timeout;

    public OvnTraceRunner(String sbRemotes, TlsConfig tls, Duration timeout) {
        this.sbRemotes = sbRemotes;
        this.tls = tls;
        this.timeout = timeout;
    }

    /** The argument vector for one trace. */
    List<String> command(String datapath, Microflow flow) {
        List<String> cmd = new ArrayList<>(List.of("ovn-trace", "--db=" + sbRemotes));
        if (tls != null) {
            cmd.add("--private-key=" + tls.privateKey());
            cmd.add("--certificate=" + tls.certificate());
            cmd.add("--ca-cert=" + tls.caCertificate());
        }
        for (int i = 0; i < CT_STATES; i++) {
            cmd.add("--ct=new");
        }
        cmd.add("--detailed");
        cmd.add(datapath);
        cmd.add(flow.expression());
        return cmd;
    }

    public String run(String datapath, Microflow flow) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command(datapath, flow)).redirectErrorStream(true).start();
        p.getOutputStream().close();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> readBounded(p.getInputStream()));
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IOException("ovn-trace did not finish within " + timeout.toSeconds() + " s");
            }
            String text = out.get(5, TimeUnit.SECONDS);
            if (p.exitValue() != 0) {
                throw new IOException("ovn-trace failed (exit " + p.exitValue() + "): " + text.strip());
            }
            return text;
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException("cannot read ovn-trace's output: " + e.getMessage(), e);
        } finally {
            p.destroyForcibly();
        }
    }

    private static String readBounded(InputStream in) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        byte[] chunk = new byte[65536];
        try (in) {
            int n;
            while ((n = in.read(chunk)) > 0) {
                if (buf.size() + n > MAX_OUTPUT) {
                    throw new IllegalStateException("ovn-trace wrote more than " + MAX_OUTPUT + " bytes");
                }
                buf.write(chunk, 0, n);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }
}
