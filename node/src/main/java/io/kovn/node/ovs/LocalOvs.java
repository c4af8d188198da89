package io.kovn.node.ovs;

import io.kovn.ovn.Databases;
import io.kovn.ovn.vswitch.Bridge;
import io.kovn.ovn.vswitch.Interface;
import io.kovn.ovn.vswitch.OpenVSwitch;
import io.kovn.ovn.vswitch.Port;
import io.kovn.ovn.vswitch.SSL;
import io.kovn.ovsdb.client.MonitorSpec;
import io.kovn.ovsdb.client.OvsdbClient;
import io.kovn.ovsdb.client.TlsConfig;
import io.kovn.ovsdb.client.TransactResult;
import io.kovn.ovsdb.model.Column;
import io.kovn.ovsdb.replica.DatabaseReplica;
import io.kovn.ovsdb.wire.Condition;
import io.kovn.ovsdb.wire.Operation;
import io.kovn.ovsdb.wire.Uuid;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * The node's Open_vSwitch database through kovn's OVSDB client: a replica of the rows the agent cares about
 * (kept current by a monitor, read without round trips) and the few transactions it makes.
 */
public final class LocalOvs implements AutoCloseable {
    /** Interface columns the agent reads; statistics and the like change all the time and are left out. */
    private static final List<Column<?>> INTERFACE_COLUMNS = List.of(Interface.NAME, Interface.TYPE,
            Interface.EXTERNAL_IDS, Interface.OFPORT, Interface.ERROR, Interface.MAC_IN_USE);

    private final OvsdbClient client;
    private final DatabaseReplica replica;
    private final Duration timeout;

    private LocalOvs(OvsdbClient client, DatabaseReplica replica, Duration timeout) {
        this.client = client;
        this.replica = replica;
        this.timeout = timeout;
    }

    /** Connects and waits for the replica's initial content. */
    public static LocalOvs connect(String remote, Duration timeout) {
        OvsdbClient client = new OvsdbClient(remote, OvsdbClient.Options.defaults().withCallTimeout(timeout));
        try {
            client.connectSync();
            DatabaseReplica replica = get(client.replicate(Databases.VSWITCH, MonitorSpec.create()
                    .table(OpenVSwitch.TABLE, List.of(OpenVSwitch.EXTERNAL_IDS, OpenVSwitch.BRIDGES))
                    .table(Bridge.TABLE, List.of(Bridge.NAME, Bridge.PORTS, Bridge.DATAPATH_TYPE, Bridge.EXTERNAL_IDS))
                    .table(Port.TABLE, List.of(Port.NAME, Port.INTERFACES, Port.EXTERNAL_IDS, Port.TAG))
                    .table(Interface.TABLE, INTERFACE_COLUMNS)), timeout);
            return new LocalOvs(client, replica, timeout);
        } catch (RuntimeException e) {
            client.close();
            throw e;
        }
    }

    /** Whether the connection to the Open_vSwitch database is up. */
    public boolean isConnected() {
        return client.isConnected();
    }

    public DatabaseReplica replica() {
        return replica;
    }

    /**
     * The key, certificate and CA files of the SSL row ovn-controller connects to an ssl: Southbound with, if
     * set; one query, as the agent reads them once.
     */
    public Optional<TlsConfig> sslFiles() {
        List<SSL> rows = transact(List.of(Operation.select(SSL.TABLE))).rows(0, SSL.TABLE);
        return rows.stream().findFirst().map(s -> new TlsConfig(Path.of(s.privateKey()), Path.of(s.certificate()),
                Path.of(s.caCert())));
    }

    public Map<String, String> externalIds() {
        return replica.list(OpenVSwitch.TABLE).stream().findFirst().map(OpenVSwitch::externalIds).orElse(Map.of());
    }

    /** Sets these external_ids of the Open_vSwitch row, replacing their old values and leaving other keys. */
    public void setExternalIds(Map<String, String> values) {
        transact(List.of(Operation.mutate(OpenVSwitch.TABLE).with(
                OpenVSwitch.EXTERNAL_IDS.deleteKeys(values.keySet()), OpenVSwitch.EXTERNAL_IDS.insert(values))));
    }

