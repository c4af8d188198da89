package io.kovn.node.gateway;

import io.kovn.node.ovs.LocalOvs;
import io.kovn.ovn.vswitch.Bridge;
import io.kovn.ovn.vswitch.Interface;
import io.kovn.ovn.vswitch.OpenVSwitch;
import io.kovn.ovn.vswitch.Port;
import io.kovn.ovsdb.wire.Operation;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The OVS side of a NIC's bridge ({@code br<nic>}): a standalone bridge (a learning switch until the agent puts
 * its flows there, so the host keeps its network meanwhile) holding the NIC, with the NIC's MAC and MTU. The
 * NIC's previous sysctls are kept in the bridge's external_ids so that bridge-to-nics can put them back.
 */
final class PhysicalBridge {
    static final String SAVED_SYSCTLS = "kovn.io/nic-sysctls";
    static final Duration DEVICE_TIMEOUT = Duration.ofSeconds(20);

    private PhysicalBridge() {
    }

    /** The bridge name for a NIC, as the original scripts named it (eth0: breth0). */
    static String nameFor(String nic) {
        String bridge = "br" + nic;
        if (bridge.length() > 15) {
            throw new IllegalArgumentException("bridge name " + bridge + " is longer than a device name may be (15)");
        }
        return bridge;
    }

    /**
     * Makes {@code bridge} with {@code nic} as a port, or adds the port to an existing bridge; returns whether the
     * bridge was created. Waits for ovs-vswitchd to make the bridge's device.
     */
    static boolean ensure(LocalOvs ovs, String bridge, IpConfig nic, String datapathType, String savedSysctls) {
        Optional<String> holder = bridgeOf(ovs, nic.device());
        if (holder.isPresent() && !holder.get().equals(bridge)) {
            throw new IllegalStateException(nic.device() + " is already a port of bridge " + holder.get());
        }
        boolean create = ovs.bridge(bridge).isEmpty();
        if (create) {
            Operation.Insert localIface = Operation.insert(Interface.TABLE).named("localiface").set(Interface.NAME, bridge)
                    .set(Interface.TYPE, "internal").set(Interface.MTU_REQUEST, Optional.of((long) nic.mtu()));
            Operation.Insert localPort = Operation.insert(Port.TABLE).named("localport").set(Port.NAME, bridge)
                    .set(Port.INTERFACES, Set.of(localIface.ref()));
            Operation.Insert nicIface = Operation.insert(Interface.TABLE).named("niciface").set(Interface.NAME, nic.device());
            Operation.Insert nicPort = Operation.insert(Port.TABLE).named("nicport").set(Port.NAME, nic.device())
                    .set(Port.INTERFACES, Set.of(nicIface.ref()));
            Operation.Insert br = Operation.insert(Bridge.TABLE).named("bridge").set(Bridge.NAME, bridge)
                    .set(Bridge.DATAPATH_TYPE, datapathType).set(Bridge.FAIL_MODE, Optional.of("standalone"))
                    .set(Bridge.PORTS, Set.of(localPort.ref(), nicPort.ref()))
                    .set(Bridge.OTHER_CONFIG, Map.of("hwaddr", nic.mac(), "disable-in-band", "true"))
                    .set(Bridge.EXTERNAL_IDS, Map.of(SAVED_SYSCTLS, savedSysctls));
            ovs.transact(List.of(localIface, localPort, nicIface, nicPort, br,
                    Operation.mutate(OpenVSwitch.TABLE).with(OpenVSwitch.BRIDGES.insert(Set.of(br.ref())))));
        } else {
            if (holder.isEmpty()) {
                ovs.transact(LocalOvs.addPortOps(bridge, nic.device(), "", Map.of(), Map.of(), null, null));
            }
            if (savedSysctls(ovs, bridge).isEmpty()) {
                ovs.transact(List.of(Operation.mutate(Bridge.TABLE).where(Bridge.NAME.eq(bridge))
                        .with(Bridge.EXTERNAL_IDS.insert(Map.of(SAVED_SYSCTLS, savedSysctls)))));
            }
        }
        ovs.awaitInterface(bridge, DEVICE_TIMEOUT);
        ovs.awaitInterface(nic.device(), DEVICE_TIMEOUT);
        return create;
    }

    /** Removes the bridge (its ports and interfaces go with it); nothing if there is none. */
    static void delete(LocalOvs ovs, String bridge) {
        ovs.bridge(bridge).ifPresent(b -> ovs.transact(List.of(Operation.mutate(OpenVSwitch.TABLE)
                .with(OpenVSwitch.BRIDGES.delete(Set.of(b.uuid()))))));
    }

    /** The bridge's one NIC: its port that is neither the bridge's own device nor a patch port. */
    static Optional<String> nicOf(LocalOvs ovs, String bridge) {
        List<String> nics = interfaces(ovs, bridge).stream()
                .filter(i -> !i.name().equals(bridge) && !i.type().equals("patch") && !i.type().equals("internal"))
                .map(Interface::name).toList();
        if (nics.size() > 1) {
            throw new IllegalStateException("bridge " + bridge + " holds several NICs " + nics + "; expected one");
        }
        return nics.stream().findFirst();
    }

    static List<Interface> interfaces(LocalOvs ovs, String bridge) {
        return ovs.bridge(bridge).map(b -> b.ports().stream()
                .flatMap(p -> ovs.replica().get(Port.TABLE, p).stream())
                .flatMap(p -> p.interfaces().stream())
                .flatMap(i -> ovs.replica().get(Interface.TABLE, i).stream()).toList()).orElse(List.of());
    }

    static Optional<String> savedSysctls(LocalOvs ovs, String bridge) {
        return ovs.bridge(bridge).map(b -> b.externalIds().get(SAVED_SYSCTLS));
    }

    private static Optional<String> bridgeOf(LocalOvs ovs, String iface) {
        return ovs.replica().list(Bridge.TABLE).stream()
                .filter(b -> interfaces(ovs, b.name()).stream().anyMatch(i -> i.name().equals(iface)))
                .map(Bridge::name).findFirst();
    }

    /** The bridge device's MAC as ovs-vswitchd reports it. */
    static String mac(LocalOvs ovs, String bridge) {
        return ovs.iface(bridge).flatMap(Interface::macInUse).orElseThrow(() ->
                new IllegalStateException("bridge " + bridge + " has no MAC yet"));
    }
}
