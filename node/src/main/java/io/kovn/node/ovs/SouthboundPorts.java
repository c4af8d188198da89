package io.kovn.node.ovs;

import io.kovn.ovn.Databases;
import io.kovn.ovn.sb.PortBinding;
import io.kovn.ovsdb.client.OvsdbClient;
import io.kovn.ovsdb.client.TlsConfig;
import io.kovn.ovsdb.client.TransactionException;
import io.kovn.ovsdb.client.TransactionOutcomeUnknownException;
import io.kovn.ovsdb.wire.Condition;
import io.kovn.ovsdb.wire.Operation;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

/**
 * The addresses OVN has for pods' logical ports, read from the Southbound Port_Binding table. Only northd writes
 * it, from the port the controller made in NB, so unlike a pod annotation its creator cannot write it: the agent
 * plumbs what this says. One {@code wait}+{@code select} transaction per ADD, for the one port; the server holds
 * the answer until the port is there, so the agent neither polls nor replicates every pod of the cluster.
 */
public final class SouthboundPorts implements AutoCloseable {
    /** The server's error when a {@code wait} times out (RFC 7047 5.2.6). */
    private static final String TIMED_OUT = "timed out";

    private final OvsdbClient client;

    private SouthboundPorts(OvsdbClient client) {
        this.client = client;
    }

    /**
     * A client of the Southbound at {@code remotes} (tls for ssl: ones, else null) that connects when first used
     * and reconnects by itself; {@code longestWait} bounds the waits callers ask for.
     */
    public static SouthboundPorts of(String remotes, TlsConfig tls, Duration longestWait) {
        OvsdbClient.Options o = OvsdbClient.Options.defaults().withCallTimeout(longestWait.plusSeconds(10));
        return new SouthboundPorts(new OvsdbClient(remotes, tls == null ? o : o.withTls(tls)));
    }

    /**
     * The {@code mac} column ("MAC IP" entries) of the Port_Binding of {@code logicalPort} whose
     * options:iface-id-ver is {@code podUid}, once there is one; empty if none appears within {@code timeout}.
     * Fails if the Southbound cannot be reached. The transaction only reads, so one whose connection is lost before
     * its answer is asked again (within {@code timeout}): under a burst of pods on a loaded node the connection may
     * be dropped by the inactivity probe, and every ADD waiting on it would fail otherwise.
     */
    public CompletableFuture<Optional<Set<String>>> await(String logicalPort, String podUid, Duration timeout) {
        long deadline = System.nanoTime() + Math.max(0, timeout.toNanos());
        return attempt(logicalPort, podUid, deadline);
    }

    private CompletableFuture<Optional<Set<String>>> attempt(String logicalPort, String podUid, long deadline) {
        long left = Math.max(0, deadline - System.nanoTime());
        Condition[] where = {PortBinding.LOGICAL_PORT.eq(logicalPort),
                PortBinding.OPTIONS.includes(Map.of("iface-id-ver", podUid))};
        Operation wait = Operation.waitUntil(PortBinding.TABLE).where(where)
                .timeout(TimeUnit.NANOSECONDS.toMillis(left)).notEqualTo(List.of(PortBinding.LOGICAL_PORT.name()), List.of());
        Operation select = Operation.select(PortBinding.TABLE).where(where).columns(PortBinding.MAC);
        return client.transact(Databases.SOUTHBOUND, wait, select).handle((r, e) -> {
            if (e == null) {
                return CompletableFuture.completedFuture(r.rows(1, PortBinding.TABLE).stream().findFirst()
                        .map(PortBinding::mac));
            }
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            if (cause instanceof TransactionException t && TIMED_OUT.equals(t.error())) {
                return CompletableFuture.completedFuture(Optional.<Set<String>>empty());
            }
            if (cause instanceof TransactionOutcomeUnknownException && deadline - System.nanoTime() > 0) {
                return attempt(logicalPort, podUid, deadline);
            }
            return CompletableFuture.<Optional<Set<String>>>failedFuture(cause);
        }).thenCompose(f -> f);
    }

    @Override
    public void close() {
        client.close();
    }
}