    /** Creates the bridge (fail_mode secure, as ovn-controller wants it) or fixes its datapath type. */
    public void ensureBridge(String name, String datapathType) {
        createBridge(name, datapathType, "secure", true, Map.of());
    }

    /**
     * Creates a bridge that switches on its own (fail_mode standalone: the NORMAL action, as the underlay VM's bridge
     * needs) with the {@code owner} external_ids, or leaves an existing one as its operator made it.
     */
    public void ensureSwitchingBridge(String name, String datapathType, Map<String, String> owner) {
        createBridge(name, datapathType, "standalone", false, owner);
    }

    private void createBridge(String name, String datapathType, String failMode, boolean fixDatapath,
                              Map<String, String> owner) {
        Optional<Bridge> existing = bridge(name);
        if (existing.isPresent()) {
            if (fixDatapath && !existing.get().datapathType().equals(datapathType)) {
                transact(List.of(Operation.update(Bridge.TABLE).where(Bridge.NAME.eq(name))
                        .set(Bridge.DATAPATH_TYPE, datapathType)));
            }
            return;
        }
        Operation.Insert iface = Operation.insert(Interface.TABLE).named("iface").set(Interface.NAME, name)
                .set(Interface.TYPE, "internal");
        Operation.Insert port = Operation.insert(Port.TABLE).named("port").set(Port.NAME, name)
                .set(Port.INTERFACES, Set.of(iface.ref()));
        Operation.Insert bridge = Operation.insert(Bridge.TABLE).named("bridge").set(Bridge.NAME, name)
                .set(Bridge.DATAPATH_TYPE, datapathType).set(Bridge.FAIL_MODE, Optional.of(failMode))
                .set(Bridge.PORTS, Set.of(port.ref())).set(Bridge.OTHER_CONFIG, Map.of("disable-in-band", "true"))
                .set(Bridge.EXTERNAL_IDS, owner);
        try {
            transact(List.of(iface, port, bridge,
                    Operation.mutate(OpenVSwitch.TABLE).with(OpenVSwitch.BRIDGES.insert(Set.of(bridge.ref())))));
        } catch (OvsException e) {
            // ovn-controller (or the operator) may have created it meanwhile
            if (bridge(name).isEmpty() && !awaitQuietly(r -> bridgeIn(r, name).isPresent())) {
                throw e;
            }
        }
    }

    public Optional<Bridge> bridge(String name) {
        return bridgeIn(replica, name);
    }

    private static Optional<Bridge> bridgeIn(DatabaseReplica r, String name) {
        return r.lookupOne(Bridge.TABLE, Bridge.NAME, name);
    }

    public Optional<Port> port(String name) {
        return replica.lookupOne(Port.TABLE, Port.NAME, name);
    }

    public Optional<Interface> iface(String name) {
        return replica.lookupOne(Interface.TABLE, Interface.NAME, name);
    }

    public List<Interface> interfacesWith(String key, String value) {
        return replica.byExternalId(Interface.TABLE, key, value);
    }

    public List<Port> portsWith(String key) {
        return replica.withExternalId(Port.TABLE, key);
    }

    /** A port with one interface, for {@link #transact}; {@code mac} and {@code mtu} may be null. */
    public static List<Operation> addPortOps(String bridge, String name, String type, Map<String, String> ifaceIds,
                                             Map<String, String> portIds, String mac, Integer mtu) {
        return portOps(bridge, name, type, ifaceIds, portIds, mac, mtu, null);
    }

    /** A system port with one interface that is an access port of VLAN {@code tag} (1-4094), for {@link #transact}. */
    public static List<Operation> addAccessPortOps(String bridge, String name, int tag, Map<String, String> ifaceIds,
                                                   Map<String, String> portIds) {
        if (tag < 1 || tag > 4094) {
            throw new IllegalArgumentException("VLAN tag " + tag + " is out of 1-4094");
        }
        return portOps(bridge, name, "", ifaceIds, portIds, null, null, (long) tag);
    }

