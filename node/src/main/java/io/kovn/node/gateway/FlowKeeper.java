package io.kovn.node.gateway;

import io.kovn.node.host.HostCommands;
import io.kovn.node.ovs.LocalOvs;
import io.kovn.ovn.vswitch.Interface;
import io.kovn.ovsdb.replica.RowListener;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps {@link BridgeFlows} on the gateway bridge with {@code ovs-ofctl replace-flows} (one OpenFlow bundle: only
 * the differences change, atomically). It re-applies when the bridge's ports change (ovn-controller adds the patch
 * port once the controller has built the gateway; ovs-vswitchd may restart and renumber) and every refresh
 * interval, which also picks up the host's new addresses and repairs flows someone removed.
 */
public final class FlowKeeper implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FlowKeeper.class);
    public static final Duration REFRESH = Duration.ofSeconds(10);

    private final LocalOvs ovs;
    private final HostCommands host;
    private final LocalGateway gw;
    private final String target;
    private final AtomicBoolean pending = new AtomicBoolean();
    private ScheduledExecutorService executor;
    private volatile boolean closed;
    private List<String> hostIps = List.of();
    private String applied;

    private FlowKeeper(LocalOvs ovs, HostCommands host, LocalGateway gw, String ovsdbRemote) {
        this.ovs = ovs;
        this.host = host;
        this.gw = gw;
        this.target = target(ovsdbRemote, gw.bridge());
    }

    /** Applies the flows now and keeps them until closed. */
    public static FlowKeeper start(LocalOvs ovs, HostCommands host, LocalGateway gw, String ovsdbRemote, Duration refresh) {
        FlowKeeper k = new FlowKeeper(ovs, host, gw, ovsdbRemote);
        k.sync(true);
        k.executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "gateway-flows");
            t.setDaemon(true);
            return t;
        });
        ovs.replica().addListener(Interface.TABLE, new RowListener<>() {
            @Override
            public void onAdd(Interface row) {
                k.trigger();
            }

            @Override
            public void onUpdate(Interface old, Interface row) {
                k.trigger();
            }

            @Override
            public void onDelete(Interface old) {
                k.trigger();
            }
        });
        k.executor.scheduleWithFixedDelay(() -> k.syncQuietly(true), refresh.toMillis(), refresh.toMillis(),
                TimeUnit.MILLISECONDS);
        return k;
    }

    /**
     * For the one-shot gateway-init: waits up to {@code patchTimeout} for OVN's patch port, then applies the flows
     * once; returns whether the patch port was there (if not, only the host's flows are in place).
     */
    public static boolean applyOnce(LocalOvs ovs, HostCommands host, LocalGateway gw, String ovsdbRemote,
                                    Duration patchTimeout) {
        CompletableFuture<Void> patch = ovs.await(r -> r.lookupOne(Interface.TABLE, Interface.NAME, gw.patchPort())
                .flatMap(Interface::ofport).map(p -> p > 0).orElse(false));
        boolean patched = false;
        try {
            patch.get(patchTimeout.toMillis(), TimeUnit.MILLISECONDS);
            patched = true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            patch.cancel(false);
        }
        new FlowKeeper(ovs, host, gw, ovsdbRemote).sync(true);
        return patched;
    }

    /** ovs-vswitchd's OpenFlow socket of the bridge, next to the database socket (the usual run directory). */
    static String target(String ovsdbRemote, String bridge) {
        Path dir = ovsdbRemote.startsWith("unix:") ? Path.of(ovsdbRemote.substring(5)).getParent()
                : Path.of("/var/run/openvswitch");
        return "unix:" + dir.resolve(bridge + ".mgmt");
    }

    private void trigger() {
        if (!closed && pending.compareAndSet(false, true)) {
            executor.execute(() -> {
                pending.set(false);
                syncQuietly(false);
            });
        }
    }

    private void syncQuietly(boolean refresh) {
        try {
            sync(refresh);
        } catch (RuntimeException e) {
            log.warn("gateway flows on {} not applied: {}", gw.bridge(), e.getMessage());
        }
    }

    /** Applies the wanted flows if they changed; with {@code refresh}, re-reads the host's addresses and re-applies. */
    private synchronized void sync(boolean refresh) {
        if (closed) {
            return;
        }
        if (refresh && gw.settings().shared()) {
            hostIps = IpConfig.read(host, gw.bridge()).addresses().stream()
                    .map(a -> a.cidr().substring(0, a.cidr().indexOf('/'))).toList();
        }
        String wanted = wanted();
        if (wanted == null || (!refresh && wanted.equals(applied))) {
            return;
        }
        host.runWithInput(wanted, "ovs-ofctl", "-O", "OpenFlow14", "--bundle", "replace-flows", target, "-");
        if (!wanted.equals(applied)) {
            log.info("gateway flows on {} {}", gw.bridge(), ofport(gw.patchPort()) == null
                    ? "for the host only (OVN's patch port is not there yet)" : "for the host and OVN");
        }
        applied = wanted;
    }

    /** Null while the NIC has no OpenFlow port yet. */
    private String wanted() {
        Integer nic = ofport(gw.nic());
        if (nic == null) {
            return null;
        }
        Integer patch = ofport(gw.patchPort());
        GatewaySettings s = gw.settings();
        return s.shared() ? BridgeFlows.shared(nic, patch, gw.config().ip(), hostIps, s.nodePortMin(), s.nodePortMax())
                : BridgeFlows.dedicated(nic, patch);
    }

    private Integer ofport(String iface) {
        return ovs.iface(iface).flatMap(Interface::ofport).filter(p -> p > 0).map(Long::intValue).orElse(null);
    }

    /** Stops keeping the flows; they stay on the bridge. */
    @Override
    public void close() {
        closed = true;
        if (executor != null) {
            executor.shutdownNow();
        }
    }
}
