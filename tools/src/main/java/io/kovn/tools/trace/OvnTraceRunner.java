package io.kovn.tools.trace;

import io.kovn.ovsdb.client.TlsConfig;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs the real {@code ovn-trace} against the Southbound: an argument vector (no shell), connection tracking
 * states "new" for every ct action (a first packet, not ovn-trace's default "established"), its detailed output
 * read, bounded, within a deadline.
 */
public final class OvnTraceRunner {
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
        return BoundedProcess.run(command(datapath, flow), Map.of(), timeout);
    }
}