    private static List<Operation> portOps(String bridge, String name, String type, Map<String, String> ifaceIds,
                                           Map<String, String> portIds, String mac, Integer mtu, Long tag) {
        Operation.Insert iface = Operation.insert(Interface.TABLE).named("iface").set(Interface.NAME, name)
                .set(Interface.TYPE, type).set(Interface.EXTERNAL_IDS, ifaceIds);
        if (mac != null) {
            iface = iface.set(Interface.MAC, Optional.of(mac));
        }
        if (mtu != null) {
            iface = iface.set(Interface.MTU_REQUEST, Optional.of(mtu.longValue()));
        }
        Operation.Insert port = Operation.insert(Port.TABLE).named("port").set(Port.NAME, name)
                .set(Port.INTERFACES, Set.of(iface.ref())).set(Port.EXTERNAL_IDS, portIds);
        if (tag != null) {
            port = port.set(Port.TAG, Optional.of(tag));
        }
        return List.of(iface, port,
                Operation.mutate(Bridge.TABLE).where(Bridge.NAME.eq(bridge)).with(Bridge.PORTS.insert(Set.of(port.ref()))));
    }

    /** Removes ports (and their interfaces) from whatever bridge holds them. */
    public List<Operation> deletePortOps(Collection<Port> ports) {
        List<Operation> ops = new ArrayList<>();
        if (ports.isEmpty()) {
            return ops;
        }
        Set<Uuid> uuids = Set.copyOf(ports.stream().map(Port::uuid).toList());
        for (Bridge b : replica.list(Bridge.TABLE)) {
            if (b.ports().stream().anyMatch(uuids::contains)) {
                ops.add(Operation.mutate(Bridge.TABLE).where(Condition.uuid(b.uuid())).with(Bridge.PORTS.delete(uuids)));
            }
        }
        for (Port p : ports) {
            ops.add(Operation.delete(Port.TABLE).where(Condition.uuid(p.uuid())));
            p.interfaces().forEach(i -> ops.add(Operation.delete(Interface.TABLE).where(Condition.uuid(i))));
        }
        return ops;
    }

    /** Runs one transaction and waits for it (within the call timeout). */
    public TransactResult transact(List<Operation> ops) {
        return get(client.transact(Databases.VSWITCH, ops), timeout);
    }

    /** Completes when {@code condition} holds on the replica; bound it with a timeout. */
    public CompletableFuture<Void> await(Predicate<DatabaseReplica> condition) {
        return replica.await(condition);
    }

    /**
     * Waits until ovs-vswitchd has made the device of interface {@code name} (an OpenFlow port number says it
     * has) and fails with its error if it could not.
     */
    public Interface awaitInterface(String name, Duration timeout) {
        try {
            replica.await(r -> r.lookupOne(Interface.TABLE, Interface.NAME, name)
                    .map(i -> i.ofport().map(p -> p > 0).orElse(false) || i.error().isPresent()).orElse(false))
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new IllegalStateException("ovs-vswitchd did not create " + name + " within " + timeout.toSeconds()
                    + " s; is it running?");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + name, e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("waiting for " + name + " failed", e.getCause());
        }
        Interface i = iface(name).orElseThrow(() -> new IllegalStateException(name + " vanished"));
        i.error().ifPresent(err -> {
            throw new IllegalStateException("ovs-vswitchd could not create " + name + ": " + err);
        });
        return i;
    }

    private boolean awaitQuietly(Predicate<DatabaseReplica> condition) {
        try {
            replica.await(condition).get(5, TimeUnit.SECONDS);
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    private static <T> T get(CompletableFuture<T> f, Duration timeout) {
        try {
            return f.get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new OvsException(e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            f.cancel(true);
            throw new OvsException("the Open_vSwitch database did not answer within " + timeout.toSeconds() + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OvsException("interrupted", e);
        }
    }

    @Override
    public void close() {
        client.close();
    }

    /** A failed or timed-out call to the local Open_vSwitch database. */
    public static final class OvsException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        OvsException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
