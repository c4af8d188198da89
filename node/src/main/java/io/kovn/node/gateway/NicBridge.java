package io.kovn.node.gateway;

import io.kovn.node.host.CommandException;
import io.kovn.node.host.HostCommands;
import io.kovn.node.ovs.LocalOvs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code kovn nics-to-bridge} and {@code kovn bridge-to-nics}: move a NIC's IPv4 addresses and routes onto a new
 * OVS bridge {@code br<nic>} holding the NIC, and back. Both are idempotent (a second run changes nothing) and
 * undo their own steps when one fails, so the host is left as it was.
 */
public final class NicBridge {
    private static final Logger log = LoggerFactory.getLogger(NicBridge.class);

    private final LocalOvs ovs;
    private final HostCommands host;

    public NicBridge(LocalOvs ovs, HostCommands host) {
        this.ovs = ovs;
        this.host = host;
    }

    /** What a run did: {@code moved} is the configuration that changed device, {@code changed} false for a no-op. */
    public record Outcome(String bridge, String nic, boolean changed, IpConfig moved) {
    }

    /** Moves {@code nic}'s addresses and routes onto bridge {@code br<nic>}, created with that datapath type. */
    public Outcome toBridge(String nic, String datapathType) {
        String bridge = PhysicalBridge.nameFor(nic);
        IpConfig before = IpConfig.read(host, nic);
        boolean existed = ovs.bridge(bridge).isPresent();
        if (existed && PhysicalBridge.nicOf(ovs, bridge).filter(nic::equals).isPresent() && before.isEmpty()) {
            log.info("{} is already a port of {} and holds no IPv4 configuration: nothing to do", nic, bridge);
            return new Outcome(bridge, nic, false, before);
        }
        String sysctls = PhysicalBridge.savedSysctls(ovs, bridge).orElseGet(() -> NicSysctls.read(host, nic));
        String step = "creating bridge " + bridge;
        try {
            PhysicalBridge.ensure(ovs, bridge, before, datapathType, sysctls);
            step = "bringing " + bridge + " up";
            host.run("ip", "link", "set", "dev", bridge, "up");
            step = "isolating " + nic + " from the host's IP stack";
            NicSysctls.isolate(host, nic);
            step = "moving addresses and routes";
            move(before, bridge);
        } catch (RuntimeException e) {
            putBack(before, bridge);
            quietly(() -> NicSysctls.restore(host, nic, sysctls));
            if (!existed) {
                quietly(() -> PhysicalBridge.delete(ovs, bridge));
            }
            throw new IllegalStateException("nics-to-bridge " + nic + " failed while " + step
                    + "; the previous state is restored: " + e.getMessage(), e);
        }
        log.info("moved {} addresses and {} routes from {} to {}", before.addresses().size(), before.routes().size(),
                nic, bridge);
        return new Outcome(bridge, nic, true, before);
    }

    /** Moves {@code bridge}'s addresses and routes back onto its NIC and removes the bridge. */
    public Outcome toNics(String bridge) {
        if (ovs.bridge(bridge).isEmpty()) {
            log.info("there is no bridge {}: nothing to do", bridge);
            return new Outcome(bridge, null, false, null);
        }
        String nic = PhysicalBridge.nicOf(ovs, bridge).orElseThrow(() ->
                new IllegalStateException("bridge " + bridge + " holds no NIC to give its addresses back to"));
        IpConfig before = IpConfig.read(host, bridge);
        String sysctls = PhysicalBridge.savedSysctls(ovs, bridge).orElse(null);
        String step = "moving addresses and routes";
        try {
            host.run("ip", "link", "set", "dev", nic, "up");
            move(before, nic);
            step = "removing bridge " + bridge;
            PhysicalBridge.delete(ovs, bridge);
        } catch (RuntimeException e) {
            putBack(before, nic);
            throw new IllegalStateException("bridge-to-nics " + bridge + " failed while " + step
                    + "; the previous state is restored: " + e.getMessage(), e);
        }
        NicSysctls.restore(host, nic, sysctls);
        log.info("moved {} addresses and {} routes from {} back to {}; bridge removed", before.addresses().size(),
                before.routes().size(), bridge, nic);
        return new Outcome(bridge, nic, true, before);
    }

    /** Takes {@code config} off its device and puts it on {@code to}: routes need their addresses first. */
    private void move(IpConfig config, String to) {
        batch(config.removeFrom(config.device()));
        batch(config.addAddressesTo(to));
        batch(config.addRoutesTo(to));
    }

    /** Undoes a partial {@link #move}: whatever reached {@code to} goes, all of {@code config} is back on its device. */
    private void putBack(IpConfig config, String to) {
        String undo = config.removeFrom(to) + config.addAddressesTo(config.device()) + config.addRoutesTo(config.device());
        if (undo.isEmpty()) {
            return;
        }
        try {
            // -force: go on past lines that fail because that part had not been done
            host.runWithInput(undo, "ip", "-force", "-batch", "-");
        } catch (CommandException e) {
            log.debug("undo of a partial move: {}", e.getMessage());
        }
    }

    private void batch(String lines) {
        if (!lines.isEmpty()) {
            host.runWithInput(lines, "ip", "-batch", "-");
        }
    }

    private static void quietly(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            log.warn("undo step failed: {}", e.getMessage());
        }
    }
}
