package io.kovn.node.ovs;

import static org.assertj.core.api.Assertions.assertThat;

import io.kovn.testing.OvnDaemons;
import io.kovn.testing.TcpProxy;
import io.kovn.testing.WithOvn;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The agent's check of a pod's port against the Southbound survives a lost connection: the read-only wait is asked
 * again, so the ADDs waiting on it during a burst do not all fail when the connection drops.
 */
@WithOvn(nb = true, sb = true, northd = true)
class SouthboundPortsIT {
    private final OvnDaemons ovn;

    SouthboundPortsIT(OvnDaemons ovn) {
        this.ovn = ovn;
    }

    @Test
    void aWaitWhoseConnectionIsLostIsAskedAgainAndSeesThePort() throws Exception {
        try (TcpProxy proxy = new TcpProxy(ovn.sbTcp());
             SouthboundPorts sb = SouthboundPorts.of(proxy.remote(), null, Duration.ofSeconds(30))) {
            assertThat(sb.await("x_none", "u0", Duration.ofMillis(200)).get(10, TimeUnit.SECONDS)).isEmpty();
            CompletableFuture<Optional<Set<String>>> port = sb.await("x_p", "u1", Duration.ofSeconds(20));
            Thread.sleep(300);
            proxy.cutAll();
            ovn.nbctl("ls-add", "s1", "--", "lsp-add", "s1", "x_p", "--", "lsp-set-addresses", "x_p",
                    "0a:58:0a:f4:01:05 10.244.1.5", "--", "lsp-set-options", "x_p", "iface-id-ver=u1");
            assertThat(port.get(30, TimeUnit.SECONDS)).contains(Set.of("0a:58:0a:f4:01:05 10.244.1.5"));
            assertThat(proxy.accepts()).isGreaterThanOrEqualTo(2);
        }
    }
}
