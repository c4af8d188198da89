package io.kovn.node.ovs;

import io.kovn.ovn.Databases;
import io.kovn.ovn.sb.PortBinding;
import io.kovn.ovsdb.client.OvsdbClient;
import io.kovn.ovsdb.client.TlsConfig;
import io.kovn.ovsdb.client.TransactionException;
import io.kovn.ovsdb.wire.Condition;
import io.kovn.ovsdb.wire.Operation;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

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
     * Fails if the Southbound cannot be reached.
     */
    public CompletableFuture<Optional<Set<String>>> await(String logicalPort, String podUid, Duration timeout) {
        Condition[] where = {PortBinding.LOGICAL_PORT.eq(logicalPort),
                PortBinding.OPTIONS.includes(Map.of("iface-id-ver", podUid))};
        Operation wait = Operation.waitUntil(PortBinding.TABLE).where(where).timeout(Math.max(0, timeout.toMillis()))
                .notEqualTo(List.of(PortBinding.LOGICAL_PORT.name()), List.of());
        Operation select = Operation.select(PortBinding.TABLE).where(where).columns(PortBinding.MAC);
        return client.transact(Databases.SOUTHBOUND, wait, select).handle((r, e) -> {
            if (e == null) {
                return r.rows(1, PortBinding.TABLE).stream().findFirst().map(PortBinding::mac);
            }
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            if (cause instanceof TransactionException t && TIMED_OUT.equals(t.error())) {
                return Optional.empty();
            }
            throw cause instanceof RuntimeException x ? x : new CompletionException(cause);
        });
    }

    @Override
    public void close() {
        client.close();
    }
}
